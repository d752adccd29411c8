/**
 * Screenshots of the main screens, in Chinese and in English, into docs/screenshots/: the portal
 * home, the application flow with its quote, an order's timeline (paid, reviewed, produced,
 * shipped), an order returned with a reason beside the material, a guide page, and sign-up with
 * the server's validation message; and every portal page at 390 px (phone-*.png, phone-screenshots.ts),
 * with a forgotten password's steps and the 403 page (account-screenshots.ts).
 * Run: npm run screenshots (needs /usr/bin/chromium).
 */
import { generateKeyPairSync } from "node:crypto";
import type { Browser } from "playwright-core";
import { http, login, type ServerProcess } from "../support/process.js";
import { accountScreenshots } from "./account-screenshots.js";
import { phoneScreenshots } from "./phone-screenshots.js";
import {
  applyNewOnProgrammeA,
  launchChromium,
  RETAILER_B,
  scans,
  signIn,
  startDesk,
  SUPPLIER_A,
  uploadMaterial,
  screenshotsReady,
  shot,
  LAPTOP_VIEWPORT,
} from "./support.js";

async function staff(server: ServerProcess, loginName: string, password: string) {
  const token = await login(server, loginName, password);
  return async (method: string, path: string, json?: unknown) => {
    const res = await http(`${server.url}${path}`, {
      method,
      token,
      ...(json !== undefined ? { json } : {}),
    });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
}

/** Programme A: applied and paid in the browser, then reviewed, produced and shipped by staff. */
async function shippedOrderA(browser: Browser, server: ServerProcess): Promise<string> {
  const context = await browser.newContext({ viewport: LAPTOP_VIEWPORT });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  await signIn(page, server.url, SUPPLIER_A);
  const orderId = await applyNewOnProgrammeA(page, server.url);
  await page.getByRole("button", { name: "提交申请" }).click();
  await page.getByRole("button", { name: "在线支付 ¥600.00" }).click();
  await page.getByRole("button", { name: "支付 / Pay", exact: true }).click();
  await page.waitForURL(`${server.url}/portal/orders/${orderId}`);
  await context.close();

  const reviewer = await staff(server, "reviewer", "reviewer-demo-1");
  const production = await staff(server, "production", "production-demo-1");
  await reviewer("POST", `/api/orders/${orderId}/review/start`);
  await reviewer("POST", `/api/orders/${orderId}/approve`, { note: "材料齐全" });
  await reviewer("POST", `/api/orders/${orderId}/paper-received`, { note: "顺丰到件，原件与扫描件一致" });
  await production("POST", `/api/orders/${orderId}/production/start`);
  const { publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const spki = publicKey.export({ type: "spki", format: "der" }).toString("base64");
  await production("POST", `/api/orders/${orderId}/production/finish`, { keys: [{ publicKey: spki }] });
  await production("POST", `/api/orders/${orderId}/ship`, {
    carrier: "SF",
    trackingNumber: "SF1234567890123",
  });
  return orderId;
}

/** Programme B: submitted in the browser, then returned by the agent with a reason on one material. */
async function rejectedOrderB(browser: Browser, server: ServerProcess): Promise<string> {
  const context = await browser.newContext({ viewport: LAPTOP_VIEWPORT });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  await signIn(page, server.url, RETAILER_B);
  await page.getByRole("button", { name: "办理新业务" }).click();
  await page.getByText("电力交易平台数字证书", { exact: true }).click();
  await page.getByRole("button", { name: "办理：新办证书" }).click();
  await page.getByRole("radio", { name: /组合资费/ }).check();
  await page.getByLabel("详细地址").fill("广州市天河区示例大道 1 号（演示地址）");
  await page.getByRole("button", { name: "下一步：确认费用" }).click();
  await page.getByRole("button", { name: "创建申请" }).click();
  await page.waitForURL(/\/portal\/orders\/[0-9a-f-]{36}$/);
  const orderId = /orders\/([0-9a-f-]{36})/.exec(page.url())![1]!;
  await uploadMaterial(page, "企业证书申请表", scans.pdf("企业证书申请表.pdf"));
  await uploadMaterial(page, "授权书", scans.png("授权书.png"));
  await page.getByRole("button", { name: "提交申请" }).click();
  await page.getByRole("main").getByText("已提交", { exact: true }).first().waitFor();
  await context.close();

  const reviewer = await staff(server, "reviewer", "reviewer-demo-1");
  await reviewer("POST", `/api/orders/${orderId}/review/start`);
  await reviewer("POST", `/api/orders/${orderId}/reject`, {
    reason: "授权书未加盖单位公章，请盖章后重新上传。",
    items: [{ target: "authorisation-letter", reason: "授权书缺少单位公章" }],
  });
  return orderId;
}

async function main(): Promise<void> {
  screenshotsReady();
  const desk = await startDesk();
  const browser = await launchChromium();
  try {
    const base = desk.server.url;
    const orderA = await shippedOrderA(browser, desk.server);
    const orderB = await rejectedOrderB(browser, desk.server);

    for (const [locale, suffix] of [
      ["zh-CN", "zh"],
      ["en", "en"],
    ] as const) {
      const context = await browser.newContext({ viewport: LAPTOP_VIEWPORT, locale });
      await context.addInitScript(`localStorage.setItem("certdesk.locale", ${JSON.stringify(locale)})`);
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      const en = locale === "en";

      await page.goto(`${base}/guides/power-trading/new`);
      await page.getByRole("heading", { name: en ? "Worked example" : "计费示例" }).waitFor();
      await page.getByRole("cell", { name: "¥1200.00" }).first().waitFor();
      await shot(page, `guide-power-trading-new.${suffix}`, true);

      await page.goto(`${base}/sign-up`);
      await page
        .getByLabel(en ? "Organisation name" : "单位名称")
        .fill("深圳市示例新能源科技股份有限公司华南区域运营管理中心");
      await page
        .getByLabel(en ? "Unified social credit code" : "统一社会信用代码")
        .fill("91310115591693850A");
      await page.getByLabel(en ? "Handler's name" : "经办人姓名").focus();
      await page.getByText(en ? /check character/ : /校验码/).waitFor();
      await shot(page, `sign-up-validation.${suffix}`);

      await context.request.post(`${base}/api/auth/login`, { data: SUPPLIER_A });
      await page.goto(`${base}/portal`);
      await page
        .getByRole("link", { name: /^CD\d+/ })
        .first()
        .waitFor();
      await shot(page, `portal-home.${suffix}`);

      await page.goto(`${base}/portal/orders/${orderA}`);
      await page.getByText("SF1234567890123").first().waitFor();
      await shot(page, `order-timeline.${suffix}`, true);

      await context.request.post(`${base}/api/auth/logout`);
      await context.request.post(`${base}/api/auth/login`, { data: RETAILER_B });
      await page.goto(`${base}/portal/apply/power-trading/new`);
      await page.getByRole("radio", { name: en ? /All-inclusive plan/ : /组合资费/ }).check();
      await page.getByRole("cell", { name: "¥1200.00" }).first().waitFor();
      await shot(page, `apply-quote.${suffix}`);

      await page.goto(`${base}/portal/orders/${orderB}`);
      await page.getByText(en ? "To fix: 授权书缺少单位公章" : "需修改：授权书缺少单位公章").waitFor();
      await shot(page, `order-rejected.${suffix}`, true);
      await context.close();
    }
    await phoneScreenshots(browser, desk.server);
    await accountScreenshots(browser, desk.server);
  } finally {
    await browser.close();
    await desk.stop();
  }
}

await main();
