/**
 * Screenshots of the back office into docs/screenshots/: the review queue in Chinese and English
 * and the review screen in Chinese, on programme B orders made through the API. Run:
 * node --import tsx test/browser/office-screenshots.ts (needs /usr/bin/chromium). Also exports the
 * API steps that make such an order, for the back office's browser test.
 */
import { fileURLToPath } from "node:url";
import { http, login, type ServerProcess } from "../support/process.js";
import {
  launchChromium,
  RETAILER_B,
  smallPdf,
  smallPng,
  startDesk,
  screenshotsReady,
  shot,
  LAPTOP_VIEWPORT,
} from "./support.js";

/** A programme B order (new, 3 years, 2 keys, basic plan) with both scans, submitted by the retailer. */
export async function submittedProgrammeBOrder(server: Pick<ServerProcess, "url">): Promise<string> {
  const token = await login(server, RETAILER_B.login, RETAILER_B.password);
  const created = await http(`${server.url}/api/orders`, {
    method: "POST",
    token,
    json: { programmeId: "power-trading", service: "new", details: { years: 3, keys: 2, plan: "basic" } },
  });
  if (created.status !== 201) throw new Error(`create: ${created.status} ${JSON.stringify(created.body)}`);
  const orderId = (created.body as { id: string }).id;
  const scans: [string, string, Buffer, string][] = [
    ["enterprise-application-form", "企业证书申请表.pdf", smallPdf(), "application/pdf"],
    ["authorisation-letter", "授权书.png", smallPng(), "image/png"],
  ];
  for (const [materialId, name, bytes, type] of scans) {
    const form = new FormData();
    form.append("file", new Blob([new Uint8Array(bytes)], { type }), name);
    const res = await fetch(`${server.url}/api/orders/${orderId}/materials/${materialId}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    if (res.status !== 201) throw new Error(`upload ${materialId}: ${res.status} ${await res.text()}`);
  }
  const submitted = await http(`${server.url}/api/orders/${orderId}/submit`, {
    method: "POST",
    token,
    json: {},
  });
  if (submitted.status !== 200)
    throw new Error(`submit: ${submitted.status} ${JSON.stringify(submitted.body)}`);
  return orderId;
}

async function main(): Promise<void> {
  screenshotsReady();
  const desk = await startDesk();
  const browser = await launchChromium();
  try {
    const base = desk.server.url;
    const orders = [];
    for (let i = 0; i < 3; i++) orders.push(await submittedProgrammeBOrder(desk.server));
    for (const [locale, suffix] of [
      ["zh-CN", "zh"],
      ["en", "en"],
    ] as const) {
      const context = await browser.newContext({ viewport: LAPTOP_VIEWPORT, locale });
      await context.addInitScript(`localStorage.setItem("certdesk.locale", ${JSON.stringify(locale)})`);
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      await context.request.post(`${base}/api/auth/login`, {
        data: { login: "reviewer", password: "reviewer-demo-1" },
      });
      await page.goto(`${base}/office/queue/review`);
      await page
        .getByRole("table")
        .getByRole("link", { name: /^CD\d+/ })
        .first()
        .waitFor();
      await shot(page, `office-queue.${suffix}`);
      if (suffix === "zh") {
        await page.goto(`${base}/office/orders/${orders[0]}`);
        await page.getByRole("button", { name: "开始审核" }).click();
        await page.getByRole("button", { name: "审核通过" }).waitFor();
        await page.getByRole("group", { name: "审核清单" }).getByRole("checkbox").first().check();
        await shot(page, "office-review.zh", true);
      }
      await context.close();
    }
  } finally {
    await browser.close();
    await desk.stop();
  }
}

// Run as a script; imported by the browser test for its helper only.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
