/**
 * Seals the parser has never seen: encoded here field by field with the bare DER helpers and
 * signed with sm2Sign, not with src/seal's encoder, and using forms certdesk itself never writes
 * (digest binding with a lower-case label, fractional seconds and zone offsets, a vendor
 * extension, an SVG picture, the GM/T 0031 layout). If the reader only understood its own
 * output, these would fail.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { buildCertificate } from "../pki/certificate.js";
import { TAG, bitString, octetString, oid, sequence, smallInteger, tlv, utf8String } from "../pki/der.js";
import { OID } from "../pki/oids.js";
import { randomSerial } from "../pki/serial.js";
import { sm2Signer } from "../pki/signer.js";
import { generateSm2KeyPair, sm2Sign } from "../pki/sm2.js";
import type { Sm2KeyPair } from "../pki/sm2.js";
import { parseSeal, sealBindsCertificate, verifySeal } from "./seal.js";
import { DATES, ORGANISATION, buildSealParties, handSealV1 } from "../../test/support/seal.js";
import type { HandMaker } from "../../test/support/seal.js";
import type { SealParties } from "../../test/support/seal.js";

const text = (tag: number, s: string): Uint8Array => tlv(tag, new TextEncoder().encode(s));
const ia5 = (s: string): Uint8Array => text(TAG.IA5_STRING, s);
const gtime = (s: string): Uint8Array => text(TAG.GENERALIZED_TIME, s);

const SVG = new TextEncoder().encode(
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 42 42"><circle cx="21" cy="21" r="19" fill="none" stroke="red" stroke-width="2"/></svg>',
);

let p: SealParties;
let makerKey: Sm2KeyPair;
let makerCert: Uint8Array;

beforeAll(async () => {
  p = await buildSealParties("sm2");
  makerKey = generateSm2KeyPair();
  makerCert = await buildCertificate({
    serialNumber: randomSerial(),
    subject: { C: "CN", O: "独立实现", CN: "hand-made seal maker" },
    subjectPublicKey: sm2Signer(makerKey).publicKeySpki,
    notBefore: DATES.notBefore,
    notAfter: DATES.notAfter,
    extensions: { basicConstraints: { ca: false }, keyUsage: ["digitalSignature"] },
    issuer: { certificate: p.root.cert },
    signer: p.root.signer,
  });
});

interface HandV4Options {
  critical?: boolean;
}

/** SES_SealInfo v4 as another vendor might write it. */
function handSealInfoV4(options: HandV4Options = {}): Uint8Array {
  const orgDigest = new Uint8Array(createHash("sha256").update(p.organisation.cert).digest());
  const extData = options.critical
    ? sequence(oid("2.999.7"), Uint8Array.of(TAG.BOOLEAN, 1, 0xff), octetString(Uint8Array.of(1, 2, 3)))
    : sequence(oid("2.999.7"), octetString(Uint8Array.of(1, 2, 3)));
  return sequence(
    sequence(ia5("ES"), smallInteger(4), ia5("HandMade")),
    ia5("hand-0001@example.cn"),
    sequence(
      smallInteger(1),
      utf8String(`${ORGANISATION}合同专用章`),
      smallInteger(2),
      sequence(sequence(text(TAG.PRINTABLE_STRING, "sha256"), octetString(orgDigest))),
      gtime("20250228083000.250Z"),
      gtime("20250301080000+0800"),
      gtime("20280301000000Z"),
    ),
    sequence(ia5("SVG"), octetString(SVG), smallInteger(42), smallInteger(42)),
    sequence(extData),
  );
}

const handSealV4 = (info: Uint8Array, signed: Uint8Array = info): Uint8Array =>
  sequence(
    info,
    octetString(makerCert),
    oid(OID.sm3WithSm2),
    bitString(sm2Sign(makerKey.privateKey, signed)),
  );

describe("a GB/T 38540 seal from an independent encoder", () => {
  it("parses every field, including forms certdesk never writes", () => {
    const seal = parseSeal(handSealV4(handSealInfoV4()));
    expect(seal.layout).toBe("v4");
    expect(seal.header).toEqual({ id: "ES", version: 4, vendor: "HandMade" });
    expect(seal.id).toBe("hand-0001@example.cn");
    expect(seal.name).toBe("上海示例供应链管理有限公司合同专用章");
    expect(seal.typeName).toBe("organisation");
    expect(seal.createDate).toEqual(new Date("2025-02-28T08:30:00.250Z"));
    // 08:00 at +08:00 is midnight UTC.
    expect(seal.validStart).toEqual(new Date("2025-03-01T00:00:00Z"));
    expect(seal.validEnd).toEqual(new Date("2028-03-01T00:00:00Z"));
    expect(seal.certificateListType).toBe("digests");
    expect(seal.boundCertificates[0]).toMatchObject({ kind: "digest", digestType: "sha256" });
    expect(seal.picture).toMatchObject({ type: "SVG", widthMm: 42, heightMm: 42 });
    expect(seal.extensions).toEqual([{ oid: "2.999.7", critical: false, value: Uint8Array.of(1, 2, 3) }]);
    expect(seal.maker.subject.CN).toBe("hand-made seal maker");
  });

  it("verifies, and binds the organisation's certificate by its SHA-256 digest", () => {
    const der = handSealV4(handSealInfoV4());
    const verdict = verifySeal(der, { at: DATES.checkAt });
    expect(verdict.checks.filter((c) => c.status !== "pass")).toEqual([]);
    expect(sealBindsCertificate(verdict.seal!, p.organisation.cert)).toBe(true);
    expect(sealBindsCertificate(verdict.seal!, p.stranger.cert)).toBe(false);
  });

  it("an unrecognised critical extension fails the structure check, not the signature", () => {
    const verdict = verifySeal(handSealV4(handSealInfoV4({ critical: true })), { at: DATES.checkAt });
    expect(verdict.valid).toBe(false);
    expect(verdict.checks[0]).toMatchObject({
      status: "fail",
      code: "seal.extension_critical_unknown",
      params: { oid: "2.999.7" },
    });
    expect(verdict.checks[1]?.status).toBe("pass");
  });

  it("signed with another signer ID: maker signature invalid", () => {
    const info = handSealInfoV4();
    const der = sequence(
      info,
      octetString(makerCert),
      oid(OID.sm3WithSm2),
      bitString(sm2Sign(makerKey.privateKey, info, { id: "ALICE123@YAHOO.COM" })),
    );
    expect(verifySeal(der, { at: DATES.checkAt }).checks[1]?.code).toBe("seal.maker_signature_invalid");
  });

  it("a header that is not ES, or a v4 layout claiming version 1: structure invalid", () => {
    const info = handSealInfoV4();
    const notEs = info.slice();
    const at = Buffer.from(notEs).indexOf(Buffer.from("ES"));
    notEs[at + 1] = "X".charCodeAt(0);
    expect(verifySeal(handSealV4(notEs), { at: DATES.checkAt }).checks[0]).toMatchObject({
      code: "seal.structure_invalid",
      params: { what: 'header.ID is "EX", not "ES"' },
    });
    const v1Claim = info.slice();
    v1Claim[at + 4] = 1; // the INTEGER after "ES": 02 01 04 -> 02 01 01
    expect(verifySeal(handSealV4(v1Claim), { at: DATES.checkAt }).checks[0]?.code).toBe(
      "seal.structure_invalid",
    );
  });
});

describe("a GM/T 0031 seal from an independent encoder", () => {
  const hand = (): HandMaker => ({ key: makerKey, cert: makerCert, bound: p.organisation.cert });

  it("parses and verifies", () => {
    const verdict = verifySeal(handSealV1(hand()), { at: DATES.checkAt });
    expect(verdict.checks.filter((c) => c.status !== "pass")).toEqual([]);
    const seal = verdict.seal!;
    expect(seal.layout).toBe("v1");
    expect(seal.name).toBe(ORGANISATION);
    expect(seal.validEnd).toEqual(new Date("2028-03-01T00:00:00Z"));
    expect(sealBindsCertificate(seal, p.organisation.cert)).toBe(true);
  });

  it("a v1 seal signed over esealInfo alone (the v4 rule) does not verify", () => {
    const verdict = verifySeal(handSealV1(hand(), "info-only"), { at: DATES.checkAt });
    expect(verdict.checks.find((c) => c.name === "makerSignature")?.code).toBe(
      "seal.maker_signature_invalid",
    );
  });
});
