/**
 * The desk's timestamp authority at POST /tsa (RFC 3161 section 3.4) over real HTTP, with stock
 * OpenSSL and curl as the client and the judge: the query piped to curl, the reply verified against
 * the desk's chain. Also what the edge does with bodies too large, other content types, garbage and
 * a client that asks too often.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { caChain } from "../src/ca/certificate-signing.js";
import { parseCertificate } from "../src/pki/certificate.js";
import { OID } from "../src/pki/oids.js";
import { TIMESTAMP_QUERY_TYPE, requestTimestamp, verifyTimestampToken } from "../src/pki/tsa.js";
import { RequestBuckets, TSA_BODY_LIMIT } from "../src/server/routes/tsa.js";
import { startTestApp, type TestApp } from "./support/app.js";
import { Workdir, openssl } from "./support/pki.js";
import { testStores } from "./support/stores.js";

const DATA = new TextEncoder().encode("采购合同 第 2026-118 号：签署页");

describe.each(testStores)("POST /tsa on $name", (kind) => {
  let store: Awaited<ReturnType<typeof kind.open>>;
  let t: TestApp;
  let url: string;
  let chain: Uint8Array[];
  const dir = new Workdir();

  beforeAll(async () => {
    store = await kind.open();
    t = await startTestApp(store);
    url = `${await t.app.listen({ host: "127.0.0.1", port: 0 })}/tsa`;
    chain = await caChain(store.db, "demo-rsa-tsa");
    dir.write("f", DATA);
    dir.write("chain.pem", chain.map((c) => pemOf(c)).join(""));
    dir.write("root.pem", pemOf(chain.at(-1)!));
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await store?.dispose();
    dir.remove();
  });

  it("ca init made a TSA certificate under the issuing CA: id-kp-timeStamping its only EKU, critical (RFC 3161 section 2.3)", () => {
    const [tsa, issuing] = chain.map((c) => parseCertificate(c));
    expect(tsa!.subjectText).toContain("Timestamp Authority RSA");
    expect(tsa!.issuerText).toBe(issuing!.subjectText);
    expect(tsa!.extensions.extendedKeyUsage).toEqual([OID.kpTimeStamping]);
  });

  it("openssl ts -query | curl --data-binary @- …/tsa, then openssl ts -verify -data f -CAfile chain.pem: Verification: OK", async () => {
    // Not spawnSync: the desk answering curl runs in this process.
    const pipeline = await promisify(execFile)(
      "sh",
      [
        "-c",
        `openssl ts -query -data f -sha256 -cert | curl -sS --fail --data-binary @- -H 'Content-Type: ${TIMESTAMP_QUERY_TYPE}' '${url}' -o reply.tsr -w '%{content_type}'`,
      ],
      { cwd: dir.path, encoding: "utf8" },
    );
    expect(pipeline.stdout).toBe("application/timestamp-reply");
    const text = openssl(["ts", "-reply", "-in", "reply.tsr", "-text"], dir.path);
    expect(text.output).toContain("Status: Granted.");
    expect(text.output).toContain("Nov 20 02:00:00 2026 GMT"); // the desk's clock
    const verified = openssl(
      ["ts", "-verify", "-in", "reply.tsr", "-data", "f", "-CAfile", "chain.pem"],
      dir.path,
    );
    expect(verified.output).toContain("Verification: OK");
    // The token carries the issuing CA: the root alone is enough to verify it.
    const rootOnly = openssl(
      ["ts", "-verify", "-in", "reply.tsr", "-data", "f", "-CAfile", "root.pem"],
      dir.path,
    );
    expect(rootOnly.output).toContain("Verification: OK");
  });

  it("the client (requestTimestamp) gets a token that verifies against the desk's root, not over other bytes", async () => {
    const token = await requestTimestamp(url, DATA);
    const root = chain.at(-1)!;
    expect(verifyTimestampToken(token, DATA, [root])).toMatchObject({
      valid: true,
      code: "tsa.token_valid",
      genTime: t.clock.now(),
    });
    expect(verifyTimestampToken(token, new TextEncoder().encode("other"), [root]).code).toBe(
      "tsa.imprint_mismatch",
    );
  });

  it("garbage is answered with a rejection (status 2, badDataFormat), not a token", async () => {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": TIMESTAMP_QUERY_TYPE },
      body: Buffer.from("not a request"),
    });
    expect(res.status).toBe(200);
    dir.write("bad.tsr", new Uint8Array(await res.arrayBuffer()));
    const text = openssl(["ts", "-reply", "-in", "bad.tsr", "-text"], dir.path);
    expect(text.output).toContain("Status: Rejected.");
    expect(text.output).toContain("Failure info: the data submitted has the wrong format");
  });

  it("a body over the limit is refused (413), another content type too (415), each with a readable rejection", async () => {
    const big = await fetch(url, {
      method: "POST",
      headers: { "content-type": TIMESTAMP_QUERY_TYPE },
      body: Buffer.alloc(TSA_BODY_LIMIT + 1),
    });
    expect(big.status).toBe(413);
    expect(big.headers.get("content-type")).toBe("application/timestamp-reply");
    const json = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(json.status).toBe(415);
    expect(json.headers.get("content-type")).toBe("application/timestamp-reply");
  });

  it("one address asking too often is told to wait (429, Retry-After) once its bucket is empty", async () => {
    const query = openssl(["ts", "-query", "-data", "f", "-sha256", "-out", "q.tsq"], dir.path);
    expect(query.code, query.output).toBe(0);
    const statuses: number[] = [];
    // The fixed clock never refills the bucket: 30 pass (less the ones the tests above used), then 429.
    for (let i = 0; i < 31; i++) {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": TIMESTAMP_QUERY_TYPE },
        body: Buffer.from(dir.read("q.tsq")),
      });
      statuses.push(res.status);
      if (res.status === 429) {
        expect(res.headers.get("retry-after")).toBe("1");
        break;
      }
    }
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.slice(0, -1).every((s) => s === 200)).toBe(true);
  });
});

describe("the per-address request buckets", () => {
  it("take a burst, then refill at the rate, address by address", () => {
    const buckets = new RequestBuckets(3, 2);
    const at0 = [1, 2, 3, 4].map(() => buckets.take("10.0.0.1", 0));
    expect(at0).toEqual([true, true, true, false]);
    expect(buckets.take("10.0.0.2", 0)).toBe(true);
    expect(buckets.take("10.0.0.1", 400)).toBe(false); // 0.8 of a request refilled
    expect(buckets.take("10.0.0.1", 500)).toBe(true); // 1.0
    expect(buckets.take("10.0.0.1", 10_000)).toBe(true);
  });
});

function pemOf(der: Uint8Array): string {
  const b64 = Buffer.from(der)
    .toString("base64")
    .replace(/(.{64})/g, "$1\n");
  return `-----BEGIN CERTIFICATE-----\n${b64.replace(/\n$/, "")}\n-----END CERTIFICATE-----\n`;
}
