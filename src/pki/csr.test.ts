import { afterAll, describe, expect, it } from "vitest";
import { assertProofOfPossession, buildCsr, parseCsr, verifyCsr } from "./csr.js";
import { buildExtensions } from "./extensions.js";
import { pemEncode } from "./pem.js";
import { generateSoftwareKey } from "./signer.js";
import { SM2_DEFAULT_ID } from "./sm2.js";
import {
  ALGORITHMS,
  DISTID,
  ORGANISATION,
  USCC,
  Workdir,
  openssl,
  tamperLastByte,
} from "../../test/support/pki.js";

const SUBJECT = `/C=CN/ST=上海市/O=${ORGANISATION}/CN=${ORGANISATION}/serialNumber=${USCC}`;

describe.each(ALGORITHMS)("PKCS#10 requests with %s keys", (algorithm) => {
  const dir = new Workdir();
  afterAll(() => dir.remove());
  const key = generateSoftwareKey(algorithm);
  dir.write("key.pem", key.privateKey.export({ format: "pem", type: "pkcs8" }));
  const sm2Sign = algorithm === "sm2" ? ["-sm3", "-sigopt", DISTID] : [];

  it("accepts a request made by openssl req (proof of possession, RFC 2986 / RFC 4211 4)", () => {
    const r = openssl(
      ["req", "-new", "-key", "key.pem", "-utf8", "-subj", SUBJECT, ...sm2Sign, "-out", "openssl.csr"],
      dir.path,
    );
    expect(r.code).toBe(0);
    const csr = parseCsr(Buffer.from(dir.read("openssl.csr")).toString("utf8"));
    expect(verifyCsr(csr)).toBe(true);
    expect(csr.subject).toEqual({
      C: "CN",
      ST: "上海市",
      O: ORGANISATION,
      CN: ORGANISATION,
      serialNumber: USCC,
    });
    expect(csr.spki).toEqual(key.signer.publicKeySpki);
    expect(csr.keyAlgorithm).toBe(algorithm);
  });

  it("builds requests that openssl req -verify accepts", async () => {
    const der = await buildCsr({
      subject: { C: "CN", O: ORGANISATION, CN: ORGANISATION },
      signer: key.signer,
      extensions: buildExtensions({ keyUsage: ["digitalSignature"] }, { subjectKeyId: new Uint8Array(20) }),
    });
    dir.writePem("ours.csr", "CERTIFICATE REQUEST", der);
    const vfy = algorithm === "sm2" ? ["-vfyopt", DISTID] : [];
    const r = openssl(
      ["req", "-in", "ours.csr", "-noout", "-verify", "-text", "-nameopt", "utf8", ...vfy],
      dir.path,
    );
    expect(r.output).toMatch(/verify OK/);
    expect(r.output).toContain(`O=${ORGANISATION}`);
    expect(r.output).toContain("Requested Extensions");
    const csr = parseCsr(der);
    expect(verifyCsr(csr)).toBe(true);
    expect(csr.requestedExtensions?.keyUsage).toEqual(["digitalSignature"]);
  });

  it("rejects a request whose signature was tampered with", async () => {
    const der = await buildCsr({ subject: { CN: "x" }, signer: key.signer });
    const tampered = parseCsr(tamperLastByte(der));
    expect(verifyCsr(tampered)).toBe(false);
    expect(() => assertProofOfPossession(tampered)).toThrow(
      expect.objectContaining({ code: "pki.csr_signature_invalid" }),
    );
  });

  it("rejects a request signed by another key than the one it carries", async () => {
    const other = generateSoftwareKey(algorithm);
    const forged = await buildCsr({
      subject: { CN: "x" },
      signer: { ...other.signer, publicKeySpki: key.signer.publicKeySpki },
    });
    expect(verifyCsr(parseCsr(forged))).toBe(false);
  });
});

describe("SM2 requests and the signer ID", () => {
  const dir = new Workdir();
  afterAll(() => dir.remove());
  dir.write("key.pem", generateSoftwareKey("sm2").privateKey.export({ format: "pem", type: "pkcs8" }));

  it("OpenSSL 3.0 `req -sm3` without -sigopt signs with an EMPTY ID: refused by default, accepted on request", () => {
    expect(
      openssl(
        ["req", "-new", "-key", "key.pem", "-sm3", "-subj", "/CN=default id", "-out", "default.csr"],
        dir.path,
      ).code,
    ).toBe(0);
    const csr = parseCsr(Buffer.from(dir.read("default.csr")).toString("utf8"));
    expect(verifyCsr(csr)).toBe(false);
    expect(verifyCsr(csr, { sm2Ids: [SM2_DEFAULT_ID, ""] })).toBe(true);
    // and OpenSSL itself verifies it only under its own default, not under the standard ID
    expect(openssl(["req", "-in", "default.csr", "-noout", "-verify"], dir.path).output).toMatch(/verify OK/);
    expect(
      openssl(["req", "-in", "default.csr", "-noout", "-verify", "-vfyopt", DISTID], dir.path).output,
    ).toMatch(/verify failure/);
  });
});

describe("CSR input forms", () => {
  it("reads PEM with either label, PEM bytes, and DER; rejects junk with a code", async () => {
    const der = await buildCsr({
      subject: { CN: "forms" },
      signer: generateSoftwareKey("ecdsa-p256").signer,
    });
    const pem = pemEncode("NEW CERTIFICATE REQUEST", der);
    expect(parseCsr(pem).subject.CN).toBe("forms");
    expect(parseCsr(new TextEncoder().encode(pem)).subject.CN).toBe("forms");
    expect(parseCsr(der).subject.CN).toBe("forms");
    expect(() => parseCsr("not a csr")).toThrow(expect.objectContaining({ code: "pki.pem_malformed" }));
    expect(() => parseCsr(Uint8Array.of(0x30, 0x03, 1, 2, 3))).toThrow(
      expect.objectContaining({ code: "pki.csr_malformed" }),
    );
  });
});
