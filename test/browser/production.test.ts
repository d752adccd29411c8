/**
 * The production batch screen (制证批次) in Debian's Chromium against a real certdesk process
 * (embedded database, demo data, the server's software station): from an order waiting for
 * production, the production desk opens the batch screen, starts a batch and follows it to the end;
 * the test ends on the keys and the order state the server saved.
 */
import { describe, expect, it } from "vitest";
import { CHROMIUM, haveChromium } from "./support.js";
import { browserSuite } from "./suite.js";
import { produceOnBatchScreen, signInStaff } from "./production-screen.js";
import { keysOfOrders, orderState, PRODUCTION, programmeAOrdersAtProduction } from "./walks.js";
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
  },
);
