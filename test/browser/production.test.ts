/**
 * The production batch screen (制证批次) in Debian's Chromium against a real certdesk process
 * (embedded database, demo data, the server's software station): from an order waiting for
 * production, the production desk opens the batch screen, starts a batch and follows it to the end;
 * the test ends on the keys and the order state the server saved. Then the staff order search,
 * whose filters live in the address.
 */
import { describe, expect, it } from "vitest";
import { CHROMIUM, haveChromium } from "./support.js";
import { browserSuite } from "./suite.js";
import { produceOnBatchScreen, signInStaff } from "./production-screen.js";
import { keysOfOrders, orderState, PRODUCTION, programmeAOrdersAtProduction, REVIEWER } from "./walks.js";
import { http, login } from "../support/process.js";

if (!haveChromium) {
  process.stdout.write(`browser tests skipped: ${CHROMIUM} is missing (apt-get install -y chromium)\n`);
}

describe.skipIf(!haveChromium)(
  `the production batch screen in Chromium (skipped when ${CHROMIUM} is missing)`,
  () => {
    const suite = browserSuite();

    it("the order page links to the batch screen; a batch started there for two orders shows every key made, and the server holds two recorded keys with certificates and both orders produced", async () => {
      const server = suite.desk.server;
      const orderIds = await programmeAOrdersAtProduction(server, 2);
      const page = await suite.newPage();
      await signInStaff(page, suite.base, PRODUCTION);
      await page.goto(`${suite.base}/office/orders/${orderIds[0]}`);
      await page.getByText("请在制证批次中为此订单制作电子钥匙", { exact: false }).waitFor();
      await page.getByRole("link", { name: "前往制证批次" }).click();
      await page.waitForURL(`${suite.base}/office/production`);

      const batchId = await produceOnBatchScreen(page, suite.base, orderIds);
      await page.getByRole("status").getByText("已制作 2 / 2 把；失败 0 把；续做 0 把").waitFor();
      expect(await page.getByRole("cell", { name: "已制作", exact: true }).count()).toBe(2);
      await expect.poll(() => page.getByRole("progressbar").getAttribute("aria-valuenow")).toBe("100");

      // What the server saved: the batch done, each key recorded with its certificate, orders produced.
      const producer = await login(server, PRODUCTION.login, PRODUCTION.password);
      const batch = (await http(`${server.url}/api/production/batches/${batchId}`, { token: producer }))
        .body as {
        state: string;
        done: number;
        total: number;
        runs: number;
      };
      expect(batch).toMatchObject({ state: "done", done: 2, total: 2, runs: 1 });
      const keys = await keysOfOrders(server, orderIds);
      expect(keys).toHaveLength(2);
      for (const key of keys) {
        expect(key.step).toBe("recorded");
        expect(key.certificateSerial).toMatch(/^[0-9A-F]+$/i);
      }
      for (const id of orderIds) expect(await orderState(server, producer, id)).toBe("produced");
    }, 240_000);

    it("order search keeps its filters in the address: organisation and state typed in, searched, reloaded, the same orders the API finds", async () => {
      const server = suite.desk.server;
      const page = await suite.newPage();
      await signInStaff(page, suite.base, REVIEWER);
      await page.getByRole("navigation").getByRole("link", { name: "订单查询" }).first().click();
      await page.waitForURL(`${suite.base}/office/search`);
      const form = page.getByRole("search", { name: "订单查询" });
      await form.getByLabel("单位名称").fill("供应链");
      await form.getByLabel("状态").fill("已制证");
      // Ant Design's list shows each state by its title (its role=option list holds only the active one).
      await page
        .locator(".ant-select-dropdown:not(.ant-select-dropdown-hidden)")
        .getByTitle("已制证", { exact: true })
        .click();
      await form.getByRole("button", { name: "查询" }).click();
      await page.waitForURL(/\/office\/search\?organisation=.*&state=produced$/);
      expect(new URL(page.url()).searchParams.get("organisation")).toBe("供应链");

      const token = await login(server, REVIEWER.login, REVIEWER.password);
      const query = `organisation=${encodeURIComponent("供应链")}&state=produced`;
      const found = (await http(`${server.url}/api/office/orders/search?${query}`, { token })).body as {
        orders: { number: string }[];
      };
      expect(found.orders.length).toBeGreaterThan(0);
      await page.reload();
      await expect.poll(() => form.getByLabel("单位名称").inputValue()).toBe("供应链");
      for (const o of found.orders) await page.getByRole("link", { name: o.number }).waitFor();
      expect(await page.locator("tbody tr.ant-table-row").count()).toBe(found.orders.length);
    }, 240_000);
  },
);
