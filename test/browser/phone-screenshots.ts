/**
 * Every portal page at 390 px (a phone), in Chinese and English, into docs/screenshots/phone-*.png:
 * called by screenshots.ts (npm run screenshots) on its desk. The pages are portal-pages.ts's list,
 * the same the phone tests check for sideways scrolling.
 */
import type { Browser } from "playwright-core";
import type { ServerProcess } from "../support/process.js";
import { portalOrders, portalPages } from "./portal-pages.js";
import { shot } from "./support.js";

export const PHONE_VIEWPORT = { width: 390, height: 844 };

export async function phoneScreenshots(browser: Browser, server: Pick<ServerProcess, "url">): Promise<void> {
  const pages = portalPages(await portalOrders(server));
  for (const [locale, suffix] of [
    ["zh-CN", "zh"],
    ["en", "en"],
  ] as const) {
    const context = await browser.newContext({ viewport: PHONE_VIEWPORT, locale, deviceScaleFactor: 1 });
    await context.addInitScript(`localStorage.setItem("certdesk.locale", ${JSON.stringify(locale)})`);
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    let who: string | undefined = "-";
    for (const p of pages) {
      if (p.who?.login !== who) {
        await context.clearCookies();
        if (p.who) await context.request.post(`${server.url}/api/auth/login`, { data: p.who });
        who = p.who?.login;
      }
      await page.goto(`${server.url}${p.path}`);
      await page
        .getByRole("heading", { name: suffix === "zh" ? p.heading.zh : p.heading.en })
        .first()
        .waitFor();
      await shot(page, `phone-${p.name}.${suffix}`, true);
    }
    // The menu, open.
    await page.goto(`${server.url}/portal`);
    await page.getByRole("button", { name: suffix === "zh" ? "菜单" : "Menu" }).click();
    await page.getByRole("dialog").waitFor();
    await shot(page, `phone-menu.${suffix}`);
    await context.close();
  }
}
