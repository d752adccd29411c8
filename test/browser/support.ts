/**
 * What the browser tests and the screenshot script share: Debian's Chromium (never a downloaded
 * browser), a real certdesk process on the embedded database with the demo data, the web app built
 * when its sources changed, small scans to upload, and the steps a handler takes in the portal.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { buildWeb, webBuildIsStale } from "../../web/scripts/build-if-needed.js";
import { http, login, serverFleet, type Fleet, type ServerProcess } from "../support/process.js";

export const CHROMIUM = "/usr/bin/chromium";
export const haveChromium = existsSync(CHROMIUM);

export const SUPPLIER_A = { login: "13800138000", password: "supplier-demo-1" } as const;
export const RETAILER_B = { login: "13900139000", password: "retailer-demo-1" } as const;

/** How long a desk may take to start: longer on a machine many share (BROWSER_READY_MS). */
const READY_MS = Number(process.env.BROWSER_READY_MS ?? 240_000);

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    timeout: 30_000,
  });
}

export interface Desk {
  server: ServerProcess;
  stop(): Promise<void>;
}

/** The web app as the tree has it, and a fresh demo server on a free port. */
export async function startDesk(): Promise<Desk> {
  if (webBuildIsStale()) buildWeb();
  const fleet: Fleet = serverFleet();
  const dataDir = mkdtempSync(join(tmpdir(), "certdesk-browser-"));
  try {
    const server = await fleet.start({
      store: { kind: "embedded", dataDir },
      demo: true,
      readyWithinMs: READY_MS,
    });
    return {
      server,
      stop: async () => {
        await server.stop().catch(() => fleet.killAll());
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await fleet.killAll();
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
}

// ---- scans to upload ---------------------------------------------------------------------------

/** A one-page PDF, as a scanner would save it (the server judges type by content). */
export function smallPdf(): Buffer {
  const body = [
    "%PDF-1.4",
    "1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj",
    "2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj",
    "3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj",
    "trailer << /Root 1 0 R >>",
    "%%EOF",
  ].join("\n");
  return Buffer.from(body, "latin1");
}

/** A 1×1 PNG, a photographed page's stand-in. */
export function smallPng(): Buffer {
  return Buffer.from(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
    "base64",
  );
}

export const scans = {
  pdf: (name: string) => ({ name, mimeType: "application/pdf", buffer: smallPdf() }),
  png: (name: string) => ({ name, mimeType: "image/png", buffer: smallPng() }),
};

// ---- what a handler does -----------------------------------------------------------------------

export async function signIn(
  page: Page,
  base: string,
  who: { login: string; password: string },
): Promise<void> {
  await page.goto(`${base}/sign-in`);
  const main = page.getByRole("main");
  await main.getByLabel("手机号").fill(who.login);
  await main.getByLabel("密码").fill(who.password);
  await main.getByRole("button", { name: "登录" }).click();
  await page.waitForURL(`${base}/portal`);
}

/** Uploads a scan through the material's own button and waits until the page shows it on file. */
export async function uploadMaterial(
  page: Page,
  material: string,
  file: { name: string; mimeType: string; buffer: Buffer },
): Promise<void> {
  const chooser = page.waitForEvent("filechooser");
  // exact: the camera's button (拍照上传：…) sits beside the file one.
  await page.getByRole("button", { name: `上传：${material}`, exact: true }).click();
  await (await chooser).setFiles(file);
  await page.getByRole("button", { name: `重新上传：${material}`, exact: true }).waitFor();
}

/** The id at the end of /portal/orders/:id. */
export function orderIdOf(page: Page): string {
  const id = /\/portal\/orders\/([0-9a-f-]{36})/.exec(page.url())?.[1];
  if (!id) throw new Error(`not on an order page: ${page.url()}`);
  return id;
}

export interface SavedOrder {
  state: string;
  totalFen: number;
  service: string;
  programmeId: string;
  details: Record<string, unknown>;
}

/** What the server saved, read back through the API as that handler. */
export async function savedOrder(
  server: ServerProcess,
  who: { login: string; password: string },
  orderId: string,
): Promise<{ order: SavedOrder; payments: { status: string; amountFen: number }[] }> {
  const token = await login(server, who.login, who.password);
  const order = await http(`${server.url}/api/orders/${orderId}`, { token });
  const payments = await http(`${server.url}/api/orders/${orderId}/payments`, { token });
  if (order.status !== 200 || payments.status !== 200)
    throw new Error(`reading order ${orderId}: ${order.status} ${payments.status}`);
  return {
    order: order.body as SavedOrder,
    payments: payments.body as { status: string; amountFen: number }[],
  };
}

/**
 * Programme A, new application for 3 years, up to the order page with the three scans uploaded.
 * Returns the order id.
 */
export async function applyNewOnProgrammeA(page: Page, base: string): Promise<string> {
  await page.getByRole("button", { name: "办理新业务" }).click();
  await page.getByText("采购系统供应商数字证书", { exact: true }).click();
  await page.getByRole("button", { name: "办理：新申请" }).click();
  await page.getByRole("radio", { name: "3 年" }).check();
  await page.getByRole("cell", { name: "¥600.00" }).first().waitFor();
  await page.getByLabel("详细地址").fill("上海市浦东新区示例路 88 号 示例大厦 12 层（演示地址）");
  // Beside a valid certificate the form asks for a confirmation first (shown with the form's data).
  const another = page.getByRole("checkbox", { name: /确需再申请一张新证书/ });
  if (await another.isVisible()) await another.check();
  await page.getByRole("button", { name: "下一步：确认费用" }).click();
  await page.getByRole("button", { name: "创建申请" }).click();
  await page.waitForURL(new RegExp(`^${base}/portal/orders/[0-9a-f-]{36}$`));
  await uploadMaterial(page, "机构数字证书申请表", scans.pdf("机构数字证书申请表.pdf"));
  await uploadMaterial(page, "营业执照复印件", scans.png("营业执照.png"));
  await uploadMaterial(page, "经办人身份证复印件（正反面）", scans.png("身份证正反面.png"));
  return orderIdOf(page);
}

/**
 * Like startDesk, with more settings for the server (CERTDESK_KEY_STATION and the like), and the
 * data folder it runs on (where the development station keeps the software keys it makes).
 */
export async function startDeskWith(options: {
  env?: Record<string, string>;
  /** how long the server may take to be ready (a loaded machine takes longer than 90 s) */
  readyWithinMs?: number;
}): Promise<Desk & { dataDir: string }> {
  if (webBuildIsStale()) buildWeb();
  const fleet: Fleet = serverFleet();
  const dataDir = mkdtempSync(join(tmpdir(), "certdesk-browser-"));
  try {
    const server = await fleet.start({
      store: { kind: "embedded", dataDir },
      demo: true,
      readyWithinMs: options.readyWithinMs ?? READY_MS,
      ...(options.env ? { env: options.env } : {}),
    });
    return {
      server,
      dataDir,
      stop: async () => {
        await server.stop().catch(() => fleet.killAll());
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await fleet.killAll();
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
}

// ---- screenshots (npm run screenshots) ---------------------------------------------------------

const SCREENSHOTS = fileURLToPath(new URL("../../docs/screenshots/", import.meta.url));
/** A laptop's screen: the size browser tests and screenshots use. */
export const LAPTOP_VIEWPORT = { width: 1366, height: 768 };

/** The screenshot scripts need Chromium: without it they say how to get it and exit 1. */
export function screenshotsReady(): void {
  if (!haveChromium) {
    process.stderr.write(`${CHROMIUM} is missing: apt-get install -y chromium fonts-noto-cjk\n`);
    process.exit(1);
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
}

/** docs/screenshots/<name>.png, once the page, its fonts and antd's motion have settled. */
export async function shot(page: Page, name: string, fullPage = false): Promise<void> {
  await page.waitForLoadState("networkidle");
  await page.evaluate("document.fonts.ready.then(() => undefined)");
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage, animations: "disabled" });
  process.stdout.write(`docs/screenshots/${name}.png\n`);
}
