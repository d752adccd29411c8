/**
 * Seals made by another implementation (ofdrw, Apache-2.0): proof that certdesk reads and verifies
 * seals it did not make. GB/T 38540-2020 (UserV4.esl) and GM/T 0031-2014 (UserV1.esl).
 */
import { describe, expect, it } from "vitest";
import { parseCertificate } from "../pki/certificate.js";
import { pemDecode } from "../pki/pem.js";
import { OID } from "../pki/oids.js";
import { parseSeal, sealBindsCertificate, verifySeal } from "./seal.js";
import type { SealCheckName, SealVerdict } from "./seal.js";
import { OFDRW_AT, readOfdrw } from "../../test/support/seal.js";

const statusOf = (v: SealVerdict, name: SealCheckName) => v.checks.find((c) => c.name === name);

/** Offset of needle in haystack, for flipping a byte inside a known field. */
function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  return Buffer.from(haystack).indexOf(Buffer.from(needle));
}

const flip = (der: Uint8Array, at: number): Uint8Array => {
  const copy = der.slice();
  copy[at]! ^= 0x01;
  return copy;
};

describe("ofdrw UserV4.esl (GB/T 38540-2020)", () => {
  const der = readOfdrw("UserV4.esl");

  it("parses the version 4 layout: header, property, picture, maker", () => {
    const seal = parseSeal(der);
    expect(seal.layout).toBe("v4");
    expect(seal.standard).toBe("GB/T 38540-2020");
    expect(seal.header).toEqual({ id: "ES", version: 4, vendor: "OFDR&WTest" });
    expect(seal.id).toBe("51f044b76510434e9bc67a1185c2fba5");
    expect(seal.name).toBe("OFD R&W 测试用印章");
    // ofdrw's test writes type 3, a value the standards leave to the application.
    expect(seal.type).toBe(3);
    expect(seal.typeName).toBe("other");
    expect(seal.certificateListType).toBe("certificates");
    expect(seal.boundCertificates).toHaveLength(1);
    expect(seal.createDate).toEqual(new Date("2020-04-22T02:09:00Z"));
    expect(seal.validStart).toEqual(new Date("2020-04-22T02:09:00Z"));
    expect(seal.validEnd).toEqual(new Date("2022-04-22T02:09:00Z"));
    expect(seal.picture.type).toBe("PNG");
    expect(seal.picture.widthMm).toBe(40);
    expect(seal.picture.heightMm).toBe(40);
    expect(Buffer.compare(seal.picture.data, readOfdrw("StampImg.png"))).toBe(0);
    expect(seal.signatureAlgorithm).toBe(OID.sm3WithSm2);
    expect(seal.maker.keyAlgorithm).toBe("sm2");
    expect(seal.maker.serialNumber.toLowerCase()).toBe("01719d2e201d");
  });

  it("the maker certificate is not the certificate in the list (DOMAIN.md)", () => {
    const seal = parseSeal(der);
    const bound = seal.boundCertificates[0]!;
    expect(bound.kind).toBe("certificate");
    if (bound.kind !== "certificate") return;
    expect(bound.certificate?.serialNumber.toLowerCase()).toBe("01719d2dab60");
    expect(Buffer.compare(bound.der, seal.maker.der)).not.toBe(0);
    expect(sealBindsCertificate(seal, bound.der)).toBe(true);
    expect(sealBindsCertificate(seal, seal.maker.der)).toBe(false);
    // ofdrw's other SM2 certificate is bound by neither seal.
    expect(sealBindsCertificate(seal, parseCertificate(readOfdrw("sign_cert.pem")).der)).toBe(false);
  });

  it("the maker signed DER(SES_SealInfo) alone", () => {
    const seal = parseSeal(der);
    // SES_SealInfo is the first field of SESeal: a SEQUENCE from offset 4 (long-form length).
    expect(Buffer.compare(seal.signedData, der.subarray(4, 4 + seal.signedData.length))).toBe(0);
    expect(seal.signedData[0]).toBe(0x30);
  });

  it("verifies at a moment inside its certificates' validity", () => {
    const verdict = verifySeal(der, { at: OFDRW_AT });
    expect(verdict.checks.map((c) => [c.name, c.status, c.code])).toEqual([
      ["structure", "pass", "seal.structure_ok"],
      ["makerSignature", "pass", "seal.maker_signature_valid"],
      ["makerCertificate", "pass", "seal.maker_certificate_valid"],
      ["validity", "pass", "seal.valid"],
      ["boundCertificates", "pass", "seal.certificates_bound"],
    ]);
    expect(verdict.valid).toBe(true);
  });

  it("today: the maker certificate has expired, reported and not thrown", () => {
    const verdict = verifySeal(der);
    expect(verdict.valid).toBe(false);
    expect(statusOf(verdict, "makerSignature")?.status).toBe("pass");
    expect(statusOf(verdict, "makerCertificate")).toMatchObject({
      status: "fail",
      code: "seal.maker_certificate_expired",
      params: { notAfter: "2022-04-21T14:39:38Z" },
    });
    expect(statusOf(verdict, "validity")).toMatchObject({ status: "fail", code: "seal.expired" });
  });

  it("before its validity: the seal is not yet valid", () => {
    const verdict = verifySeal(der, { at: new Date("2020-04-22T00:00:00Z") });
    expect(statusOf(verdict, "validity")).toMatchObject({ status: "fail", code: "seal.not_yet_valid" });
    expect(statusOf(verdict, "makerCertificate")?.status).toBe("pass");
  });

  it("a flipped byte in the signed picture: maker signature invalid", () => {
    const pictureAt = indexOf(der, readOfdrw("StampImg.png"));
    expect(pictureAt).toBeGreaterThan(0);
    const verdict = verifySeal(flip(der, pictureAt + 5000), { at: OFDRW_AT });
    expect(verdict.valid).toBe(false);
    expect(statusOf(verdict, "structure")?.status).toBe("pass");
    expect(statusOf(verdict, "makerSignature")).toMatchObject({
      status: "fail",
      code: "seal.maker_signature_invalid",
    });
  });

  it("a changed seal ID (in the signed part): maker signature invalid", () => {
    const idAt = indexOf(der, new TextEncoder().encode("51f044b7"));
    const verdict = verifySeal(flip(der, idAt), { at: OFDRW_AT });
    expect(parseSeal(flip(der, idAt)).id).toBe("41f044b76510434e9bc67a1185c2fba5");
    expect(statusOf(verdict, "makerSignature")?.code).toBe("seal.maker_signature_invalid");
  });

  it("a flipped byte in the signature value: maker signature invalid", () => {
    const verdict = verifySeal(flip(der, der.length - 1), { at: OFDRW_AT });
    expect(statusOf(verdict, "makerSignature")?.code).toBe("seal.maker_signature_invalid");
  });

  it("truncated or foreign data: structure invalid, the other checks skipped", () => {
    for (const bad of [
      der.subarray(0, 1000),
      readOfdrw("StampImg.png"),
      parseCertificate(readOfdrw("sign_cert.pem")).der,
    ]) {
      const verdict = verifySeal(bad, { at: OFDRW_AT });
      expect(verdict.valid).toBe(false);
      expect(verdict.seal).toBeUndefined();
      expect(verdict.checks[0]).toMatchObject({
        name: "structure",
        status: "fail",
        code: "seal.structure_invalid",
      });
      expect(verdict.checks.slice(1).every((c) => c.status === "skipped")).toBe(true);
    }
    expect(() => parseSeal(der.subarray(0, 100))).toThrowError(
      expect.objectContaining({ code: "seal.structure_invalid" }),
    );
  });
});

describe("ofdrw UserV1.esl (GM/T 0031-2014)", () => {
  const der = readOfdrw("UserV1.esl");

  it("parses the version 1 layout: signInfo, no certListType, UTCTime dates", () => {
    const seal = parseSeal(der);
    expect(seal.layout).toBe("v1");
    expect(seal.standard).toBe("GM/T 0031-2014");
    expect(seal.header).toEqual({ id: "ES", version: 1, vendor: "OFDR&WTest" });
    expect(seal.id).toBe("40C8CDD24DEF43388B86E62CCE1D6832");
    expect(seal.name).toBe("OFDRW测试用印章");
    expect(seal.typeName).toBe("organisation");
    expect(seal.certificateListType).toBe("certificates");
    expect(seal.validStart).toEqual(new Date("2020-04-22T02:18:07Z"));
    expect(seal.validEnd).toEqual(new Date("2022-04-22T02:18:07Z"));
    expect(seal.picture).toMatchObject({ type: "PNG", widthMm: 40, heightMm: 40 });
    expect(seal.signatureAlgorithm).toBe(OID.sm3WithSm2);
  });

  it("the maker signed DER(SEQUENCE { esealInfo, cert, signatureAlgorithm }), not esealInfo alone", () => {
    const seal = parseSeal(der);
    const info = der.subarray(4, 4 + 4 + 16377);
    expect(seal.signedData.length).toBeGreaterThan(info.length + seal.maker.der.length);
    expect(Buffer.from(seal.signedData).indexOf(Buffer.from(info))).toBe(4);
    expect(Buffer.from(seal.signedData).indexOf(Buffer.from(seal.maker.der))).toBeGreaterThan(info.length);
  });

  it("verifies at a moment inside its certificates' validity", () => {
    const verdict = verifySeal(der, { at: OFDRW_AT });
    expect(verdict.checks.every((c) => c.status === "pass")).toBe(true);
    expect(verdict.valid).toBe(true);
  });

  it("today: maker certificate expired and seal expired, signature still good", () => {
    const verdict = verifySeal(der);
    expect(verdict.valid).toBe(false);
    expect(statusOf(verdict, "makerSignature")?.status).toBe("pass");
    expect(statusOf(verdict, "makerCertificate")?.code).toBe("seal.maker_certificate_expired");
    expect(statusOf(verdict, "validity")?.code).toBe("seal.expired");
  });

  it("a flipped byte in the signed part: maker signature invalid", () => {
    const pictureAt = indexOf(der, readOfdrw("StampImg.png"));
    const verdict = verifySeal(flip(der, pictureAt + 100), { at: OFDRW_AT });
    expect(statusOf(verdict, "makerSignature")?.code).toBe("seal.maker_signature_invalid");
    // The maker certificate is signed too in v1: change a byte of its signature value.
    const makerDer = parseSeal(der).maker.der;
    const makerAt = indexOf(der, makerDer);
    const tampered = verifySeal(flip(der, makerAt + makerDer.length - 1), { at: OFDRW_AT });
    expect(statusOf(tampered, "makerSignature")?.code).toBe("seal.maker_signature_invalid");
  });
});

describe("ofdrw sign_cert.pem", () => {
  it("is an SM2 certificate but not a seal", () => {
    const cert = parseCertificate(
      pemDecode(new TextDecoder().decode(readOfdrw("sign_cert.pem")), "CERTIFICATE"),
    );
    expect(cert.keyAlgorithm).toBe("sm2");
    expect(verifySeal(cert.der).checks[0]?.code).toBe("seal.structure_invalid");
  });
});
