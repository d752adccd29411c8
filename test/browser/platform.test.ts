/**
 * The demo procurement platform in a real browser: a supplier whose programme A key went through
 * the whole desk (ordered, made by the production station, shipped, activated, its seal installed)
 * pairs the platform's page with the security client's local agent, signs in with its password,
 * binds the key's certificate, signs out, signs in again with the USB key (certdesk checks the
 * signature and says which account), and stamps a bid with the electronic seal on the key. It ends
 * by checking what certdesk and the platform saved, and that the stamped bid verifies.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Locator } from "playwright-core";
import {
  startProcurementPlatform,
  type RunningPlatform,
} from "../../examples/procurement-platform/platform.js";
import { startAgent, type RunningAgent } from "../../src/client/agent.js";
import { verifyPdf } from "../../src/seal/pdf-verify.js";
import { clientHarness, readyHolderKey, type ClientHarness } from "../support/client.js";
import {
  orderToShippedKeys,
  sealOnKey,
  startKeyDesk,
  type KeyDesk,
  type ShippedOrder,
} from "../support/keys.js";
import { testStores } from "../support/stores.js";
import { haveChromium, launchChromium } from "./support.js";

if (!haveChromium)
  console.log("platform.test: /usr/bin/chromium is missing (apt-get install chromium); skipped");

const PIN = "20261120";
const ORGANISATION = "上海示例供应链管理有限公司";
/** The official seal's name: the registered name followed by 公章. */
const SEAL_NAME = `${ORGANISATION}公章`;

describe.skipIf(!haveChromium)("the demo procurement platform, in Chromium, with the USB key", () => {
  let store: Awaited<ReturnType<(typeof testStores)[number]["open"]>>;
  let desk: KeyDesk;
  let client: ClientHarness;
  let order: ShippedOrder;
  let platform: RunningPlatform;
  let agent: RunningAgent;
  let browser: Browser;

  beforeAll(async () => {
    store = await testStores[0]!.open();
    // The desk's clock stands at the real time: the platform judges OCSP answers and the TLS
    // certificate by it.
    desk = await startKeyDesk(store, new Date().toISOString(), {
      platforms: { secretKey: "test-platform-secret-key-0000000000000000" },
    });
    client = clientHarness({ CERTDESK_CLIENT_HOME: join(desk.dir, "client-home"), LANG: "zh_CN.UTF-8" });
    order = await orderToShippedKeys(desk, {
      applicant: "supplierA",
      programmeId: "procurement",
      details: { years: 1 },
    });
    const key = order.keyFiles[0]!;
    await readyHolderKey(client, {
      deskUrl: desk.url,
      keyFile: key,
      activationCode: order.activationCode,
      pin: PIN,
    });
    await sealOnKey(desk, client, {
      keyFile: key,
      keyOrderId: order.orderId,
      pin: PIN,
      sealName: SEAL_NAME,
    });

    const admin = await desk.as("admin");
    const registered = await admin({
      method: "POST",
      url: "/api/platforms",
      payload: { id: "procurement-demo", programmeId: "procurement", name: "示例采购平台" },
    });
    expect(registered.status, registered.body).toBe(200);
    const { credential } = registered.json<{ credential: { keyId: string; secret: string } }>();
    platform = await startProcurementPlatform({
      certdeskUrl: desk.url,
      ...credential,
      dataDir: join(desk.dir, "platform"),
      port: 0,
      tlsPort: 0,
      now: () => desk.t.clock.now(),
    });
    agent = await startAgent({
      portalOrigin: desk.url,
      platformOrigins: [platform.url],
      port: 0,
      home: join(desk.dir, "agent-home"),
      key: { key },
      desk: () => undefined,
      log: () => {},
    });
    browser = await launchChromium();
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await agent?.close();
    await platform?.close();
    await desk?.close();
    await store?.dispose();
  });

  it("pair, sign in with the password, bind the key, sign in with the key, stamp a bid with the seal", async () => {
    const page = await browser.newPage();
    /** Clicks, then types the PINs in the agent's own window, as the user does (the page never sees them). */
    const withPin = async (button: Locator, pins: string[]) => {
      const popup = page.waitForEvent("popup");
      await button.click();
      const window = await popup;
      await window.getByText(platform.url, { exact: true }).waitFor();
      for (const [i, pin] of pins.entries()) {
        await window.getByLabel("PIN 码", { exact: true }).fill(pin);
        await window.getByRole("button", { name: "确认" }).click();
        if (i < pins.length - 1)
          await window.getByRole("alert").filter({ hasText: "PIN 码错误，还可以尝试 9 次" }).waitFor();
      }
    };
    await page.goto(`${platform.url}/?agent=${agent.port}`);
    await page.getByText("证书助手已找到").waitFor();
    await page.getByLabel("配对码 · Pairing code").fill(agent.pairingCodeFor(platform.url)!);
    await page.getByRole("button", { name: "配对 · Pair" }).click();
    await page.getByText("证书助手已连接").waitFor();

    await page.getByLabel("密码 · Password").fill("bid-demo-1");
    await page.getByRole("button", { name: "账号密码登录 · Sign in with password" }).click();
    await expect.poll(() => page.locator("#me-bound").textContent()).toBe("未绑定 · None");

    await withPin(page.getByRole("button", { name: "绑定数字证书 · Bind the USB key's certificate" }), [PIN]);
    await page.getByText("数字证书已绑定").waitFor();
    const serial = await page.locator("#me-bound").textContent();
    expect(serial).toMatch(/^[0-9a-f]{32}$/);

    await page.getByRole("button", { name: "退出 · Sign out" }).click();
    // The key's own answer, in the agent's window: a wrong PIN, and how many tries are left.
    await withPin(page.getByRole("button", { name: "USB Key 登录 · Sign in with the USB key" }), [
      "00000000",
      PIN,
    ]);
    await page.getByText("已使用 USB Key 登录").waitFor();
    await expect.poll(() => page.locator("#me-account").textContent()).toBe("supplier-001");
    expect(await page.locator("#me-method").textContent()).toBe("USB Key");

    await withPin(page.getByRole("button", { name: "电子签章并提交 · Stamp with the seal and submit" }), [
      PIN,
    ]);
    await page.getByText("投标文件已签章提交").waitFor({ timeout: 60_000 });
    await page.getByRole("link", { name: /^投标函 [0-9a-f]{16}$/ }).waitFor();

    // What certdesk saved: the binding, made by the platform, and the key login it checked.
    const binding = await store.db
      .selectFrom("bindings")
      .innerJoin("certificates", "certificates.id", "bindings.certificate_id")
      .innerJoin("platform_accounts", "platform_accounts.id", "bindings.platform_account_id")
      .select(["certificates.serial", "platform_accounts.account_name", "bindings.platform_client_id"])
      .where("bindings.unbound_at", "is", null)
      .where("certificates.serial", "=", serial!)
      .executeTakeFirstOrThrow();
    expect(binding).toEqual({ serial, account_name: "supplier-001", platform_client_id: "procurement-demo" });
    const logins = await store.db
      .selectFrom("audit_log")
      .select("data")
      .where("action", "=", "platform.login")
      .execute();
    expect(logins.map((l) => (l.data as { account: string }).account)).toEqual(["supplier-001"]);
    // The programme A order that made the key waited for this binding, and is done.
    const made = await store.db
      .selectFrom("orders")
      .select("state")
      .where("id", "=", order.orderId)
      .executeTakeFirstOrThrow();
    expect(made.state).toBe("completed");

    // What the platform saved: the bid, stamped by the bound certificate; it verifies on its own.
    const bid = platform.state().bids[0]!;
    expect(bid).toMatchObject({
      account: "supplier-001",
      certificateSerial: serial,
      seal: SEAL_NAME,
      valid: true,
    });
    const verdict = await verifyPdf(
      new Uint8Array(readFileSync(join(desk.dir, "platform", `bid-${bid.id}.pdf`))),
    );
    expect(verdict.valid).toBe(true);
    expect(verdict.signatures[0]!.signer?.serialNumber).toBe(serial);
    expect(verdict.signatures[0]!.seal?.seal?.name).toBe(SEAL_NAME);
  }, 180_000);
});
