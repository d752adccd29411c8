/**
 * The bridge between web pages and the USB key (docs/agent.md), with a real agent process
 * (bin/certdesk-client.js agent) and Chromium pages on origins of their own: the desk's portal,
 * two relying platforms and a stranger. Each page asks through the agent's HTTP API as a site's
 * script would; the PIN is typed in the agent's own window, which the page opens.
 *
 * - A platform's page gets a login signature bound to its own origin: relayed to the desk (whose
 *   challenge it signed) it is refused; the desk's portal logs in, once per challenge.
 * - No request a page sends to the agent carries the PIN (every request body is recorded); a
 *   page cannot submit the agent's window itself, nor frame it.
 * - A stranger's origin is refused; each allowed origin may ask only its own operations; a page's
 *   request naming a PIN is refused; three wrong pairing codes void a site's pairing; the
 *   pairings are listed and revoked from the terminal, and a revoked site is refused at once.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCertificate } from "../../src/pki/certificate.js";
import { verifySignature } from "../../src/pki/signer.js";
import { SoftwareKey } from "../../src/token/software-key.js";
import { loginMessage, signatureAlgorithmFor } from "../../src/token/protocol.js";
import { spawnAgent, type AgentProcess } from "../support/agent.js";
import { clientHarness, readyHolderKey, type ClientHarness } from "../support/client.js";
import {
  orderToShippedKeys,
  startKeyDesk,
  type KeyDesk,
  type ShippedOrder,
  type TestStore,
} from "../support/keys.js";
import { testStores } from "../support/stores.js";
import { haveChromium, launchChromium } from "./support.js";

const PIN = "20261120";

/**
 * A site's page with the few lines of script a site would have: pair, ask the agent, open its
 * window for the PIN and wait for the outcome.
 */
const SITE_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>site</title></head><body><p>site</p>
<script>
window.agent = { url: "", secret: "" };
async function call(method, path, body) {
  const headers = { "content-type": "application/json" };
  if (agent.secret) headers.authorization = "Bearer " + agent.secret;
  const res = await fetch(agent.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: await res.json().catch(() => ({})) };
}
window.pair = async (url, code) => {
  agent.url = url;
  const r = await call("POST", "/v1/pair", { code });
  if (r.status === 200) agent.secret = r.body.secret;
  return r;
};
window.ask = async (path, body, lang) => {
  const r = await call("POST", path, body);
  if (r.status !== 202) return r;
  window.open(r.body.dialog + "?lang=" + (lang || "zh"), "_blank", "popup,width=520,height=720");
  for (;;) {
    const o = await call("GET", "/v1/requests/" + r.body.request);
    if (o.status !== 202) return o;
  }
};
</script></body></html>`;

/** A site of its own origin (http://127.0.0.1:PORT) serving the page above. */
async function site(): Promise<{ origin: string; close(): Promise<void> }> {
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(SITE_PAGE);
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

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

describe.skipIf(!haveChromium)("the agent's bridge, in Chromium, with a real agent process", () => {
  let store: TestStore;
  let desk: KeyDesk;
  let order: ShippedOrder;
  let client: ClientHarness;
  const sites: Record<
    "portal" | "platform" | "platform2" | "stranger",
    { origin: string; close(): Promise<void> }
  > = {} as never;
  let agent: AgentProcess;
  let browser: Browser;
  /** every request body a site's page sent to the agent */
  const sentToAgent: string[] = [];

  beforeAll(async () => {
    for (const name of ["portal", "platform", "platform2", "stranger"] as const) sites[name] = await site();
    store = await testStores[0]!.open();
    // The desk's public address is the portal's origin: its key login takes signatures bound to it.
    desk = await startKeyDesk(store, new Date().toISOString(), { publicUrl: sites.portal.origin });
    order = await orderToShippedKeys(desk, {
      applicant: "supplierA",
      programmeId: "procurement",
      details: { years: 1 },
    });
    client = clientHarness({ CERTDESK_CLIENT_HOME: join(desk.dir, "agent-home") });
    const key = order.keyFiles[0]!;
    await readyHolderKey(client, {
      deskUrl: desk.url,
      keyFile: key,
      activationCode: order.activationCode,
      pin: PIN,
    });
    agent = await spawnAgent({
      keyFile: key,
      home: join(desk.dir, "agent-home"),
      portal: sites.portal.origin,
      platforms: [sites.platform.origin, sites.platform2.origin],
    });
    browser = await launchChromium();
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await agent?.stop();
    await desk?.close();
    await store?.dispose();
    for (const s of Object.values(sites)) await s.close();
  });

  async function pageAt(origin: string): Promise<Page> {
    const context = await browser.newContext({ locale: "zh-CN" });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    page.on("request", (r) => {
      if (r.url().startsWith(agent.url)) sentToAgent.push(r.postData() ?? "");
    });
    await page.goto(`${origin}/`);
    await page.evaluate((url) => ((globalThis as unknown as SiteWindow).agent.url = url), agent.url);
    return page;
  }

  /** Each site's page, paired once with the code the agent showed for it. */
  const pages = new Map<string, Page>();
  async function pairedPage(origin: string): Promise<Page> {
    const known = pages.get(origin);
    if (known) return known;
    const page = await pageAt(origin);
    const code = agent.pairingCode(origin);
    expect(code, agent.output()).toMatch(/^\d{8}$/);
    const r = await page.evaluate(
      ([url, c]) => (globalThis as unknown as SiteWindow).pair(url!, c!),
      [agent.url, code],
    );
    expect(r.status, JSON.stringify(r)).toBe(200);
    pages.set(origin, page);
    return page;
  }

  /** A request without opening the window: the raw answer. */
  const raw = (page: Page, method: string, path: string, body?: unknown): Promise<Answer> =>
    page.evaluate(
      async ([m, p, b]) => {
        const headers: Record<string, string> = { "content-type": "application/json" };
        if ((globalThis as unknown as SiteWindow).agent.secret)
          headers.authorization = "Bearer " + (globalThis as unknown as SiteWindow).agent.secret;
        const res = await fetch((globalThis as unknown as SiteWindow).agent.url + p, {
          method: m as string,
          headers,
          ...(b === undefined ? {} : { body: JSON.stringify(b) }),
        });
        return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
      },
      [method, path, body] as const,
    );

  const ask = (page: Page, path: string, body: unknown = {}, lang = "zh"): Promise<Answer> =>
    page.evaluate(([p, b, l]) => (globalThis as unknown as SiteWindow).ask(p as string, b, l as string), [
      path,
      body,
      lang,
    ] as const);

  /** Asks, then types the PIN(s) in the agent's window as the user does. */
  async function askWithPin(page: Page, path: string, body: unknown, pins: string[]): Promise<Answer> {
    const popup = page.waitForEvent("popup");
    const answer = ask(page, path, body);
    const window = await popup;
    for (const [i, pin] of pins.entries()) {
      await window.getByLabel("PIN 码", { exact: true }).fill(pin);
      await window.getByRole("button", { name: "确认" }).click();
      if (i < pins.length - 1) await window.getByRole("alert").filter({ hasText: "PIN 码错误" }).waitFor();
    }
    return answer;
  }

  const deskChallenge = async () =>
    (await (await fetch(`${desk.url}/api/auth/key/challenge`, { method: "POST" })).json()) as {
      challenge: string;
      origin: string;
    };
  const deskLogin = (body: unknown) =>
    fetch(`${desk.url}/api/auth/key/login`, {
      method: "POST",
      headers: { "content-type": "application/json", "accept-language": "en" },
      body: JSON.stringify(body),
    });

  it("a platform's page cannot relay the desk's login challenge: its signature is bound to its own origin", async () => {
    const page = await pairedPage(sites.platform.origin);
    const { challenge, origin } = await deskChallenge();
    // The page asks for a login signature over the desk's own challenge: what a relay needs.
    expect(origin).toBe(sites.portal.origin);
    // The window names the site asking and what it signs; a wrong PIN is answered there, with the tries left.
    const popup = page.waitForEvent("popup");
    const answer = ask(page, "/v1/sign-login", { challenge });
    const window = await popup;
    expect(new URL(window.url()).origin).toBe(agent.url);
    await window.getByText(sites.platform.origin, { exact: true }).waitFor();
    await window.getByText(`使用电子钥匙登录 ${sites.platform.origin}`).waitFor();
    await window.getByText(challenge).waitFor();
    await window.getByText("PIN 码还可尝试 10 次（共 10 次）").waitFor();
    await window.getByLabel("PIN 码", { exact: true }).fill("00000000");
    await window.getByRole("button", { name: "确认" }).click();
    await window.getByRole("alert").filter({ hasText: "PIN 码错误，还可以尝试 9 次" }).waitFor();
    await window.getByText("PIN 码还可尝试 9 次（共 10 次）").waitFor();
    await window.getByLabel("PIN 码", { exact: true }).fill(PIN);
    await window.getByRole("button", { name: "确认" }).click();
    const signed = await answer;
    expect(signed.status, JSON.stringify(signed)).toBe(200);
    expect(signed.body.origin).toBe(sites.platform.origin);

    const relayed = await deskLogin({
      challenge,
      certificate: signed.body.certificate,
      signature: signed.body.signature,
    });
    expect(relayed.status).toBe(403);
    expect(((await relayed.json()) as { code: string }).code).toBe("keys.login_signature_invalid");
    // It is a good signature, for the platform's origin only.
    const cert = parseCertificate(new Uint8Array(Buffer.from(String(signed.body.certificate), "base64")));
    const bytes = new Uint8Array(Buffer.from(String(signed.body.signature), "base64"));
    const alg = signatureAlgorithmFor(cert.keyAlgorithm);
    expect(
      verifySignature(cert.spki, alg, loginMessage({ origin: sites.platform.origin, challenge }), bytes),
    ).toBe(true);
    expect(
      verifySignature(cert.spki, alg, loginMessage({ origin: sites.portal.origin, challenge }), bytes),
    ).toBe(false);
  }, 120_000);

  it("the desk's portal logs in with the key, once per challenge", async () => {
    const page = await pairedPage(sites.portal.origin);
    const { challenge } = await deskChallenge();
    const signed = await askWithPin(page, "/v1/sign-login", { challenge }, [PIN]);
    expect(signed.status, JSON.stringify(signed)).toBe(200);
    // A software key signs its use counter for the desk, which keeps the highest seen (clone check).
    expect(typeof signed.body.counter).toBe("number");
    const body = {
      challenge,
      certificate: signed.body.certificate,
      signature: signed.body.signature,
      counter: signed.body.counter,
    };
    const login = await deskLogin(body);
    expect(login.status).toBe(200);
    expect(((await login.json()) as { actor: { name: string } }).actor.name).toBe("张伟");
    const again = await deskLogin(body);
    expect(again.status).toBe(409);
    expect(((await again.json()) as { code: string }).code).toBe("keys.challenge_used");
  }, 120_000);

  it("no request body a page sent to the agent carried the PIN", () => {
    expect(sentToAgent.length).toBeGreaterThan(4);
    for (const body of sentToAgent) {
      expect(body).not.toContain(PIN);
      expect(body).not.toContain("00000000");
      if (body) expect(Object.keys(JSON.parse(body) as object).filter((k) => /pin/i.test(k))).toEqual([]);
    }
  });

  it("each allowed site may ask for its own operations only; a request naming a PIN is refused", async () => {
    const platform = await pairedPage(sites.platform.origin);
    const portal = await pairedPage(sites.portal.origin);
    for (const path of [
      "/v1/change-pin",
      "/v1/activate",
      "/v1/renew",
      "/v1/install-seal",
      "/v1/unlock",
      "/v1/unlock-code",
    ])
      expect(await raw(platform, "POST", path, {}), path).toMatchObject({
        status: 403,
        body: { code: "agent.portal_only" },
      });
    expect(await raw(portal, "POST", "/v1/seal-pdf", { pdf: "JVBERi0=" })).toMatchObject({
      status: 403,
      body: { code: "agent.not_in_scope" },
    });
    // The page's API has no PIN field at all.
    const withPin = await raw(platform, "POST", "/v1/sign-login", { challenge: "x", pin: PIN });
    expect(withPin).toMatchObject({ status: 400, body: { code: "agent.request_invalid" } });
    expect(String(withPin.body.message)).toContain("pin");
    expect(await raw(portal, "POST", "/v1/change-pin", { pin: PIN, newPin: "86420135" })).toMatchObject({
      status: 400,
      body: { code: "agent.request_invalid" },
    });
    // The desk's record of the key is the portal's to read, not a platform's.
    const byPortal = await raw(portal, "GET", "/v1/key");
    expect(byPortal.status).toBe(200);
    expect(byPortal.body.desk).toMatchObject({ activated: true });
    const byPlatform = await raw(platform, "GET", "/v1/key");
    expect(byPlatform.status).toBe(200);
    expect(byPlatform.body.desk).toBeUndefined();
    // The status says what the site may ask for.
    expect((await raw(platform, "GET", "/v1/status")).body).toMatchObject({
      paired: true,
      role: "platform",
      scope: ["key", "sign-login", "seal-pdf", "seal-ofd"],
    });
  }, 60_000);

  it("a stranger's page is refused; no page can submit or frame the agent's window", async () => {
    const stranger = await pageAt(sites.stranger.origin);
    const tried = await stranger.evaluate(async (url) => {
      const out: string[] = [];
      for (const [method, path] of [
        ["GET", "/v1/status"],
        ["POST", "/v1/pair"],
      ])
        try {
          await fetch(url + path, {
            method,
            headers: { "content-type": "application/json" },
            ...(method === "POST" ? { body: JSON.stringify({ code: "12345678" }) } : {}),
          });
          out.push("answered");
        } catch {
          out.push("blocked");
        }
      return out;
    }, agent.url);
    expect(tried).toEqual(["blocked", "blocked"]);

    // A paired platform's page knows its window's address, yet cannot type into it or frame it.
    const platform = await pairedPage(sites.platform.origin);
    const opened = await raw(platform, "POST", "/v1/sign-login", { challenge: "platform-login/1" });
    expect(opened.status).toBe(202);
    const dialog = String(opened.body.dialog);
    expect(new URL(dialog).origin).toBe(agent.url);
    const before = (await SoftwareKey.open(order.keyFiles[0]!).info()).user.retriesLeft;
    await platform.evaluate(async (url) => {
      await fetch(url, {
        method: "POST",
        mode: "no-cors",
        body: new URLSearchParams({ pin: "00000000", action: "confirm", token: "guess" }),
      });
    }, dialog);
    expect((await SoftwareKey.open(order.keyFiles[0]!).info()).user.retriesLeft).toBe(before);
    await platform.evaluate(
      `(() => { const f = document.createElement("iframe"); f.src = ${JSON.stringify(dialog)}; document.body.append(f); })()`,
    );
    await expect.poll(() => platform.frames().length).toBe(2);
    const framed = platform.frames()[1]!;
    await framed.waitForLoadState();
    expect(await framed.getByText("证书助手").count()).toBe(0);
    // Still waiting for the user, who never saw it: the page gets nothing.
    expect((await raw(platform, "GET", `/v1/requests/${String(opened.body.request)}`)).status).toBe(202);
  }, 90_000);

  it("three wrong pairing codes void a site's pairing; pairings are listed and revoked from the terminal", async () => {
    const page = await pageAt(sites.platform2.origin);
    const code = agent.pairingCode(sites.platform2.origin)!;
    for (const remaining of [2, 1, 0])
      expect(
        await page.evaluate(
          ([u, c]) => (globalThis as unknown as SiteWindow).pair(u!, c!),
          [agent.url, "0000-0000"],
        ),
      ).toMatchObject({
        status: 403,
        body: { code: "agent.pairing_code_wrong", params: { remaining } },
      });
    expect(
      await page.evaluate(([u, c]) => (globalThis as unknown as SiteWindow).pair(u!, c!), [agent.url, code]),
    ).toMatchObject({
      status: 423,
      body: { code: "agent.pairing_closed" },
    });
    expect(agent.output()).toContain(`Too many wrong pairing codes from ${sites.platform2.origin}`);

    const listed = await client("--json", "agent", "pairings");
    expect(listed.code, listed.stderr).toBe(0);
    const { pairings } = listed.json<{ pairings: { origin: string; scope: string[] }[] }>();
    expect(pairings.map((p) => [p.origin, p.scope])).toEqual([
      [sites.platform.origin, ["key", "sign-login", "seal-pdf", "seal-ofd"]],
      [
        sites.portal.origin,
        ["key", "sign-login", "change-pin", "activate", "unlock", "renew", "install-seal", "seal-ofd"],
      ],
    ]);
    expect(JSON.stringify(listed.json())).not.toContain("secretHash");
    const revoked = await client("agent", "revoke", sites.platform.origin);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain(sites.platform.origin);
    // The running agent refuses the revoked site at once.
    expect(await raw(await pairedPage(sites.platform.origin), "GET", "/v1/key")).toMatchObject({
      status: 401,
      body: { code: "agent.not_paired" },
    });
    expect((await raw(await pairedPage(sites.portal.origin), "GET", "/v1/key")).status).toBe(200);
  }, 60_000);
});

/** What the site's page script puts on its window. */
interface SiteWindow {
  agent: { url: string; secret: string };
  pair(url: string, code: string): Promise<Answer>;
  ask(path: string, body: unknown, lang?: string): Promise<Answer>;
}
