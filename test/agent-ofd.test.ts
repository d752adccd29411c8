/**
 * Stamping an OFD through the local agent (docs/agent.md): the paired portal page sends the
 * document and where to put the seal, never the PIN; the user reads what is stamped and types the
 * PIN in the agent's own window; the page gets back the stamped OFD, which verifies.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAgent, type RunningAgent } from "../src/client/agent.js";
import { softwareKeyWithSeal } from "./support/seal-ofd.js";
import { verifyOfd } from "../src/seal/ofd/verify.js";

const PORTAL = "https://desk.example.com";
const PIN = "13572468";
const helloworld = readFileSync(
  fileURLToPath(new URL("../../shared/fixtures/external/ofdrw/helloworld.ofd", import.meta.url)),
);

describe("the agent's seal-ofd operation", () => {
  const dir = mkdtempSync(join(tmpdir(), "certdesk-agent-ofd-"));
  let agent: RunningAgent;
  let secret: string;

  const call = async (path: string, body?: unknown, origin = PORTAL) => {
    const res = await fetch(`${agent.url}${path}`, {
      method: body === undefined ? "GET" : "POST",
      headers: {
        origin,
        ...(secret ? { authorization: `Bearer ${secret}` } : {}),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    const keyFile = join(dir, "key.certdesk-key");
    await softwareKeyWithSeal(keyFile, PIN);
    agent = await startAgent({
      portalOrigin: PORTAL,
      port: 0,
      home: join(dir, "home"),
      key: { key: keyFile },
      desk: () => undefined,
      log: () => {},
    });
    const code = agent.pairingCode!;
    secret = "";
    const paired = await call("/v1/pair", { code });
    expect(paired.status).toBe(200);
    secret = String(paired.body.secret);
  }, 120_000);
  afterAll(async () => {
    await agent?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses a PIN in the page's request", async () => {
    const r = await call("/v1/seal-ofd", { ofd: helloworld.toString("base64"), pin: PIN });
    expect(r).toMatchObject({ status: 400, body: { code: "agent.request_invalid" } });
  });

  it("shows the document and the position in the window, takes the PIN there, and answers with a stamped OFD that verifies", async () => {
    const opened = await call("/v1/seal-ofd", {
      ofd: helloworld.toString("base64"),
      name: "helloworld.ofd",
      page: 1,
      xMm: 100,
      yMm: 150,
    });
    expect(opened.status, JSON.stringify(opened.body)).toBe(202);
    const dialog = new URL(String(opened.body.dialog));
    const html = await (await fetch(`${agent.url}${dialog.pathname}?lang=en`)).text();
    expect(html).toContain("Stamp an OFD document with the electronic seal");
    expect(html).toContain("helloworld.ofd");
    expect(html).toContain("1 · 100 mm, 150 mm");
    const token = /name="token" value="([\w-]+)"/.exec(html)?.[1];
    expect(token, html).toBeDefined();
    const form = await fetch(`${agent.url}${dialog.pathname}`, {
      method: "POST",
      headers: { origin: agent.url, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: token!, lang: "en", action: "confirm", pin: PIN }).toString(),
    });
    expect(form.status).toBe(200);
    const outcome = await call(`/v1/requests/${String(opened.body.request)}`);
    expect(outcome.status, JSON.stringify(outcome.body)).toBe(200);
    expect(outcome.body).toMatchObject({ signatureId: "1", seal: { esId: "CDSEAL-OFD-KEY" } });
    const stamped = new Uint8Array(Buffer.from(String(outcome.body.ofd), "base64"));
    const v = verifyOfd(stamped);
    expect(v.valid, JSON.stringify(v.signatures[0]?.checks.filter((c) => c.status === "fail"))).toBe(true);
    expect(v.signatures[0]!.stamps[0]).toMatchObject({ page: 1, boundary: [100, 150, 40, 40] });
  });
});
