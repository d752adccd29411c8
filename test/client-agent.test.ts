/**
 * The security client's local agent, started through `certdesk-client agent` in-process: it listens
 * on 127.0.0.1 only; it refuses a request from another origin, one without an Origin, one whose Host
 * is not the loopback (DNS rebinding), a form post, and everything but its status before the
 * one-time pairing. Paired, the portal drives it: it reads the inserted key, changes the PIN,
 * activates with the SMS code (with the portal user's desk session), and signs a login challenge the
 * desk accepts, every PIN and code typed in the agent's own window (its form over plain HTTP). The
 * pairing survives a restart; three wrong pairing codes void it.
 */
import { request } from "node:http";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SoftwareKey } from "../src/token/software-key.js";
import { clientHarness } from "./support/client.js";
import {
  orderToShippedKeys,
  startKeyDesk,
  type KeyDesk,
  type ShippedOrder,
  type TestStore,
} from "./support/keys.js";
import { testStores } from "./support/stores.js";

const PORTAL = "https://desk.example.com";

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

/** A raw HTTP request, so that Host and Origin are whatever the test says (fetch would not let it). */
function call(
  port: number,
  input: {
    method?: string;
    path: string;
    host?: string;
    origin?: string | null;
    headers?: Record<string, string>;
    json?: unknown;
    raw?: string;
  },
  address = "127.0.0.1",
): Promise<Answer> {
  const body = input.raw ?? (input.json === undefined ? undefined : JSON.stringify(input.json));
  const headers: Record<string, string> = {
    host: input.host ?? `127.0.0.1:${port}`,
    ...(input.origin === null ? {} : { origin: input.origin ?? PORTAL }),
    ...(input.json !== undefined ? { "content-type": "application/json" } : {}),
    ...(input.headers ?? {}),
  };
  return new Promise((resolve, reject) => {
    const req = request(
      { host: address, port, method: input.method ?? "GET", path: input.path, headers, timeout: 15_000 },
      (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (c: string) => (text += c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
          }),
        );
      },
    );
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error("timeout")));
    if (body !== undefined) req.write(body);
    req.end();
  });
}

describe("the local agent", () => {
  let store: TestStore;
  let desk: KeyDesk;
  let order: ShippedOrder;
  let stop: () => void;
  let stopped: Promise<number>;
  let port: number;
  let pairingCode: string;
  let secret: string;
  let sessionToken: string;
  const home = () => join(desk.dir, "agent-home");

  async function startAgentCli(extra: string[] = []) {
    let started!: (a: { url: string; pairingCode: string | undefined }) => void;
    const ready = new Promise<{ url: string; pairingCode: string | undefined }>((r) => (started = r));
    let release!: () => void;
    const agentStopped = new Promise<void>((r) => (release = r));
    const client = clientHarness(
      { CERTDESK_CLIENT_HOME: home(), CERTDESK_SERVER: desk.url },
      { agentStopped, onAgentStarted: (a) => started(a) },
    );
    const done = client(
      "--key-dir",
      join(desk.dir, "usb"),
      "agent",
      "--portal-origin",
      PORTAL,
      "--port",
      "0",
      ...extra,
    ).then((r) => {
      expect(r.code, r.stderr).toBe(0);
      return r;
    });
    const agent = await Promise.race([
      ready,
      done.then(() => Promise.reject(new Error("the agent stopped"))),
    ]);
    return { agent, stop: release, done };
  }

  beforeAll(async () => {
    store = await testStores[0]!.open();
    // The desk's public address is the portal's: its key login takes signatures bound to it.
    desk = await startKeyDesk(store, undefined, { publicUrl: PORTAL });
    order = await orderToShippedKeys(desk, {
      applicant: "supplierA",
      programmeId: "procurement",
      details: { years: 1 },
    });
    // The key is "inserted": its file is in the folder the agent watches.
    const { copyFileSync, mkdirSync } = await import("node:fs");
    mkdirSync(join(desk.dir, "usb"));
    copyFileSync(order.keyFiles[0]!, join(desk.dir, "usb", "key.certdesk-key"));
    sessionToken = (
      (await await fetch(`${desk.url}/api/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ login: "13800138000", password: "supplier-demo-1" }),
      }).then((r) => r.json())) as { token: string }
    ).token;
    const started = await startAgentCli();
    port = Number(new URL(started.agent.url).port);
    pairingCode = started.agent.pairingCode!;
    stop = started.stop;
    stopped = started.done.then((r) => r.code);
  }, 180_000);
  afterAll(async () => {
    stop?.();
    await stopped?.catch(() => undefined);
    await desk?.close();
    await store?.dispose();
  });

  it("listens on 127.0.0.1 only: not on the machine's other addresses", async () => {
    const others = Object.values(networkInterfaces())
      .flat()
      .filter((i) => i && i.family === "IPv4" && !i.internal)
      .map((i) => i!.address);
    for (const address of others)
      await expect(call(port, { path: "/v1/status" }, address)).rejects.toThrow(/ECONNREFUSED/);
    const ok = await call(port, { path: "/v1/status" });
    expect(ok).toMatchObject({
      status: 200,
      body: { agent: "certdesk-client", paired: false, portal: PORTAL },
    });
    expect(ok.headers["access-control-allow-origin"]).toBe(PORTAL);
    expect(pairingCode).toMatch(/^\d{8}$/);
  });

  it("refuses another origin, a missing Origin, a non-loopback Host (DNS rebinding) and a form post", async () => {
    const other = await call(port, { path: "/v1/status", origin: "https://evil.example" });
    expect(other).toMatchObject({ status: 403, body: { code: "agent.origin_refused" } });
    expect(other.headers["access-control-allow-origin"]).toBeUndefined();
    expect(
      await call(port, {
        method: "POST",
        path: "/v1/pair",
        origin: "https://evil.example",
        json: { code: pairingCode },
      }),
    ).toMatchObject({
      status: 403,
      body: { code: "agent.origin_refused" },
    });
    expect(await call(port, { path: "/v1/status", origin: null })).toMatchObject({
      status: 403,
      body: { code: "agent.origin_required" },
    });
    const rebinding = await call(port, { path: "/v1/status", host: `evil.example:${port}` });
    expect(rebinding).toMatchObject({ status: 421, body: { code: "agent.host_refused" } });
    expect(await call(port, { path: "/v1/status", host: `192.168.1.10:${port}` })).toMatchObject({
      status: 421,
    });
    expect((await call(port, { path: "/v1/status", host: `localhost:${port}` })).status).toBe(200);
    const form = await call(port, {
      method: "POST",
      path: "/v1/pair",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      raw: `code=${pairingCode}`,
    });
    expect(form).toMatchObject({ status: 415, body: { code: "agent.json_required" } });
    // A preflight is answered for the portal only, with Private Network Access's header.
    const preflight = await call(port, {
      method: "OPTIONS",
      path: "/v1/key",
      headers: { "access-control-request-method": "POST", "access-control-request-private-network": "true" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers).toMatchObject({
      "access-control-allow-origin": PORTAL,
      "access-control-allow-private-network": "true",
      "access-control-allow-headers": "authorization, content-type, x-certdesk-session",
    });
    expect(
      (
        await call(port, {
          method: "OPTIONS",
          path: "/v1/key",
          origin: "https://evil.example",
          headers: { "access-control-request-method": "POST" },
        })
      ).status,
    ).toBe(403);
  });

  it("before pairing, nothing but the status answers; a wrong code counts down; the right one gives the portal its secret once", async () => {
    expect(await call(port, { path: "/v1/key" })).toMatchObject({
      status: 401,
      body: { code: "agent.not_paired" },
    });
    expect(
      await call(port, { method: "POST", path: "/v1/sign-login", json: { pin: "12345678", challenge: "x" } }),
    ).toMatchObject({
      status: 401,
    });
    const wrong = await call(port, { method: "POST", path: "/v1/pair", json: { code: "00000000" } });
    expect(wrong).toMatchObject({
      status: 403,
      body: { code: "agent.pairing_code_wrong", params: { remaining: 2 } },
    });
    const paired = await call(port, {
      method: "POST",
      path: "/v1/pair",
      json: { code: `${pairingCode.slice(0, 4)}-${pairingCode.slice(4)}` },
    });
    expect(paired.status).toBe(200);
    secret = String(paired.body.secret);
    expect(secret.length).toBeGreaterThan(40);
    expect((await call(port, { method: "POST", path: "/v1/pair", json: { code: pairingCode } })).status).toBe(
      409,
    );
    expect(
      (await call(port, { path: "/v1/key", headers: { authorization: "Bearer not-the-secret" } })).status,
    ).toBe(401);
    const status = await call(port, { path: "/v1/status" });
    expect(status.body.paired).toBe(true);
    // Paired with this portal only: its secret from another origin is still refused.
    expect(
      (
        await call(port, {
          path: "/v1/key",
          origin: "https://evil.example",
          headers: { authorization: `Bearer ${secret}` },
        })
      ).status,
    ).toBe(403);
  });

  /**
   * The user's part in the agent's own window, over plain HTTP: the page (here, the test) gets the
   * window's address; the window's form, posted from the agent's own origin with its token, carries
   * the secrets; the page then reads the outcome.
   */
  async function confirmInWindow(
    opened: Answer,
    fields: Record<string, string>,
    lang = "zh",
  ): Promise<{ html: string; outcome: () => Promise<Answer> }> {
    expect(opened.status, JSON.stringify(opened.body)).toBe(202);
    const dialog = new URL(String(opened.body.dialog));
    const html = await getText(`${dialog.pathname}?lang=${lang}`);
    const token = /name="token" value="([\w-]+)"/.exec(html)?.[1];
    expect(token, html).toBeDefined();
    const answered = await postForm(dialog.pathname, { token: token!, lang, action: "confirm", ...fields });
    return {
      html: answered,
      outcome: () =>
        call(port, {
          path: `/v1/requests/${String(opened.body.request)}`,
          headers: { authorization: `Bearer ${secret}` },
        }),
    };
  }
  const getText = (path: string): Promise<string> =>
    fetch(`http://127.0.0.1:${port}${path}`).then((r) => r.text());
  const postForm = (path: string, form: Record<string, string>, origin = `http://127.0.0.1:${port}`) =>
    new Promise<string>((resolve, reject) => {
      const body = new URLSearchParams(form).toString();
      const req = request(
        {
          host: "127.0.0.1",
          port,
          method: "POST",
          path,
          headers: {
            host: `127.0.0.1:${port}`,
            origin,
            "content-type": "application/x-www-form-urlencoded",
          },
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8").on("data", (c: string) => (text += c));
          res.on("end", () => resolve(`${res.statusCode} ${text}`));
        },
      );
      req.on("error", reject);
      req.end(body);
    });

  it("the portal reads the key, changes the factory PIN, activates with the SMS code, and logs in with a signature the desk accepts; every secret is typed in the agent's window", async () => {
    const auth = { authorization: `Bearer ${secret}`, "x-certdesk-session": sessionToken };
    const read = await call(port, { path: "/v1/key", headers: auth });
    expect(read.status, JSON.stringify(read.body)).toBe(200);
    expect(read.body).toMatchObject({
      info: { defaultPin: true, label: order.batch.keys[0]!.label },
      desk: { activated: false },
    });
    const post = (path: string, json: unknown = {}, headers: Record<string, string> = {}) =>
      call(port, { method: "POST", path, headers: { ...auth, ...headers }, json });
    // The page's API has no field for a secret.
    expect(await post("/v1/change-pin", { pin: "12345678", newPin: "20261120" })).toMatchObject({
      status: 400,
      body: { code: "agent.request_invalid" },
    });

    // Activation is refused while the key has its factory PIN: the window says why and closes.
    const refused = await confirmInWindow(await post("/v1/activate"), {
      code: order.activationCode,
      pin: "12345678",
    });
    expect(refused.html).toMatch(/^200 /);
    expect(await refused.outcome()).toMatchObject({ status: 422, body: { code: "token.default_pin" } });

    // A wrong current PIN: the window asks again, with the tries left; the page still waits.
    const change = await post("/v1/change-pin", {}, { "accept-language": "en" });
    const wrong = await confirmInWindow(
      change,
      { pin: "00000000", newPin: "20261120", newPin2: "20261120" },
      "en",
    );
    expect(wrong.html).toContain("Wrong PIN; 9 tries left");
    expect(wrong.html).toContain("PIN: 9 of 10 tries left");
    expect((await wrong.outcome()).body).toMatchObject({ state: "pending" });
    // The form from any other origin, or without the window's token, is refused.
    const path = new URL(String(change.body.dialog)).pathname;
    expect(await postForm(path, { pin: "12345678", newPin: "1", newPin2: "1" }, PORTAL)).toMatch(/^403 /);
    expect(await postForm(path, { token: "guess", pin: "12345678", newPin: "1", newPin2: "1" })).toMatch(
      /^403 /,
    );
    const mismatch = await confirmInWindow(change, {
      pin: "12345678",
      newPin: "20261120",
      newPin2: "20261121",
    });
    expect(mismatch.html).toContain("两次输入的新 PIN 码不一致");
    const changed = await confirmInWindow(change, {
      pin: "12345678",
      newPin: "20261120",
      newPin2: "20261120",
    });
    expect(changed.html).toContain("已完成");
    expect(await changed.outcome()).toMatchObject({ status: 200, body: { defaultPin: false } });

    const activated = await confirmInWindow(await post("/v1/activate"), {
      code: order.activationCode,
      pin: "20261120",
    });
    expect(await activated.outcome()).toMatchObject({ status: 200, body: { activated: true } });

    const { challenge, origin } = (await (
      await fetch(`${desk.url}/api/auth/key/challenge`, { method: "POST" })
    ).json()) as { challenge: string; origin: string };
    expect(origin).toBe(PORTAL);
    const signed = await (
      await confirmInWindow(await post("/v1/sign-login", { challenge }), { pin: "20261120" })
    ).outcome();
    expect(signed.status).toBe(200);
    expect(signed.body.origin).toBe(PORTAL);
    const login = await fetch(`${desk.url}/api/auth/key/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        challenge,
        certificate: signed.body.certificate,
        signature: signed.body.signature,
        counter: signed.body.counter, // the software key's use counter, signed for the desk
      }),
    });
    expect(login.status).toBe(200);
    expect(((await login.json()) as { actor: { name: string } }).actor.name).toBe("张伟");
    expect(await SoftwareKey.open(join(desk.dir, "usb", "key.certdesk-key")).info()).toMatchObject({
      defaultPin: false,
    });
  });

  it("the pairing survives a restart; a fresh agent voids the portal's pairing after three wrong codes", async () => {
    stop();
    expect(await stopped).toBe(0);
    const again = await startAgentCli();
    const p = Number(new URL(again.agent.url).port);
    expect(again.agent.pairingCode).toBeUndefined();
    expect((await call(p, { path: "/v1/key", headers: { authorization: `Bearer ${secret}` } })).status).toBe(
      200,
    );
    again.stop();
    await again.done;

    const fresh = await startAgentCli(["--pair-again"]);
    const q = Number(new URL(fresh.agent.url).port);
    stop = fresh.stop;
    stopped = fresh.done.then((r) => r.code);
    expect((await call(q, { path: "/v1/key", headers: { authorization: `Bearer ${secret}` } })).status).toBe(
      401,
    );
    for (let i = 2; i >= 0; i--) {
      const r = await call(q, { method: "POST", path: "/v1/pair", json: { code: "99999999" } });
      expect(r.body).toMatchObject({ code: "agent.pairing_code_wrong", params: { remaining: i } });
    }
    const closed = await call(q, {
      method: "POST",
      path: "/v1/pair",
      json: { code: fresh.agent.pairingCode },
    });
    expect(closed).toMatchObject({ status: 423, body: { code: "agent.pairing_closed" } });
  });
});
