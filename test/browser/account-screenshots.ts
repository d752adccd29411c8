/**
 * The account pages at 390 px (a phone), in Chinese and English, into docs/screenshots/: a
 * forgotten password's two steps (phone-forgot-password, phone-forgot-password-code) and the 403
 * page a reviewer sees on finance's page (phone-forbidden). Called by screenshots.ts (npm run
 * screenshots); on its own, on a desk of its own:
 *
 *   node --import tsx test/browser/account-screenshots.ts
 */
import { pathToFileURL } from "node:url";
import type { Browser } from "playwright-core";
import type { ServerProcess } from "../support/process.js";
import { PHONE_VIEWPORT } from "./phone-screenshots.js";
import { launchChromium, screenshotsReady, shot, startDesk, SUPPLIER_A } from "./support.js";
import { REVIEWER } from "./walks.js";

export async function accountScreenshots(
  browser: Browser,
  server: Pick<ServerProcess, "url">,
): Promise<void> {
  for (const [locale, suffix] of [
    ["zh-CN", "zh"],
    ["en", "en"],
  ] as const) {
    const en = suffix === "en";
    const context = await browser.newContext({ viewport: PHONE_VIEWPORT, locale, deviceScaleFactor: 1 });
    await context.addInitScript(`localStorage.setItem("certdesk.locale", ${JSON.stringify(locale)})`);
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);

    await page.goto(`${server.url}/forgot-password`);
    const main = page.getByRole("main");
    await main.getByRole("heading", { name: en ? "Reset your password" : "找回密码" }).waitFor();
    await shot(page, `phone-forgot-password.${suffix}`, true);

    await main.getByLabel(en ? "Mobile number" : "手机号").fill(SUPPLIER_A.login);
    await main.getByRole("button", { name: en ? "Send the code" : "获取验证码" }).click();
    await main.getByLabel(en ? "Code from the SMS" : "短信验证码").fill("123456");
    await main.getByLabel(en ? "New password" : "新密码", { exact: true }).fill("new-password-1");
    await main.getByLabel(en ? "Confirm the new password" : "确认新密码").fill("new-password-1");
    await shot(page, `phone-forgot-password-code.${suffix}`, true);

    await context.request.post(`${server.url}/api/auth/login`, { data: REVIEWER });
    await page.goto(`${server.url}/office/finance`);
    await main.getByRole("heading", { name: en ? "Forbidden" : "无权访问" }).waitFor();
    await shot(page, `phone-forbidden.${suffix}`, true);
    await context.close();
  }
}

async function main(): Promise<void> {
  screenshotsReady();
  const desk = await startDesk();
  const browser = await launchChromium();
  try {
    await accountScreenshots(browser, desk.server);
  } finally {
    await browser.close();
    await desk.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
