/**
 * `certdesk-client sign-ofd` asks a timestamp authority (--tsa) for a token over the signature
 * value, through the real bin: the TSA here is the desk's RFC 3161 code behind a bare HTTP server
 * (test/tsa.test.ts drives the desk's own POST /tsa). A TSA out of reach does not stop the
 * signing: the OFD is signed without a timestamp and the client says so.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TIMESTAMP_REPLY_TYPE, answerTimestampRequest, type TimestampAuthority } from "../src/pki/tsa.js";
import { verifyOfd } from "../src/seal/ofd/verify.js";
import { Workdir } from "./support/pki.js";
import { softwareKeyWithSeal } from "./support/seal-ofd.js";
import { buildTestCa, testTsa, type TestCa } from "./support/seal-pdfs.js";

const fixtures = fileURLToPath(new URL("../../shared/fixtures/external/ofdrw/", import.meta.url));
const bin = fileURLToPath(new URL("../bin/certdesk-client.js", import.meta.url));
const PIN = "24681357";

describe("certdesk-client sign-ofd --tsa", () => {
  const dir = new Workdir();
  const keyFile = join(dir.path, "supplier.certdesk-key");
  let ca: TestCa;
  let tsa: TimestampAuthority;
  let server: Server;
  let url: string;
  let served = 0;

  beforeAll(async () => {
    await softwareKeyWithSeal(keyFile, PIN);
    ca = await buildTestCa("ecdsa-p256");
    tsa = await testTsa(ca);
    server = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on("data", (c: Buffer) => parts.push(c));
      req.on("end", () => {
        served++;
        void answerTimestampRequest(tsa, new Uint8Array(Buffer.concat(parts)), {
          serial: BigInt(served),
          genTime: new Date(),
        }).then((reply) => res.writeHead(200, { "content-type": TIMESTAMP_REPLY_TYPE }).end(reply));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tsa`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    dir.remove();
  });

  /** Not spawnSync: the TSA answering the client runs in this process. */
  async function signOfd(tsaUrl: string, out: string, json = true) {
    const args = [bin, "--key", keyFile, "--tsa", tsaUrl, "sign-ofd", `${fixtures}helloworld.ofd`];
    args.push("--out", out, "--pin", PIN, ...(json ? ["--json"] : ["--lang", "en"]));
    const env = { ...process.env, CERTDESK_CLIENT_HOME: join(dir.path, "home") };
    return promisify(execFile)(process.execPath, args, { env, encoding: "utf8", timeout: 60_000 });
  }

  it("puts the TSA's token in the signature's timeStamp, over its signature value; ofd verify checks it", async () => {
    const out = join(dir.path, "stamped.ofd");
    const r = await signOfd(url, out);
    expect(JSON.parse(r.stdout)).toMatchObject({ timestamp: { status: "stamped", url } });
    expect(served).toBe(1);
    const v = verifyOfd(new Uint8Array(readFileSync(out)), { timestampTrust: [ca.root.cert] });
    expect(v.signatures[0]!.timeStamp).toBe(true);
    expect(v.signatures[0]!.checks.find((c) => c.name === "timeStamp")).toMatchObject({
      status: "pass",
      code: "tsa.token_valid",
    });
  });

  it("with the TSA out of reach it signs without a timestamp and says so", async () => {
    const out = join(dir.path, "unstamped.ofd");
    const nowhere = "http://127.0.0.1:9/tsa";
    const r = await signOfd(nowhere, out);
    expect(JSON.parse(r.stdout)).toMatchObject({
      timestamp: { status: "unavailable", url: nowhere, code: "tsa.unreachable" },
    });
    const v = verifyOfd(new Uint8Array(readFileSync(out)));
    expect(v.signatures[0]!.timeStamp).toBe(false);
    const text = await signOfd(nowhere, join(dir.path, "unstamped2.ofd"), false);
    expect(text.stdout).toContain(`No timestamp from ${nowhere}`);
  });
});
