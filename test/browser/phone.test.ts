/**
 * The portal on a phone (finding 4), in Debian's Chromium against a real certdesk process: every
 * portal page at 390 and 360 px wide scrolls only downwards (scrollWidth <= clientWidth), its
 * buttons and fields are at least 44 px tall for a finger, the navigation and 退出登录 are in a
 * menu that works; and the phone's own steps: an oversize scan refused before it is sent, the
 * camera offered for scans, programme B's transfer receipt uploaded with its review status.
 */
import { describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { http, login } from "../support/process.js";
import { phoneProblems, TOUCH_PX } from "./phone-checks.js";
import { portalOrders, portalPages, type PortalOrders } from "./portal-pages.js";
import { CHROMIUM, haveChromium, RETAILER_B, scans, smallPng, startDeskWith, SUPPLIER_A } from "./support.js";
import { browserSuite } from "./suite.js";

if (!haveChromium) {
  process.stdout.write(`phone tests skipped: ${CHROMIUM} is missing (apt-get install -y chromium)\n`);
}

async function signedInAs(page: Page, base: string, who: { login: string; password: string } | undefined) {
  await page.context().clearCookies();
  if (who) {
    const res = await page.context().request.post(`${base}/api/auth/login`, { data: who });
    expect(res.status()).toBe(200);
  }
}

describe.skipIf(!haveChromium)(`the portal on a phone (skipped when ${CHROMIUM} is missing)`, () => {
  // A small upload limit, so the refusal's figure is seen to come from the server's setting.
  const suite = browserSuite(() => startDeskWith({ env: { CERTDESK_UPLOAD_LIMIT_MB: "1" } }));
  let orders: PortalOrders | undefined;
  const ordersOnce = async () => (orders ??= await portalOrders(suite.desk.server));

  for (const width of [390, 360]) {
    it(`every portal page at ${width} px: no sideways scroll, controls at least ${TOUCH_PX} px tall`, async () => {
      const o = await ordersOnce();
      const page = await suite.newPage();
      await page.setViewportSize({ width, height: 780 });
      const found: string[] = [];
      let who: string | undefined = "-";
      for (const p of portalPages(o)) {
        if ((p.who?.login ?? undefined) !== who) {
          await signedInAs(page, suite.base, p.who);
          who = p.who?.login;
        }
        await page.goto(`${suite.base}${p.path}`);
        await page.getByRole("heading", { name: p.heading.zh }).first().waitFor();
        await page.waitForLoadState("networkidle");
        const { scroll, small } = await phoneProblems(page);
        if (scroll) found.push(`${p.name} (${p.path}): ${scroll}`);
        if (small.length) found.push(`${p.name} (${p.path}): small controls ${small.join("; ")}`);
      }
      expect(found).toEqual([]);
    }, 240_000);
  }

  it("the menu on a phone: it opens, leads to 我的电子钥匙, and 退出登录 is whole on screen and signs out", async () => {
    const page = await suite.newPage();
    await page.setViewportSize({ width: 360, height: 780 });
    await signedInAs(page, suite.base, SUPPLIER_A);
    await page.goto(`${suite.base}/portal`);
    // The laptop's bar is folded away: one 菜单 button instead.
    expect(await page.getByRole("banner").getByRole("menuitem").count()).toBe(0);
    const menu = page.getByRole("button", { name: "菜单" });
    expect((await menu.boundingBox())!.height).toBeGreaterThanOrEqual(TOUCH_PX);
    await menu.click();
    await page.getByRole("dialog").getByRole("link", { name: "我的电子钥匙" }).click();
    await page.waitForURL(`${suite.base}/portal/usb-key`);
    await page.getByRole("heading", { name: "我的电子钥匙" }).first().waitFor();

    await menu.click();
    const signOut = page.getByRole("dialog").getByRole("button", { name: "退出登录" });
    await signOut.waitFor();
    // The drawer slides in: its button is whole on screen once it has arrived.
    await expect
      .poll(
        async () => {
          const b = (await signOut.boundingBox())!;
          return b.x >= 0 && b.x + b.width <= 360;
        },
        { timeout: 15_000 },
      )
      .toBe(true);
    const box = (await signOut.boundingBox())!;
    expect(box.height).toBeGreaterThanOrEqual(TOUCH_PX);
    await signOut.click();
    await page.waitForURL(`${suite.base}/`);
    const session = await page.context().request.get(`${suite.base}/api/me`);
    expect(session.status()).toBe(401);
  }, 120_000);

  it("scans on a phone: the camera is offered, and a file over the server's limit is refused before a byte is sent (CERTDESK_UPLOAD_LIMIT_MB=1: 文件过大（最大 1 MB）)", async () => {
    const o = await ordersOnce();
    const page = await suite.newPage();
    await page.setViewportSize({ width: 390, height: 780 });
    await signedInAs(page, suite.base, RETAILER_B);
    await page.goto(`${suite.base}/portal/orders/${o.rejectedB}`);
    const letter = page.getByRole("region", { name: "授权书", exact: true });
    await letter.getByRole("button", { name: "重新上传：授权书" }).waitFor();
    // The picker takes photos and PDFs; the camera button opens the back camera.
    const pickers = letter.locator("input[type=file]");
    expect(await pickers.first().getAttribute("accept")).toContain("image/*");
    expect(await letter.locator("input[type=file][capture=environment]").count()).toBe(1);
    await letter.getByRole("button", { name: "拍照上传：授权书" }).waitFor();

    const limits = (await (await page.context().request.get(`${suite.base}/api/uploads/limits`)).json()) as {
      maxBytes: number;
      maxMb: number;
    };
    const token = await login(suite.desk.server, RETAILER_B.login, RETAILER_B.password);
    const onFile = async () =>
      (await http(`${suite.base}/api/orders/${o.rejectedB}/materials`, { token })).body as { id: string }[];
    const before = await onFile();
    const sent: string[] = [];
    page.on("request", (r) => {
      if (r.method() === "POST" && r.url().includes("/materials/")) sent.push(r.url());
    });
    const chooser = page.waitForEvent("filechooser");
    await letter.getByRole("button", { name: "重新上传：授权书" }).click();
    await (
      await chooser
    ).setFiles({
      name: "授权书.png",
      mimeType: "image/png",
      buffer: Buffer.concat([smallPng(), Buffer.alloc(limits.maxBytes)]),
    });
    expect(limits.maxMb).toBe(1);
    await letter.getByRole("alert").getByText("文件过大（最大 1 MB）").waitFor();
    expect(sent).toEqual([]);
    expect(await onFile()).toEqual(before);
  }, 120_000);

  it("programme B pays by transfer: the receipt is uploaded from the order page and its review shows (待财务确认, then 已退回 with the reason)", async () => {
    const o = await ordersOnce();
    const page = await suite.newPage();
    await page.setViewportSize({ width: 390, height: 780 });
    await signedInAs(page, suite.base, RETAILER_B);
    await page.goto(`${suite.base}/portal/orders/${o.awaitingPaymentB}`);
    const receipts = page.getByRole("region", { name: "转账回单" });
    await receipts.getByText("基础资费，3 年，合计 ¥700.00", { exact: false }).waitFor();
    const chooser = page.waitForEvent("filechooser");
    await receipts.getByRole("button", { name: "上传转账回单" }).click();
    await (await chooser).setFiles(scans.png("转账回单.png"));
    await receipts.getByText("待财务确认", { exact: true }).waitFor();
    expect(await receipts.getByRole("button", { name: /上传转账回单/ }).count()).toBe(0);

    // Finance returns it with a reason: the applicant reads it and may upload again.
    const finance = await login(suite.desk.server, "finance", "finance-demo-1");
    const token = await login(suite.desk.server, RETAILER_B.login, RETAILER_B.password);
    const saved = (await http(`${suite.base}/api/orders/${o.awaitingPaymentB}/transfer-receipts`, { token }))
      .body as { id: string; status: string; filename: string; plan: string; years: number }[];
    expect(saved).toEqual([
      expect.objectContaining({ status: "submitted", filename: "转账回单.png", plan: "basic", years: 3 }),
    ]);
    const returned = await http(`${suite.base}/api/transfer-receipts/${saved[0]!.id}/reject`, {
      method: "POST",
      token: finance,
      json: { reason: "未查到到账记录" },
    });
    expect(returned.status).toBe(200);
    await page.reload();
    await receipts.getByText("已退回：未查到到账记录。请核对后重新上传。").waitFor();
    await receipts.getByRole("button", { name: "重新上传转账回单" }).waitFor();
  }, 120_000);
});
