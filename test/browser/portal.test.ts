/**
 * The portal driven in Debian's Chromium against a real certdesk process (embedded database, demo
 * data): a handler applies, uploads, submits and pays as a person would, finding everything by its
 * role and label; each test ends by reading back what the server saved.
 */
import { describe, expect, it } from "vitest";
import { http, login } from "../support/process.js";
import {
  applyNewOnProgrammeA,
  CHROMIUM,
  haveChromium,
  orderIdOf,
  RETAILER_B,
  savedOrder,
  scans,
  signIn,
  SUPPLIER_A,
  uploadMaterial,
} from "./support.js";
import { browserSuite } from "./suite.js";

if (!haveChromium) {
  process.stdout.write(`browser tests skipped: ${CHROMIUM} is missing (apt-get install -y chromium)\n`);
}

describe.skipIf(!haveChromium)(`the portal in Chromium (skipped when ${CHROMIUM} is missing)`, () => {
  const suite = browserSuite();
  const newPage = suite.newPage;

  it("programme A: a new application for 3 years is quoted 600.00, submitted and paid through the gateway", async () => {
    const page = await newPage();
    await signIn(page, suite.base, SUPPLIER_A);
    const orderId = await applyNewOnProgrammeA(page, suite.base);

    // The pre-filled application form, as the programme's material list offers it.
    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: "下载表格：机构数字证书申请表" }).click();
    const form = await (await download).createReadStream();
    const chunks: Buffer[] = [];
    for await (const chunk of form) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).subarray(0, 5).toString("latin1")).toBe("%PDF-");

    await page.getByRole("button", { name: "提交申请" }).click();
    await page.getByRole("button", { name: "在线支付 ¥600.00" }).click();
    // The development gateway's own page, then back to the order.
    await page.waitForURL(/\/dev-gateway\/pay\//);
    await page.getByRole("button", { name: "支付 / Pay", exact: true }).click();
    await page.waitForURL(`${suite.base}/portal/orders/${orderId}`);
    await page.getByRole("main").getByText("已支付", { exact: true }).first().waitFor();

    const { order, payments } = await savedOrder(suite.desk.server, SUPPLIER_A, orderId);
    expect(order).toMatchObject({
      programmeId: "procurement",
      service: "new",
      state: "paid",
      totalFen: 60000,
    });
    expect(order.details).toMatchObject({ years: 3 });
    expect(payments.filter((p) => p.status === "succeeded")).toEqual([
      expect.objectContaining({ status: "succeeded", amountFen: 60000 }),
    ]);
    // Another organisation's handler sees neither the order nor its payments.
    const other = await login(suite.desk.server, RETAILER_B.login, RETAILER_B.password);
    expect((await http(`${suite.base}/api/orders/${orderId}/payments`, { token: other })).status).toBe(404);
  }, 120_000);

  it("programme B: 2 keys for 3 years on the all-inclusive plan are quoted 1200.00 and submitted to the agent", async () => {
    const page = await newPage();
    await signIn(page, suite.base, RETAILER_B);
    await page.getByRole("button", { name: "办理新业务" }).click();
    await page.getByText("电力交易平台数字证书", { exact: true }).click();
    await page.getByRole("button", { name: "办理：新办证书" }).click();
    // Programme B's new keys are a basket: one line here, the all-inclusive plan, 2 keys, 3 years (the default).
    const main = page.getByRole("main");
    await main.getByRole("combobox", { name: "第 1 行的资费方案" }).click();
    await page
      .locator(".ant-select-dropdown:not(.ant-select-dropdown-hidden)")
      .getByTitle("组合资费", { exact: true })
      .click();
    await main.getByRole("spinbutton", { name: "第 1 行的电子钥匙数量" }).fill("2");
    await page.getByRole("cell", { name: "¥1200.00" }).first().waitFor();
    await page.getByLabel("详细地址").fill("广州市天河区示例大道 1 号（演示地址）");
    await page.getByRole("button", { name: "下一步：确认费用" }).click();
    await page.getByRole("button", { name: "创建申请" }).click();
    await page.waitForURL(new RegExp(`^${suite.base}/portal/orders/[0-9a-f-]{36}$`));
    const orderId = orderIdOf(page);

    await uploadMaterial(page, "企业证书申请表", scans.pdf("企业证书申请表.pdf"));
    await uploadMaterial(page, "授权书", scans.png("授权书.png"));
    await page.getByRole("button", { name: "提交申请" }).click();
    await page.getByRole("main").getByText("已提交", { exact: true }).first().waitFor();

    const { order, payments } = await savedOrder(suite.desk.server, RETAILER_B, orderId);
    expect(order).toMatchObject({
      programmeId: "power-trading",
      service: "new",
      state: "submitted",
      totalFen: 120000,
    });
    expect(order.details).toMatchObject({ years: 3, keys: 2, plan: "all-inclusive" });
    expect(payments).toEqual([]);
  }, 120_000);

  it("the English switch changes the interface language and is remembered", async () => {
    const page = await newPage();
    await page.goto(suite.base);
    await page.getByRole("heading", { name: "机构数字证书在线服务台" }).waitFor();
    await page.getByText("English", { exact: true }).click();
    await page.getByRole("heading", { name: "Organisation certificates, online" }).waitFor();
    expect(await page.locator("html").getAttribute("lang")).toBe("en");
    await page.reload();
    await page.getByRole("link", { name: "Service guides" }).waitFor();
    await page.getByText("中文", { exact: true }).click();
    await page.getByRole("heading", { name: "机构数字证书在线服务台" }).waitFor();
  }, 60_000);

  it("a guide page, open to all, shows programme B's fee example priced by the server (700.00 basic, 1200.00 all-inclusive)", async () => {
    const page = await newPage();
    await page.goto(`${suite.base}/guides`);
    await page.getByRole("link", { name: "新办证书" }).click();
    await page.waitForURL(`${suite.base}/guides/power-trading/new`);
    await page.getByRole("heading", { name: "计费示例" }).waitFor();
    await page.getByText("基础资费：2 个电子钥匙 × 3 年：¥700.00").waitFor();
    await page.getByText("组合资费：2 个电子钥匙 × 3 年：¥1200.00").waitFor();
    expect(await page.getByRole("cell", { name: "¥1200.00" }).count()).toBeGreaterThan(0);

    // Programme A's guide: the fee for 3 years, and where paper goes (never by registered post).
    await page.goto(`${suite.base}/guides/procurement/new`);
    await page.getByText("1 张证书 × 3 年：¥600.00").waitFor();
    await page.getByText("请使用快递寄送，不接收挂号信。").waitFor();
  }, 60_000);
});
