/**
 * OCSP worker processes (CERTDESK_OCSP_PORT): a real desk process with two workers on a port of
 * their own, judged by `openssl ocsp`. The workers answer from copies of pre-signed answers; what
 * must hold is that no copy outlives a revocation, and that the workers end with the desk.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildOcspRequest, certIdFor, parseOcspResponse } from "../src/pki/ocsp.js";
import { pemDecodeAll } from "../src/pki/pem.js";
import { USCC, Workdir, openssl, opensslAsync } from "./support/pki.js";
import { delay, freePort, http, login, serverFleet, type ServerProcess } from "./support/process.js";

const fleet = serverFleet();
const dir = new Workdir();
const dataDir = mkdtempSync(join(tmpdir(), "certdesk-ocsp-workers-"));

let server: ServerProcess;
let ocspBase: string;
let admin: string;
let serial: string;
let request: Uint8Array;

function run(args: string[]): string {
  const r = openssl(args, dir.path);
  if (r.code !== 0) throw new Error(r.output);
  return r.output;
}

const askOpenssl = (url: string) =>
  opensslAsync(
    [
      ...["ocsp", "-url", url, "-issuer", "issuer.pem", "-cert", "ee.pem", "-no_nonce"],
      ...["-CAfile", "root.pem", "-verify_other", "issuer.pem"],
    ],
    dir.path,
  ).then((r) => r.output);

/** POSTs the prepared request to the workers `times` times at once; the statuses answered. */
async function statuses(times: number): Promise<string[]> {
  const answers = await Promise.all(
    Array.from({ length: times }, async () => {
      const res = await fetch(`${ocspBase}`, {
        method: "POST",
        headers: { "content-type": "application/ocsp-request" },
        body: request,
      });
      expect(res.headers.get("content-type")).toBe("application/ocsp-response");
      return parseOcspResponse(new Uint8Array(await res.arrayBuffer()));
    }),
  );
  return answers.map((a) => a.basic?.responses[0]?.status ?? a.status);
}

/** Whether something accepts connections on the port. */
function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(true));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(false)));
  });
}

beforeAll(async () => {
  const port = await freePort();
  ocspBase = `http://127.0.0.1:${port}/ocsp`;
  server = await fleet.start({
    store: { kind: "embedded", dataDir },
    demo: true,
    readyWithinMs: 90_000,
    env: { CERTDESK_OCSP_PORT: String(port), CERTDESK_OCSP_WORKERS: "2", CERTDESK_OCSP_URL: ocspBase },
  });
  admin = await login(server, "admin", "admin-demo-1");
  run(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "ee.key"]);
  run([
    "req",
    "-new",
    "-key",
    "ee.key",
    "-sha256",
    "-subj",
    `/C=CN/O=OCSP Worker Test/CN=ee/serialNumber=${USCC}`,
    "-out",
    "ee.csr",
  ]);
  const csr = new TextDecoder().decode(dir.read("ee.csr"));
  const issued = await http(`${server.url}/api/ca/issue`, {
    method: "POST",
    token: admin,
    json: { csr, profile: "organisation-signing", programme: "procurement", days: 30 },
  });
  expect(issued.status, JSON.stringify(issued.body)).toBe(200);
  const answer = issued.body as { serial: string; pem: string };
  serial = answer.serial;
  const [ee, issuer, root] = pemDecodeAll(answer.pem).map((b) => b.der);
  dir.writePem("ee.pem", "CERTIFICATE", ee!);
  dir.writePem("issuer.pem", "CERTIFICATE", issuer!);
  dir.writePem("root.pem", "CERTIFICATE", root!);
  request = buildOcspRequest([certIdFor(issuer!, serial)]);
}, 120_000);

afterAll(async () => {
  await fleet.killAll();
  dir.remove();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("OCSP worker processes", () => {
  it("are announced at start, and issued certificates name them in authorityInfoAccess", () => {
    expect(server.stdout()).toContain(`OCSP responders: ${ocspBase} (2 processes)`);
    expect(run(["x509", "-in", "ee.pem", "-noout", "-ocsp_uri"]).trim()).toBe(ocspBase);
  });

  it("openssl ocsp says good; once a revocation has returned, no worker answers good any more", async () => {
    const good = await askOpenssl(ocspBase);
    expect(good).toContain("Response verify OK");
    expect(good).toContain("ee.pem: good");
    // Enough requests at once that both workers hold a copy of the good answer.
    expect(new Set(await statuses(64))).toEqual(new Set(["good"]));

    const list = await http(`${server.url}/api/certificates`, { token: admin });
    const id = (list.body as { id: string; serial: string }[]).find((c) => c.serial === serial)?.id;
    expect(id, `certificate ${serial} in ${JSON.stringify(list.body)}`).toBeDefined();
    const revoked = await http(`${server.url}/api/certificates/${id}/revoke`, {
      method: "POST",
      token: admin,
      json: { reason: "keyCompromise" },
    });
    expect(revoked.status, JSON.stringify(revoked.body)).toBe(200);

    expect(new Set(await statuses(64))).toEqual(new Set(["revoked"]));
    const after = await askOpenssl(ocspBase);
    expect(after).toContain("Response verify OK");
    expect(after).toMatch(/ee\.pem: revoked[\s\S]*Reason: keyCompromise/);
    // The desk's own /ocsp says the same.
    expect(await askOpenssl(`${server.url}/ocsp`)).toMatch(/ee\.pem: revoked/);
  });

  it("GET carries RFC 5019 caching headers; junk gets malformedRequest; other addresses 404", async () => {
    const b64 = Buffer.from(request).toString("base64");
    const get = await fetch(`${ocspBase}/${encodeURIComponent(b64)}`);
    expect(get.status).toBe(200);
    expect(get.headers.get("cache-control")).toMatch(/^max-age=\d+, public, no-transform, must-revalidate$/);
    expect(get.headers.get("etag")).toMatch(/^"[0-9a-f]{40}"$/);
    expect(parseOcspResponse(new Uint8Array(await get.arrayBuffer())).basic?.responses[0]?.status).toBe(
      "revoked",
    );

    for (const body of [
      new Uint8Array([0x30, 0x03, 0x02, 0x01]),
      new Uint8Array(0),
      new Uint8Array(70_000),
    ]) {
      const res = await fetch(ocspBase, { method: "POST", body });
      expect(res.status).toBe(200);
      expect(parseOcspResponse(new Uint8Array(await res.arrayBuffer())).status).toBe("malformedRequest");
    }
    const junkGet = await fetch(`${ocspBase}/%%%`);
    expect(parseOcspResponse(new Uint8Array(await junkGet.arrayBuffer())).status).toBe("malformedRequest");
    expect((await fetch(ocspBase.replace(/\/ocsp$/, "/api/health"))).status).toBe(404);
  });

  it("end with the desk: after kill -9 of the desk the OCSP port is free again", async () => {
    const port = Number(new URL(ocspBase).port);
    expect(await portTaken(port)).toBe(true);
    await server.kill("SIGKILL");
    let taken = true;
    for (let i = 0; i < 50 && taken; i++) {
      await delay(100);
      taken = await portTaken(port);
    }
    expect(taken).toBe(false);
  });
});
