/**
 * Account pages in Debian's Chromium against a real certdesk process (issue #19): a handler who
 * forgot the password follows 忘记密码 from sign in, gets the code by SMS (read from the
 * development SMS sink, as a phone would receive it), sets a new password and is signed in; the
 * old password and the old session stop working. Once on a laptop, once on a 390 px phone (no
 * sideways scroll, controls a finger tall). And the 403 page: a reviewer opening finance's page
 * is told 无权访问, which role it needs, and led back.
 */
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { http, login, type ServerProcess } from "../support/process.js";
import { phoneProblems } from "./phone-checks.js";
import { CHROMIUM, haveChromium, RETAILER_B, SUPPLIER_A } from "./support.js";
import { browserSuite } from "./suite.js";
import { REVIEWER, smsTo } from "./walks.js";

if (!haveChromium) {
  process.stdout.write(`browser tests skipped: ${CHROMIUM} is missing (apt-get install -y chromium)\n`);
}

/** The newest password-reset code texted to a number, once the outbox has delivered it. */
async function resetCode(server: ServerProcess, mobile: string, notThis?: string): Promise<string> {
  let code: string | undefined;
  await expect
    .poll(
      async () => {
        code = (await smsTo(server, mobile))
          .map((text) => /重置.*验证码为 (\d{6})/.exec(text)?.[1])
          .find((c) => c !== undefined);
        return code !== undefined && code !== notThis;
      },
      { timeout: 30_000 },
    )
    .toBe(true);
  return code!;
}

describe.skipIf(!haveChromium)(`account pages in Chromium (skipped when ${CHROMIUM} is missing)`, () => {
  const suite = browserSuite();

  /** 忘记密码 from sign in, the code by SMS, a wrong code first, then the right one: signed in. */
  async function resetThroughThePages(
    page: Page,
    who: { login: string; password: string },
    newPassword: string,
    checkPhone?: () => Promise<void>,
  ): Promise<void> {
    const server = suite.desk.server;
    await page.goto(`${suite.base}/sign-in`);
    const main = page.getByRole("main");
    await main.getByRole("link", { name: "忘记密码？" }).click();
    await page.waitForURL(`${suite.base}/forgot-password`);
    await main.getByRole("heading", { name: "找回密码" }).waitFor();
    await main.getByText("工作人员账号不能通过短信找回密码，请联系系统管理员重置。").waitFor();
    await checkPhone?.();
    await main.getByLabel("手机号").fill(who.login);
    await main.getByRole("button", { name: "获取验证码" }).click();
    await main
      .getByText(`如果 ${who.login} 是已注册的经办人手机号，验证码已发送，10 分钟内有效`, { exact: false })
      .waitFor();
    // Asking again waits out the minute.
    await expect(main.getByRole("button", { name: /秒后可重新获取/ }).isDisabled()).resolves.toBe(true);
    const code = await resetCode(server, who.login);
    await checkPhone?.();

    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, "0");
    await main.getByLabel("短信验证码").fill(wrong);
    await main.getByLabel("新密码", { exact: true }).fill(newPassword);
    await main.getByLabel("确认新密码").fill(newPassword);
    await main.getByRole("button", { name: "重置密码并登录" }).click();
    await main.getByRole("alert").getByText("验证码错误或已失效，请核对后重试或重新获取验证码").waitFor();
    await checkPhone?.();

    await main.getByLabel("短信验证码").fill(code);
    await main.getByRole("button", { name: "重置密码并登录" }).click();
    await page.waitForURL(`${suite.base}/portal`);
    await page.getByText("密码已重置，您已登录。", { exact: false }).waitFor();
  }

  async function passwordsAfterReset(
    who: { login: string; password: string },
    newPassword: string,
    oldToken: string,
  ) {
    const server = suite.desk.server;
    expect((await http(`${suite.base}/api/me`, { token: oldToken })).status).toBe(401);
    await expect(login(server, who.login, who.password)).rejects.toThrow(/401/);
    await login(server, who.login, newPassword);
  }

  it("忘记密码 → SMS code → new password → signed in; the old password and session end", async () => {
    const oldToken = await login(suite.desk.server, RETAILER_B.login, RETAILER_B.password);
    const page = await suite.newPage();
    await resetThroughThePages(page, RETAILER_B, "retailer-new-2026");
    await passwordsAfterReset(RETAILER_B, "retailer-new-2026", oldToken);
  }, 180_000);

  it("the same at 390 px: each step scrolls only downwards, its controls a finger tall", async () => {
    const oldToken = await login(suite.desk.server, SUPPLIER_A.login, SUPPLIER_A.password);
    const page = await suite.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    const found: string[] = [];
    const checkPhone = async () => {
      await page.waitForLoadState("networkidle");
      const { scroll, small } = await phoneProblems(page);
      if (scroll) found.push(`${page.url()}: ${scroll}`);
      if (small.length) found.push(`${page.url()}: small controls ${small.join("; ")}`);
    };
    await resetThroughThePages(page, SUPPLIER_A, "supplier-new-2026", checkPhone);
    await checkPhone();
    expect(found).toEqual([]);
    await passwordsAfterReset(SUPPLIER_A, "supplier-new-2026", oldToken);
  }, 180_000);

  it("a reviewer opening finance's page sees 无权访问 with the role it needs, and a way back", async () => {
    const page = await suite.newPage();
    const res = await page.context().request.post(`${suite.base}/api/auth/login`, { data: REVIEWER });
    expect(res.status()).toBe(200);
    await page.goto(`${suite.base}/office/finance`);
    const main = page.getByRole("main");
    await main.getByRole("heading", { name: "无权访问" }).waitFor();
    await main
      .getByText("此页面仅限财务、系统管理员使用，您当前的角色是审核员。", { exact: false })
      .waitFor();
    // The reviewer's menu does not offer the page either.
    expect(await page.getByRole("banner").getByRole("link", { name: "财务报表" }).count()).toBe(0);
    await main.getByRole("button", { name: "返回工作台" }).click();
    await page.waitForURL(`${suite.base}/office`);

    // A queue of another role is refused the same way.
    await page.goto(`${suite.base}/office/queue/refunds`);
    await main.getByRole("heading", { name: "无权访问" }).waitFor();
  }, 120_000);
});
