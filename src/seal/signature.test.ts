/**
 * SES_Signature: a seal applied to a document digest. GB/T 38540-2020 section on TBS_Sign: the
 * signer signs DER(TBS_Sign), which holds the whole seal, the signing time and the document digest.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { TAG, bitString, octetString, oid, sequence, smallInteger, tlv } from "../pki/der.js";
import { OID } from "../pki/oids.js";
import { sm2Signer } from "../pki/signer.js";
import type { KeyAlgorithm } from "../pki/signer.js";
import { generateSm2KeyPair, sm2Sign } from "../pki/sm2.js";
import { buildCertificate } from "../pki/certificate.js";
import { randomSerial } from "../pki/serial.js";
import { Workdir, openssl } from "../../test/support/pki.js";
import { buildSeal } from "./build.js";
import { buildSealSignature, parseSealSignature, verifySealSignature } from "./signature.js";
import type { SealSignatureCheckName, SealSignatureVerdict } from "./signature.js";
import { encodeSESSignatureV4, encodeTbsSignV4 } from "./signature-asn1.js";
import { sealFileKind, verifySealFile } from "./verify-file.js";
import {
  DATES,
  ORGANISATION,
  buildSealParties,
  handSealV1,
  ia5,
  readOfdrw,
  redSealPng,
} from "../../test/support/seal.js";
import type { SealParties } from "../../test/support/seal.js";

const DOCUMENT = new TextEncoder().encode(
  "<?xml version='1.0' encoding='UTF-8'?><ofd:Signature>采购合同 2026-001：上海示例供应链管理有限公司</ofd:Signature>",
);
const SIGNED_AT = new Date("2025-06-01T09:30:00Z");

const check = (v: SealSignatureVerdict, name: SealSignatureCheckName) =>
  v.checks.find((c) => c.name === name);

async function sealFor(p: SealParties): Promise<Uint8Array> {
  return buildSeal({
    id: `sig-test-${p.algorithm}`,
    type: "contract",
    name: `${ORGANISATION}合同专用章`,
    boundCertificates: [p.organisation.cert],
    validStart: DATES.sealStart,
    validEnd: DATES.sealEnd,
    createdAt: DATES.createdAt,
    picture: { type: "PNG", data: redSealPng(), widthMm: 40, heightMm: 40 },
    maker: { certificate: p.maker.cert, signer: p.maker.signer },
    vendor: "certdesk",
  });
}

describe.each(["sm2", "ecdsa-p256"] as KeyAlgorithm[])("SES_Signature with %s keys", (algorithm) => {
  let p: SealParties;
  let seal: Uint8Array;
  let signature: Uint8Array;
  let dir: Workdir;
  beforeAll(async () => {
    p = await buildSealParties(algorithm);
    seal = await sealFor(p);
    signature = await buildSealSignature({
      seal,
      document: DOCUMENT,
      signer: { certificate: p.organisation.cert, signer: p.organisation.signer },
      signedAt: SIGNED_AT,
      propertyInfo: "/Doc_0/Signs/Sign_0/Signature.xml",
    });
    dir = new Workdir();
  });
  afterAll(() => dir.remove());

  it("verifies with the document, every check passing", () => {
    const verdict = verifySealSignature(signature, { at: DATES.checkAt, document: DOCUMENT });
    expect(verdict.checks.map((c) => `${c.name}:${c.status}`)).toEqual([
      "structure:pass",
      "seal:pass",
      "signerSignature:pass",
      "signerCertificate:pass",
      "binding:pass",
      "signingTime:pass",
      "document:pass",
    ]);
    expect(verdict.valid).toBe(true);
    expect(verdict.seal?.valid).toBe(true);
    expect(check(verdict, "document")?.params.algorithm).toBe(algorithm === "sm2" ? "SM3" : "SHA-256");
    const view = verdict.signature!;
    expect(view.signedAt).toEqual(SIGNED_AT);
    expect(view.propertyInfo).toBe("/Doc_0/Signs/Sign_0/Signature.xml");
    expect(Buffer.compare(view.seal.der, seal)).toBe(0);
    const hash = createHash(algorithm === "sm2" ? "sm3" : "sha256")
      .update(DOCUMENT)
      .digest();
    expect(Buffer.compare(view.dataHash, hash)).toBe(0);
  });

  it("a changed document byte is reported; the rest still verifies", () => {
    const changed = DOCUMENT.slice();
    changed[changed.length - 20]! ^= 0x01;
    const verdict = verifySealSignature(signature, { at: DATES.checkAt, document: changed });
    expect(verdict.valid).toBe(false);
    expect(verdict.checks.filter((c) => c.status === "fail").map((c) => c.code)).toEqual([
      "seal.document_mismatch",
    ]);
  });

  it("without the document: the document check is skipped, not failed", () => {
    const verdict = verifySealSignature(signature, { at: DATES.checkAt });
    expect(check(verdict, "document")).toMatchObject({ status: "skipped", code: "seal.document_not_given" });
    expect(verdict.valid).toBe(true);
  });

  it("a flipped byte in TBS_Sign (propertyInfo): signer signature invalid", () => {
    const tampered = signature.slice();
    const at = Buffer.from(tampered).indexOf(Buffer.from("/Doc_0/"));
    tampered[at + 1]! ^= 0x01;
    const verdict = verifySealSignature(tampered, { at: DATES.checkAt, document: DOCUMENT });
    expect(check(verdict, "signerSignature")?.code).toBe("seal.signer_signature_invalid");
    expect(check(verdict, "seal")?.status).toBe("pass");
  });

  it("a flipped byte in the embedded seal: the seal and the signer signature both fail", () => {
    const tampered = signature.slice();
    const at = Buffer.from(tampered).indexOf(Buffer.from(`sig-test-${algorithm}`));
    tampered[at]! ^= 0x01;
    const verdict = verifySealSignature(tampered, { at: DATES.checkAt, document: DOCUMENT });
    expect(check(verdict, "seal")?.code).toBe("seal.embedded_seal_invalid");
    expect(verdict.seal?.checks.find((c) => c.name === "makerSignature")?.code).toBe(
      "seal.maker_signature_invalid",
    );
    expect(check(verdict, "signerSignature")?.code).toBe("seal.signer_signature_invalid");
  });

  it("a signer the seal does not bind: refused when building, reported when verifying", async () => {
    await expect(
      buildSealSignature({
        seal,
        document: DOCUMENT,
        signer: { certificate: p.stranger.cert, signer: p.stranger.signer },
        signedAt: SIGNED_AT,
        propertyInfo: "x",
      }),
    ).rejects.toMatchObject({ code: "seal.certificate_not_bound" });
    const tbs = encodeTbsSignV4({
      sealDer: seal,
      timeInfo: SIGNED_AT,
      dataHash: createHash(algorithm === "sm2" ? "sm3" : "sha256")
        .update(DOCUMENT)
        .digest(),
      propertyInfo: "x",
    });
    const forged = encodeSESSignatureV4(
      tbs,
      p.stranger.cert,
      p.stranger.signer.algorithm.algorithm,
      await p.stranger.signer.sign(tbs),
    );
    const verdict = verifySealSignature(forged, { at: DATES.checkAt, document: DOCUMENT });
    expect(verdict.valid).toBe(false);
    expect(check(verdict, "signerSignature")?.status).toBe("pass");
    expect(check(verdict, "binding")).toMatchObject({ status: "fail", code: "seal.certificate_not_bound" });
  });

  it("a signing time outside the seal's validity, or after the check time, is reported", async () => {
    const early = await buildSealSignature({
      seal,
      document: DOCUMENT,
      signer: { certificate: p.organisation.cert, signer: p.organisation.signer },
      signedAt: new Date("2025-02-01T00:00:00Z"),
      propertyInfo: "early",
    });
    expect(check(verifySealSignature(early, { at: DATES.checkAt }), "signingTime")?.code).toBe(
      "seal.signing_time_outside_seal",
    );
    expect(
      check(verifySealSignature(signature, { at: new Date("2025-05-01T00:00:00Z") }), "signingTime")?.code,
    ).toBe("seal.signing_time_future");
  });

  it("TBS_Sign extDatas ([0] EXPLICIT): read back; a critical one fails the structure check", async () => {
    const make = async (critical: boolean) => {
      const tbs = encodeTbsSignV4({
        sealDer: seal,
        timeInfo: SIGNED_AT,
        dataHash: createHash(algorithm === "sm2" ? "sm3" : "sha256")
          .update(DOCUMENT)
          .digest(),
        propertyInfo: "ext",
        extensions: [{ oid: "2.999.9", critical, value: Uint8Array.of(7) }],
      });
      const sig = await p.organisation.signer.sign(tbs);
      return encodeSESSignatureV4(tbs, p.organisation.cert, p.organisation.signer.algorithm.algorithm, sig);
    };
    const plain = verifySealSignature(await make(false), { at: DATES.checkAt, document: DOCUMENT });
    expect(plain.valid).toBe(true);
    expect(plain.signature?.extensions).toEqual([
      { oid: "2.999.9", critical: false, value: Uint8Array.of(7) },
    ]);
    const critical = verifySealSignature(await make(true), { at: DATES.checkAt, document: DOCUMENT });
    expect(critical.checks[0]).toMatchObject({ status: "fail", code: "seal.extension_critical_unknown" });
    expect(check(critical, "signerSignature")?.status).toBe("pass");
  });

  it("has the GB/T 38540 SES_Signature structure under openssl asn1parse", () => {
    const file = dir.write(`signature-${algorithm}.dat`, signature);
    const r = openssl(["asn1parse", "-inform", "DER", "-i", "-in", file], dir.path);
    expect(r.code).toBe(0);
    const top = r.output
      .split("\n")
      .map((l) => /d=([12])\s+hl=\s*\d+\s+l=\s*\d+\s+(?:prim|cons):\s+([A-Z0-9]+(?: [A-Z0-9]+)*)/.exec(l))
      .filter((m) => m !== null)
      .map((m) => `d=${m[1]} ${m[2]}`);
    // SES_Signature { TBS_Sign { 4, SESeal, timeInfo, dataHash, propertyInfo }, cert, alg, signature }
    expect(top).toEqual([
      "d=1 SEQUENCE",
      "d=2 INTEGER",
      "d=2 SEQUENCE",
      "d=2 GENERALIZEDTIME",
      "d=2 BIT STRING",
      "d=2 IA5STRING",
      "d=1 OCTET STRING",
      "d=1 OBJECT",
      "d=1 BIT STRING",
    ]);
    expect(r.output).toMatch(/GENERALIZEDTIME\s+:20250601093000Z/);
  });

  it("verifySealFile tells a signature from a seal", () => {
    expect(sealFileKind(signature)).toBe("signature");
    expect(sealFileKind(seal)).toBe("seal");
    expect(verifySealFile(signature, { at: DATES.checkAt, document: DOCUMENT })).toMatchObject({
      kind: "signature",
      verdict: { valid: true },
    });
    expect(verifySealFile(seal, { at: DATES.checkAt })).toMatchObject({
      kind: "seal",
      verdict: { valid: true },
    });
  });
});

describe("SES_Signature from an independent encoder (GM/T 0031 layout)", () => {
  it("verifies: signer certificate and algorithm inside TBS_Sign, time as text in a BIT STRING", async () => {
    const p = await buildSealParties("sm2");
    const makerKey = generateSm2KeyPair();
    const makerCert = await buildCertificate({
      serialNumber: randomSerial(),
      subject: { C: "CN", CN: "hand-made v1 maker" },
      subjectPublicKey: sm2Signer(makerKey).publicKeySpki,
      notBefore: DATES.notBefore,
      notAfter: DATES.notAfter,
      extensions: { basicConstraints: { ca: false }, keyUsage: ["digitalSignature"] },
      issuer: { certificate: p.root.cert },
      signer: p.root.signer,
    });
    // The organisation's key, as raw SM2 for sm2Sign: a fresh one with its own certificate.
    const orgKey = generateSm2KeyPair();
    const orgCert = await buildCertificate({
      serialNumber: randomSerial(),
      subject: { C: "CN", O: ORGANISATION, CN: ORGANISATION },
      subjectPublicKey: sm2Signer(orgKey).publicKeySpki,
      notBefore: DATES.notBefore,
      notAfter: DATES.notAfter,
      extensions: { basicConstraints: { ca: false }, keyUsage: ["digitalSignature", "nonRepudiation"] },
      issuer: { certificate: p.root.cert },
      signer: p.root.signer,
    });
    const seal = handSealV1({ key: makerKey, cert: makerCert, bound: orgCert });
    const tbs = sequence(
      smallInteger(1),
      seal,
      bitString(new TextEncoder().encode("250601093000Z")),
      bitString(new Uint8Array(createHash("sm3").update(DOCUMENT).digest())),
      ia5("contract-2026-001"),
      octetString(orgCert),
      oid(OID.sm3WithSm2),
    );
    const der = sequence(tbs, bitString(sm2Sign(orgKey.privateKey, tbs)));

    const view = parseSealSignature(der);
    expect(view.layout).toBe("v1");
    expect(view.signedAt).toEqual(SIGNED_AT);
    expect(view.seal.layout).toBe("v1");
    const verdict = verifySealSignature(der, { at: DATES.checkAt, document: DOCUMENT });
    expect(verdict.checks.filter((c) => c.status !== "pass")).toEqual([]);
    expect(sealFileKind(der)).toBe("signature");

    // A DER UTCTime inside the BIT STRING reads the same.
    const tbs2 = sequence(
      smallInteger(1),
      seal,
      bitString(tlv(TAG.UTC_TIME, new TextEncoder().encode("250601093000Z"))),
      bitString(new Uint8Array(createHash("sm3").update(DOCUMENT).digest())),
      ia5("contract-2026-001"),
      octetString(orgCert),
      oid(OID.sm3WithSm2),
    );
    expect(parseSealSignature(sequence(tbs2, bitString(sm2Sign(orgKey.privateKey, tbs2)))).signedAt).toEqual(
      SIGNED_AT,
    );
  });
});

describe("not an SES_Signature", () => {
  it("reports the structure, skips the rest", () => {
    const verdict = verifySealSignature(readOfdrw("StampImg.png"));
    expect(verdict.valid).toBe(false);
    expect(verdict.checks[0]).toMatchObject({
      name: "structure",
      status: "fail",
      code: "seal.structure_invalid",
    });
    expect(verdict.checks.slice(1).every((c) => c.status === "skipped")).toBe(true);
  });
});
