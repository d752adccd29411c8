/**
 * The security client's local agent, started through `certdesk-client agent` in-process: it listens
 * on 127.0.0.1 only; it refuses a request from another origin, one without an Origin, one whose Host
 * is not the loopback (DNS rebinding), a form post, and everything but its status before the
 * one-time pairing. Paired, the portal drives it: it reads the inserted key, changes the PIN,
 * activates with the SMS code (with the portal user's desk session), and signs a login challenge the
 * desk accepts. The pairing survives a restart; five wrong pairing codes close pairing.
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
    desk = await startKeyDesk(store);
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
      body: { code: "agent.pairing_code_wrong", params: { remaining: 4 } },
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

  it("the portal reads the key, changes the factory PIN, activates with the SMS code, and logs in with a signature the desk accepts", async () => {
    const auth = { authorization: `Bearer ${secret}`, "x-certdesk-session": sessionToken };
    const read = await call(port, { path: "/v1/key", headers: auth });
    expect(read.status, JSON.stringify(read.body)).toBe(200);
    expect(read.body).toMatchObject({
      info: { defaultPin: true, label: order.batch.keys[0]!.label },
      desk: { activated: false },
    });
    const refused = await call(port, {
      method: "POST",
      path: "/v1/activate",
      headers: auth,
      json: { pin: "12345678", code: order.activationCode },
    });
    expect(refused).toMatchObject({ status: 422, body: { code: "token.default_pin" } });
    const wrongPin = await call(port, {
      method: "POST",
      path: "/v1/change-pin",
      headers: { ...auth, "accept-language": "en" },
      json: { pin: "00000000", newPin: "20261120" },
    });
    expect(wrongPin).toMatchObject({
      status: 403,
      body: { code: "token.pin_incorrect", message: "Wrong PIN; 9 tries left" },
    });
    expect(
      (
        await call(port, {
          method: "POST",
          path: "/v1/change-pin",
          headers: auth,
          json: { pin: "12345678", newPin: "20261120" },
        })
      ).status,
    ).toBe(200);
    const activated = await call(port, {
      method: "POST",
      path: "/v1/activate",
      headers: auth,
      json: { pin: "20261120", code: order.activationCode },
    });
    expect(activated).toMatchObject({ status: 200, body: { activated: true } });

    const { challenge } = (await (
      await fetch(`${desk.url}/api/auth/key/challenge`, { method: "POST" })
    ).json()) as { challenge: string };
    const signed = await call(port, {
      method: "POST",
      path: "/v1/sign-login",
      headers: auth,
      json: { pin: "20261120", challenge },
    });
    expect(signed.status).toBe(200);
    const login = await fetch(`${desk.url}/api/auth/key/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        challenge,
        certificate: signed.body.certificate,
        signature: signed.body.signature,
      }),
    });
    expect(login.status).toBe(200);
    expect(((await login.json()) as { actor: { name: string } }).actor.name).toBe("张伟");
    expect(await SoftwareKey.open(join(desk.dir, "usb", "key.certdesk-key")).info()).toMatchObject({
      defaultPin: false,
    });
  });

  it("the pairing survives a restart; a fresh agent closes pairing after five wrong codes", async () => {
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
    for (let i = 4; i >= 0; i--) {
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
