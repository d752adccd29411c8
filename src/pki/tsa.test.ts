/**
 * RFC 3161 against OpenSSL 3: `openssl ts -query` requests, the desk's TSA answers, and
 * `openssl ts -verify` accepts the reply; verifyTimestampToken agrees and catches every tamper.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCertificate } from "./certificate.js";
import { randomSerial } from "./serial.js";
import { OID } from "./oids.js";
import { generateSoftwareKey } from "./signer.js";
import type { KeyAlgorithm, Signer } from "./signer.js";
import { DATES, Workdir, openssl } from "../../test/support/pki.js";
import {
  TIMESTAMP_REPLY_TYPE,
  answerTimestampRequest,
  readTimestampReply,
  requestTimestamp,
  verifyTimestampToken,
  type TimestampAuthority,
} from "./tsa.js";

const GEN_TIME = new Date("2026-03-02T04:05:06Z");
const DATA = new TextEncoder().encode("采购订单 PO-2026-0001 的签名值");

async function tsaUnder(
  algorithm: KeyAlgorithm,
  critical = true,
): Promise<{ root: Uint8Array; tsa: TimestampAuthority }> {
  const root = generateSoftwareKey(algorithm).signer;
  const rootCert = await buildCertificate({
    serialNumber: randomSerial(),
    subject: { C: "CN", O: "证书服务测试", CN: `certdesk TSA test root ${algorithm}` },
    subjectPublicKey: root.publicKeySpki,
    notBefore: DATES.notBefore,
    notAfter: DATES.rootNotAfter,
    extensions: { basicConstraints: { ca: true, pathLength: 0 }, keyUsage: ["keyCertSign", "cRLSign"] },
    issuer: { selfSigned: true },
    signer: root,
  });
  const signer: Signer = generateSoftwareKey(algorithm).signer;
  const certificate = await buildCertificate({
    serialNumber: randomSerial(),
    subject: { C: "CN", O: "证书服务测试", CN: "certdesk Timestamp Authority" },
    subjectPublicKey: signer.publicKeySpki,
    notBefore: DATES.notBefore,
    notAfter: DATES.subNotAfter,
    extensions: {
      basicConstraints: { ca: false },
      keyUsage: ["digitalSignature", "nonRepudiation"],
      extendedKeyUsage: [OID.kpTimeStamping],
      extendedKeyUsageCritical: critical,
    },
    issuer: { certificate: rootCert },
    signer: root,
  });
  return { root: rootCert, tsa: { certificate, signer } };
}

describe.each(["rsa", "ecdsa-p256"] as KeyAlgorithm[])("the desk's TSA with a %s key", (algorithm) => {
  const dir = new Workdir();
  let root: Uint8Array;
  let tsa: TimestampAuthority;
  let token: Uint8Array;
  beforeAll(async () => {
    ({ root, tsa } = await tsaUnder(algorithm));
    dir.write("data", DATA);
    dir.writePem("root.pem", "CERTIFICATE", root);
    const q = openssl(["ts", "-query", "-data", "data", "-sha256", "-cert", "-out", "req.tsq"], dir.path);
    expect(q.code, q.output).toBe(0);
    const reply = await answerTimestampRequest(tsa, dir.read("req.tsq"), { serial: 42n, genTime: GEN_TIME });
    dir.write("reply.tsr", reply);
    token = readTimestampReply(reply);
  });
  afterAll(() => dir.remove());

  it("openssl ts -verify accepts the reply to its own query (RFC 3161 section 2.4.2)", () => {
    const text = openssl(["ts", "-reply", "-in", "reply.tsr", "-text"], dir.path);
    expect(text.output).toContain("Status: Granted.");
    expect(text.output).toContain("Mar  2 04:05:06 2026 GMT");
    expect(text.output).toMatch(/Nonce: 0x[0-9A-F]+/);
    const v = openssl(
      ["ts", "-verify", "-queryfile", "req.tsq", "-in", "reply.tsr", "-CAfile", "root.pem"],
      dir.path,
    );
    expect(v.output).toContain("Verification: OK");
    const d = openssl(
      ["ts", "-verify", "-data", "data", "-in", "reply.tsr", "-CAfile", "root.pem"],
      dir.path,
    );
    expect(d.output).toContain("Verification: OK");
  });

  it("openssl ts -verify refuses other data", () => {
    dir.write("other", new TextEncoder().encode("another document"));
    const v = openssl(
      ["ts", "-verify", "-data", "other", "-in", "reply.tsr", "-CAfile", "root.pem"],
      dir.path,
    );
    expect(v.output).not.toContain("Verification: OK");
  });

  it("verifyTimestampToken: valid over the data, with the time and the TSA", () => {
    expect(verifyTimestampToken(token, DATA, [root])).toMatchObject({
      valid: true,
      code: "tsa.token_valid",
      genTime: GEN_TIME,
      tsa: expect.stringContaining("certdesk Timestamp Authority") as unknown,
    });
  });

  it("verifyTimestampToken catches other data, a changed token byte, and an untrusted root", async () => {
    expect(verifyTimestampToken(token, new TextEncoder().encode("x"), [root]).code).toBe(
      "tsa.imprint_mismatch",
    );
    // The genTime's last digit inside TSTInfo: the TSA's signature no longer covers it.
    const at = Buffer.from(token).indexOf(Buffer.from("20260302040506Z", "latin1"));
    expect(at).toBeGreaterThan(0);
    const tampered = token.slice();
    tampered[at + 13] = "7".charCodeAt(0);
    expect(verifyTimestampToken(tampered, DATA, [root]).code).toBe("tsa.signature_invalid");
    const other = await tsaUnder(algorithm);
    expect(verifyTimestampToken(token, DATA, [other.root]).code).toBe("tsa.untrusted");
  });
});

describe("TSA certificates and the client", () => {
  it("a certificate whose timeStamping EKU is not critical is not a TSA's (RFC 3161 section 2.3)", async () => {
    const { root, tsa } = await tsaUnder("rsa", false);
    const dir = new Workdir();
    try {
      dir.write("data", DATA);
      const q = openssl(["ts", "-query", "-data", "data", "-sha256", "-cert", "-out", "req.tsq"], dir.path);
      expect(q.code).toBe(0);
      const reply = await answerTimestampRequest(tsa, dir.read("req.tsq"), { serial: 1n, genTime: GEN_TIME });
      expect(verifyTimestampToken(readTimestampReply(reply), DATA, [root]).code).toBe(
        "tsa.not_a_tsa_certificate",
      );
    } finally {
      dir.remove();
    }
  });

  it("requestTimestamp posts a query and returns a token that verifies; garbage is rejected", async () => {
    const { root, tsa } = await tsaUnder("ecdsa-p256");
    let serial = 100n;
    const server: Server = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on("data", (c: Buffer) => parts.push(c));
      req.on("end", () => {
        void answerTimestampRequest(tsa, new Uint8Array(Buffer.concat(parts)), {
          serial: serial++,
          genTime: new Date(),
        }).then((reply) => {
          res.writeHead(200, { "content-type": TIMESTAMP_REPLY_TYPE });
          res.end(Buffer.from(reply));
        });
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tsa`;
      const token = await requestTimestamp(url, DATA);
      expect(verifyTimestampToken(token, DATA, [root]).valid).toBe(true);
      const rejected = await answerTimestampRequest(tsa, Uint8Array.of(0x30, 0x00), {
        serial: 1n,
        genTime: GEN_TIME,
      });
      expect(() => readTimestampReply(rejected)).toThrow(expect.objectContaining({ code: "tsa.rejected" }));
    } finally {
      server.close();
    }
  });
});
