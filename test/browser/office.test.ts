/**
 * The back office driven in Chromium against a real certdesk process (embedded database, demo
 * data): a reviewer's day. Two programme B orders are made through the API (fast); the reviewer
 * rejects one with a reason on a material and approves the other; finance confirms the approved
 * one's bank transfer. The test ends by reading back what the server saved.
 */
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { http, login } from "../support/process.js";
import { submittedProgrammeBOrder } from "./office-screenshots.js";
import { CHROMIUM, haveChromium } from "./support.js";
import { browserSuite } from "./suite.js";

const REVIEWER = { login: "reviewer", password: "reviewer-demo-1" } as const;
const FINANCE = { login: "finance", password: "finance-demo-1" } as const;
const ADMIN = { login: "admin", password: "admin-demo-1" } as const;

if (!haveChromium) {
  process.stdout.write(`browser tests skipped: ${CHROMIUM} is missing (apt-get install -y chromium)\n`);
}

describe.skipIf(!haveChromium)(`the back office in Chromium (skipped when ${CHROMIUM} is missing)`, () => {
  const suite = browserSuite();
  const newPage = suite.newPage;

  async function staffSignIn(page: Page, who: { login: string; password: string }): Promise<void> {
    await page.goto(`${suite.base}/sign-in`);
    const main = page.getByRole("main");
    await main.getByLabel("手机号").fill(who.login);
    await main.getByLabel("密码").fill(who.password);
    await main.getByRole("button", { name: "登录" }).click();
    await page.waitForURL(new RegExp(`^${suite.base}/office`));
  }

  async function saved(who: { login: string; password: string }, orderId: string) {
    const token = await login(suite.desk.server, who.login, who.password);
    const res = await http(`${suite.base}/api/orders/${orderId}`, { token });
    expect(res.status).toBe(200);
    return res.body as {
      state: string;
      totalFen: number;
      rejection: { reason: string; items: { target: string; reason: string }[] } | null;
    };
  }

  it("a reviewer's day: rejects one programme B order with a reason on a material, approves the other; finance confirms the transfer", async () => {
    const first = await submittedProgrammeBOrder(suite.desk.server);
    const second = await submittedProgrammeBOrder(suite.desk.server);
    const numberOf = async (id: string) =>
      (
        (
          await http(`${suite.base}/api/orders/${id}`, {
            token: await login(suite.desk.server, REVIEWER.login, REVIEWER.password),
          })
        ).body as { number: string }
      ).number;
    const [firstNumber, secondNumber] = [await numberOf(first), await numberOf(second)];

    const page = await newPage();
    await staffSignIn(page, REVIEWER);
    await page.getByRole("link", { name: "待审核", exact: true }).click();
    const queue = page.getByRole("table");
    await queue.getByRole("link", { name: firstNumber }).waitFor();
    await queue.getByRole("link", { name: secondNumber }).waitFor();

    // The first: every check ticked, then rejected with a reason on the authorisation letter.
    await queue.getByRole("link", { name: firstNumber }).click();
    await page.waitForURL(`${suite.base}/office/orders/${first}`);
    await page.getByRole("button", { name: "开始审核" }).click();
    await page.getByRole("button", { name: "审核通过" }).waitFor();
    const checklist = page.getByRole("group", { name: "审核清单" });
    const boxes = checklist.getByRole("checkbox");
    const count = await boxes.count();
    expect(count).toBeGreaterThan(0);
    for (let i = 0; i < count; i++) await boxes.nth(i).check();
    await page.getByRole("button", { name: "退回" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("退回原因").fill("授权书未加盖公章");
    await dialog.getByLabel("问题说明：授权书").fill("请加盖单位公章后重新上传");
    await dialog.getByRole("button", { name: "确认退回" }).click();
    await page.getByRole("main").getByText("审核未通过", { exact: true }).first().waitFor();

    // Back to the queue: only the second is left; approved.
    await page.getByRole("link", { name: "返回队列" }).click();
    await page.getByRole("table").getByRole("link", { name: secondNumber }).click();
    await page.waitForURL(`${suite.base}/office/orders/${second}`);
    await page.getByRole("button", { name: "开始审核" }).click();
    await page.getByRole("button", { name: "审核通过" }).click();
    // Nothing on the checklist was ticked: the confirmation says how many are left, and approves anyway.
    const confirm = page.getByRole("dialog");
    await confirm.getByText(/审核清单还有 \d+ 项未勾选/).waitFor();
    await confirm.getByRole("button", { name: "仍要审核通过" }).click();
    await page.getByRole("main").getByText("待支付", { exact: true }).first().waitFor();

    const rejected = await saved(REVIEWER, first);
    expect(rejected.state).toBe("rejected");
    expect(rejected.rejection).toMatchObject({
      reason: "授权书未加盖公章",
      items: [{ target: "authorisation-letter", reason: "请加盖单位公章后重新上传" }],
    });
    const approved = await saved(REVIEWER, second);
    expect(approved.state).toBe("awaiting_payment");

    // Finance: the transfer seen on the collection account, confirmed against the order.
    const financePage = await newPage();
    await staffSignIn(financePage, FINANCE);
    await financePage.getByRole("link", { name: "待确认收款", exact: true }).click();
    await financePage.getByRole("table").getByRole("link", { name: secondNumber }).click();
    await financePage.waitForURL(`${suite.base}/office/orders/${second}`);
    await financePage.getByLabel("银行流水号").fill("BANK-20261121-0001");
    await financePage.getByLabel("到账金额（元）").fill((approved.totalFen / 100).toFixed(2));
    await financePage.getByRole("button", { name: "确认收款" }).click();
    await financePage.getByRole("main").getByText("已支付", { exact: true }).first().waitFor();
    expect((await saved(FINANCE, second)).state).toBe("paid");
  }, 180_000);

  it("an admin's programme edit that breaks the schema is refused, each error shown with its path, and nothing is saved", async () => {
    const page = await newPage();
    await staffSignIn(page, ADMIN);
    await page.getByRole("link", { name: "项目配置", exact: true }).click();
    const editor = page.getByRole("textbox", { name: "项目配置（JSON）" });
    await expect.poll(async () => (await editor.inputValue()).length).toBeGreaterThan(100);
    const programme = JSON.parse(await editor.inputValue()) as {
      id: string;
      rules: { validityYears: number[] };
    };
    programme.rules.validityYears = [];
    await editor.fill(JSON.stringify(programme, null, 2));
    await page.getByRole("button", { name: "保存" }).click();
    const alert = page.getByRole("alert");
    await alert.getByText("项目配置有误，未保存。请按以下位置修改：").waitFor();
    await alert.getByText("rules.validityYears", { exact: true }).waitFor();

    const token = await login(suite.desk.server, ADMIN.login, ADMIN.password);
    const saved = await http(`${suite.base}/api/programmes/${programme.id}`, { token });
    expect((saved.body as { rules: { validityYears: number[] } }).rules.validityYears.length).toBeGreaterThan(
      0,
    );
  }, 60_000);

  it("the back office's read-only endpoints answer staff only; the stats count today's submitted orders by service", async () => {
    const retailer = await login(suite.desk.server, "13900139000", "retailer-demo-1");
    expect((await http(`${suite.base}/api/office/orders`, { token: retailer })).status).toBe(403);
    expect((await http(`${suite.base}/api/office/stats`, { token: retailer })).status).toBe(403);

    const reviewer = await login(suite.desk.server, REVIEWER.login, REVIEWER.password);
    const orders = (await http(`${suite.base}/api/office/orders`, { token: reviewer })).body as {
      service: string;
      state: string;
      organisation: { name: string } | null;
    }[];
    expect(orders.length).toBeGreaterThan(0);
    expect(orders.every((o) => o.organisation !== null)).toBe(true);
    const stats = (await http(`${suite.base}/api/office/stats`, { token: reviewer })).body as {
      to: string;
      ordersPerDay: { day: string; service: string; count: number }[];
    };
    const submittedToday = stats.ordersPerDay.find((r) => r.day === stats.to && r.service === "new")?.count;
    expect(submittedToday).toBe(orders.filter((o) => o.service === "new" && o.state !== "draft").length);
  }, 60_000);
});
