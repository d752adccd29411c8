/**
 * Programme B's basket in Debian's Chromium against a real certdesk process (embedded database,
 * demo data): the handler orders 2 all-inclusive keys and 1 basic key for 3 years on the new-order
 * page, sees the live quote of 1550.00 (2 × 600 + 1 × 350, DOMAIN.md's tariff) and creates one
 * order. The steps the portal does not yet offer for programme B (the transfer receipt, #19 item 3,
 * another helper's) are walked through the API as the handler, the reviewer and finance would;
 * the test ends on what the server holds: one order with its lines, one payment, one invoice.
 */
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { http, login } from "../support/process.js";
import {
  CHROMIUM,
  haveChromium,
  orderIdOf,
  RETAILER_B,
  savedOrder,
  signIn,
  startDeskWith,
  smallPdf,
  smallPng,
} from "./support.js";
import { browserSuite } from "./suite.js";
import { ADMIN, REVIEWER, uploadScan } from "./walks.js";

if (!haveChromium) {
  process.stdout.write(`browser tests skipped: ${CHROMIUM} is missing (apt-get install -y chromium)\n`);
}

const FINANCE = { login: "finance", password: "finance-demo-1" } as const;

async function ok<T>(
  what: string,
  result: Promise<{ status: number; body: unknown }>,
  status = 200,
): Promise<T> {
  const res = await result;
  if (res.status !== status) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as T;
}

/** The drop-down list Ant Design shows for the select just opened (closed ones stay in the page, hidden). */
function openList(page: Page) {
  return page.locator(".ant-select-dropdown:not(.ant-select-dropdown-hidden)");
}

describe.skipIf(!haveChromium)(
  `programme B's basket in Chromium (skipped when ${CHROMIUM} is missing)`,
  () => {
    // The suite's own start gives the server 90 s; on a machine shared by many it may need longer.
    const suite = browserSuite(() => startDeskWith({ readyWithinMs: 170_000 }));

    it("2 all-inclusive + 1 basic keys for 3 years: quoted 1550.00 live, one order, one payment, one invoice of 1550.00", async () => {
      const page = await suite.newPage();
      await signIn(page, suite.base, RETAILER_B);
      await page.goto(`${suite.base}/portal/apply/power-trading/new`);

      // Line 1: the all-inclusive plan, 3 years (the default term), 2 keys.
      const main = page.getByRole("main");
      await main.getByRole("combobox", { name: "第 1 行的资费方案" }).click();
      await openList(page).getByTitle("组合资费", { exact: true }).click();
      await main.getByRole("spinbutton", { name: "第 1 行的电子钥匙数量" }).fill("2");
      // Line 2: the basic plan, 1 key.
      await main.getByRole("button", { name: "添加一行（其他资费方案或年限）" }).click();
      await main.getByRole("combobox", { name: "第 2 行的资费方案" }).click();
      await openList(page).getByTitle("基础资费", { exact: true }).click();
      await main.getByRole("spinbutton", { name: "第 2 行的电子钥匙数量" }).fill("1");
      await expect.poll(() => main.getByRole("group", { name: "第 2 行" }).innerText()).toContain("3 年");

      // The live quote: one line per plan, the total of the basket.
      const quote = main.getByRole("table", { name: "费用" });
      const row = (plan: string) => quote.getByRole("row").filter({ hasText: plan });
      await row("组合资费").getByRole("cell", { name: "¥1200.00" }).waitFor();
      await row("基础资费").getByRole("cell", { name: "¥350.00" }).first().waitFor();
      await main.getByText("¥1550.00").first().waitFor();

      // Where the keys and the invoice are mailed (the demo organisation has no address on file).
      await main.getByLabel("详细地址").fill("广州市天河区示例路 1 号（演示地址）");
      await main.getByRole("button", { name: "下一步：确认费用" }).click();
      await main.getByRole("button", { name: "创建申请" }).click();
      await page.waitForURL(new RegExp(`^${suite.base}/portal/orders/[0-9a-f-]{36}$`));
      const orderId = orderIdOf(page);

      // Materials, review, the transfer receipt and finance's confirmation, as the desk does them.
      const server = suite.desk.server;
      const applicant = await login(server, RETAILER_B.login, RETAILER_B.password);
      await uploadScan(server, applicant, orderId, "enterprise-application-form", {
        name: "企业证书申请表.pdf",
        type: "application/pdf",
        bytes: smallPdf(),
      });
      await uploadScan(server, applicant, orderId, "authorisation-letter", {
        name: "授权书.png",
        type: "image/png",
        bytes: smallPng(),
      });
      await ok(
        "submit",
        http(`${server.url}/api/orders/${orderId}/submit`, { method: "POST", token: applicant, json: {} }),
      );
      const reviewer = await login(server, REVIEWER.login, REVIEWER.password);
      await ok(
        "approve",
        http(`${server.url}/api/orders/${orderId}/approve`, { method: "POST", token: reviewer, json: {} }),
      );
      const form = new FormData();
      form.append("file", new Blob([new Uint8Array(smallPng())], { type: "image/png" }), "转账回单.png");
      const receipt = await fetch(
        `${server.url}/api/orders/${orderId}/transfer-receipts?years=3&plan=all-inclusive`,
        { method: "POST", headers: { authorization: `Bearer ${applicant}` }, body: form },
      );
      expect(receipt.status, await receipt.clone().text()).toBe(201);
      expect(await receipt.json()).toMatchObject({ amountFen: 155000 });
      const finance = await login(server, FINANCE.login, FINANCE.password);
      await ok(
        "confirm transfer",
        http(`${server.url}/api/orders/${orderId}/payments/bank-transfer`, {
          method: "POST",
          token: finance,
          json: { reference: "BANK-20261207-0001", amountFen: 155000 },
        }),
      );
      const admin = await login(server, ADMIN.login, ADMIN.password);
      await ok(
        "invoices job",
        http(`${server.url}/api/admin/jobs/invoices-issue/run`, { method: "POST", token: admin, json: {} }),
      );

      // What the server holds.
      const { order, payments } = await savedOrder(server, RETAILER_B, orderId);
      expect(order).toMatchObject({
        programmeId: "power-trading",
        service: "new",
        state: "paid",
        totalFen: 155000,
      });
      expect(order.details).toMatchObject({
        keys: 3,
        lines: [
          { plan: "all-inclusive", years: 3, keys: 2 },
          { plan: "basic", years: 3, keys: 1 },
        ],
      });
      const full = await ok<{ quote: { items: { code: string; quantity: number; amount: number }[] } }>(
        "order",
        http(`${server.url}/api/orders/${orderId}`, { token: applicant }),
      );
      expect(full.quote.items.map((i) => [i.code, i.quantity, i.amount])).toEqual([
        ["new:all-inclusive:3y", 2, 120000],
        ["new:basic:3y", 1, 35000],
      ]);
      expect(payments.filter((p) => p.status === "succeeded")).toEqual([
        expect.objectContaining({ amountFen: 155000 }),
      ]);
      const invoices = await ok<{ id: string; totalFen: number }[]>(
        "invoices",
        http(`${server.url}/api/invoices?orderId=${orderId}`, { token: applicant }),
      );
      expect(invoices).toHaveLength(1);
      expect(invoices[0]!.totalFen).toBe(155000);
      const pdf = await fetch(`${server.url}/api/invoices/${invoices[0]!.id}/pdf`, {
        headers: { authorization: `Bearer ${applicant}` },
      });
      expect(pdf.status).toBe(200);
      expect(
        Buffer.from(await pdf.arrayBuffer())
          .subarray(0, 5)
          .toString("latin1"),
      ).toBe("%PDF-");
    }, 300_000);
  },
);
