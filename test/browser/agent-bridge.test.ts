/**
 * The bridge between web pages and the USB key (docs/agent.md), with a real agent process and
 * Chromium pages on origins of their own: the desk's portal, a relying platform and a stranger.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnAgent, type AgentProcess } from "../support/agent.js";
import { clientHarness } from "../support/client.js";
import { orderToShippedKeys, startKeyDesk, type KeyDesk, type ShippedOrder } from "../support/keys.js";
import { testStores, type TestStore } from "../support/stores.js";
import { haveChromium, launchChromium } from "./support.js";

const PIN = "20261120";

/** A site of its own origin (http://127.0.0.1:PORT) serving one empty page. */
async function site(): Promise<{ origin: string; close(): Promise<void> }> {
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end("<!doctype html><title>site</title><p>site</p>");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe.skipIf(!haveChromium)("the agent's bridge, in Chromium", () => {
  let store: TestStore;
  let desk: KeyDesk;
  let order: ShippedOrder;
  let portal: Awaited<ReturnType<typeof site>>;
  let platform: Awaited<ReturnType<typeof site>>;
  let agent: AgentProcess;
  let browser: Browser;

  beforeAll(async () => {
    portal = await site();
    platform = await site();
    store = await testStores[0]!.open();
    // The desk's public address is the portal's origin: its key login takes signatures bound to it.
    desk = await startKeyDesk(store, new Date().toISOString(), { publicUrl: portal.origin });
    order = await orderToShippedKeys(desk, {
      applicant: "supplierA",
      programmeId: "procurement",
      details: { years: 1 },
    });
    const client = clientHarness({ CERTDESK_CLIENT_HOME: join(desk.dir, "client-home") });
    expect(
      (await client("--server", desk.url, "login", "--mobile", "13800138000", "--password", "supplier-demo-1"))
        .code,
    ).toBe(0);
    const key = order.keyFiles[0]!;
    expect((await client("--key", key, "change-pin", "--pin", "12345678", "--new-pin", PIN)).code).toBe(0);
    expect((await client("--key", key, "activate", "--code", order.activationCode, "--pin", PIN)).code).toBe(0);
    agent = await spawnAgent({
      keyFile: key,
      home: join(desk.dir, "agent-home"),
      portal: portal.origin,
      platforms: [platform.origin],
    });
    browser = await launchChromium();
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await agent?.stop();
    await desk?.close();
    await store?.dispose();
    await portal?.close();
    await platform?.close();
  });

  async function pageAt(origin: string): Promise<Page> {
    const context = await browser.newContext({ locale: "zh-CN" });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    await page.goto(`${origin}/`);
    return page;
  }

  it("a platform's page cannot relay the desk's login challenge into a desk session", async () => {
    const page = await pageAt(platform.origin);
    const code = agent.pairingCode(platform.origin)!;
    const { challenge } = (await (
      await fetch(`${desk.url}/api/auth/key/challenge`, { method: "POST" })
    ).json()) as { challenge: string };
    const signed = await page.evaluate(
      async ({ agentUrl, code, challenge, pin }) => {
        const post = async (path: string, body: unknown, secret?: string) =>
          (
            await fetch(agentUrl + path, {
              method: "POST",
              headers: {
                "content-type": "application/json",
                ...(secret ? { authorization: `Bearer ${secret}` } : {}),
              },
              body: JSON.stringify(body),
            })
          ).json();
        const { secret } = (await post("/v1/pair", { code })) as { secret: string };
        return post("/v1/sign-login", { pin, challenge }, secret);
      },
      { agentUrl: agent.url, code, challenge, pin: PIN },
    );
    const login = await fetch(`${desk.url}/api/auth/key/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ challenge, ...(signed as object) }),
    });
    expect(login.status).not.toBe(200);
  }, 120_000);
});
