/**
 * Seals certdesk makes: GB/T 38540-2020 version 4, signed by the CA's seal maker through the
 * Signer port (SM3withSM2 with ID 1234567812345678, or ecdsa-with-SHA256), judged by verifySeal
 * and by OpenSSL's asn1parse.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openssl, Workdir } from "../../test/support/pki.js";
import { generateSm2KeyPair } from "../pki/sm2.js";
import { sm2Signer } from "../pki/signer.js";
import type { KeyAlgorithm } from "../pki/signer.js";
import { buildSeal } from "./build.js";
import type { BuildSealInput } from "./build.js";
import { parseSeal, sealBindsCertificate, verifySeal } from "./seal.js";
import { DATES, ORGANISATION, buildSealParties, redSealPng } from "../../test/support/seal.js";
import type { SealParties } from "../../test/support/seal.js";

const PNG = redSealPng();

function input(p: SealParties, overrides: Partial<BuildSealInput> = {}): BuildSealInput {
  return {
    id: `certdesk-${p.algorithm}-0001`,
    type: "official",
    name: ORGANISATION,
    boundCertificates: [p.organisation.cert],
    validStart: DATES.sealStart,
    validEnd: DATES.sealEnd,
    createdAt: DATES.createdAt,
    picture: { type: "PNG", data: PNG, widthMm: 40, heightMm: 40 },
    maker: { certificate: p.maker.cert, signer: p.maker.signer },
    vendor: "certdesk",
    ...overrides,
  };
}

const MAKERS: readonly KeyAlgorithm[] = ["sm2", "ecdsa-p256"];

describe.each(MAKERS)("buildSeal with a %s seal maker", (algorithm) => {
  let p: SealParties;
  let dir: Workdir;
  beforeAll(async () => {
    p = await buildSealParties(algorithm);
    dir = new Workdir();
  });
  afterAll(() => dir.remove());

  it("makes a seal that verifies, with every field as given", async () => {
    const der = await buildSeal(input(p));
    const verdict = verifySeal(der, { at: DATES.checkAt });
    expect(verdict.checks.map((c) => `${c.name}:${c.status}`)).toEqual([
      "structure:pass",
      "makerSignature:pass",
      "makerCertificate:pass",
      "validity:pass",
      "boundCertificates:pass",
    ]);
    expect(verdict.valid).toBe(true);
    const seal = verdict.seal!;
    expect(seal.layout).toBe("v4");
    expect(seal.header).toEqual({ id: "ES", version: 4, vendor: "certdesk" });
    expect(seal.id).toBe(`certdesk-${algorithm}-0001`);
    expect(seal.name).toBe("上海示例供应链管理有限公司");
    expect(seal.typeName).toBe("organisation");
    expect(seal.createDate).toEqual(DATES.createdAt);
    expect(seal.validStart).toEqual(DATES.sealStart);
    expect(seal.validEnd).toEqual(DATES.sealEnd);
    expect(seal.picture).toMatchObject({ type: "PNG", widthMm: 40, heightMm: 40 });
    expect(Buffer.compare(seal.picture.data, PNG)).toBe(0);
    expect(seal.signatureAlgorithmName).toBe(algorithm === "sm2" ? "SM3withSM2" : "ecdsa-with-SHA256");
    // The maker signs; the organisation's certificate is what the seal binds.
    expect(Buffer.compare(seal.maker.der, p.maker.cert)).toBe(0);
    expect(sealBindsCertificate(seal, p.organisation.cert)).toBe(true);
    expect(sealBindsCertificate(seal, p.maker.cert)).toBe(false);
    expect(sealBindsCertificate(seal, p.stranger.cert)).toBe(false);
    // GB/T 38540: the signature covers DER(SES_SealInfo) alone.
    expect(Buffer.compare(seal.signedData, der.subarray(4, 4 + seal.signedData.length))).toBe(0);
  });

  it("has the GB/T 38540 structure under openssl asn1parse", async () => {
    const file = dir.write(`seal-${algorithm}.esl`, await buildSeal(input(p)));
    const r = openssl(["asn1parse", "-inform", "DER", "-i", "-in", file], dir.path);
    expect(r.code).toBe(0);
    // "d=<depth> <type> <value>", from lines like "   10:d=3  hl=2 l=   2 prim:    IA5STRING   :ES"
    const lines = r.output
      .split("\n")
      .map((l) => /d=(\d+)\s+hl=\s*\d+\s+l=\s*\d+\s+(?:prim|cons):\s+([^:]+?)\s*(?::(.*))?$/.exec(l))
      .filter((m) => m !== null)
      // hex dumps (certificates, pictures) are left out: only their type matters here
      .map((m) =>
        m[2]!.endsWith("[HEX DUMP]")
          ? `d=${m[1]} ${m[2]!.replace(/\s*\[HEX DUMP\]$/, "")}`
          : [`d=${m[1]}`, m[2], m[3]].filter((x) => x !== undefined).join(" "),
      );
    // SESeal { SES_SealInfo { SES_Header { "ES", 4, Vid }, esID, property, picture }, cert, alg, signature }
    expect(lines.slice(0, 7)).toEqual([
      "d=0 SEQUENCE",
      "d=1 SEQUENCE",
      "d=2 SEQUENCE",
      "d=3 IA5STRING ES",
      "d=3 INTEGER 04",
      "d=3 IA5STRING certdesk",
      `d=2 IA5STRING certdesk-${algorithm}-0001`,
    ]);
    expect(lines.filter((l) => l.startsWith("d=1 "))).toEqual([
      "d=1 SEQUENCE",
      "d=1 OCTET STRING",
      `d=1 OBJECT ${algorithm === "sm2" ? "SM2-with-SM3" : "ecdsa-with-SHA256"}`,
      "d=1 BIT STRING",
    ]);
    expect(r.output).toMatch(/IA5STRING\s+:certdesk-/);
    expect(r.output).toMatch(/UTF8STRING\s+:上海示例供应链管理有限公司/);
    expect(r.output).toMatch(/GENERALIZEDTIME\s+:20250301000000Z/);
    expect(r.output).toMatch(/GENERALIZEDTIME\s+:20280301000000Z/);
    expect(r.output).toMatch(/IA5STRING\s+:PNG/);
    expect(r.output).toMatch(/INTEGER\s+:28\n[^\n]*INTEGER\s+:28/);
    expect(r.output).toMatch(algorithm === "sm2" ? /OBJECT\s+:SM2-with-SM3/ : /OBJECT\s+:ecdsa-with-SHA256/);
    expect(r.output).toMatch(/d=1 .*BIT STRING/);
  });

  it("binds by certificate digest when asked (certListType 2)", async () => {
    const der = await buildSeal(input(p, { certificateList: "digests" }));
    const seal = parseSeal(der);
    expect(seal.certificateListType).toBe("digests");
    expect(seal.boundCertificates[0]).toMatchObject({
      kind: "digest",
      digestType: algorithm === "sm2" ? "SM3" : "SHA256",
    });
    expect(sealBindsCertificate(seal, p.organisation.cert)).toBe(true);
    expect(sealBindsCertificate(seal, p.stranger.cert)).toBe(false);
    const verdict = verifySeal(der, { at: DATES.checkAt });
    expect(verdict.valid).toBe(true);
    expect(verdict.checks[4]?.code).toBe("seal.certificate_digests_bound");
  });

  it("outside its validity and after the maker certificate: each reported", async () => {
    const der = await buildSeal(input(p));
    const early = verifySeal(der, { at: new Date("2025-02-01T00:00:00Z") });
    expect(early.checks.find((c) => c.name === "validity")?.code).toBe("seal.not_yet_valid");
    const late = verifySeal(der, { at: new Date("2031-01-01T00:00:00Z") });
    expect(late.checks.find((c) => c.name === "validity")?.code).toBe("seal.expired");
    expect(late.checks.find((c) => c.name === "makerCertificate")?.code).toBe(
      "seal.maker_certificate_expired",
    );
    const beforeCert = verifySeal(der, { at: new Date("2024-12-31T00:00:00Z") });
    expect(beforeCert.checks.find((c) => c.name === "makerCertificate")?.code).toBe(
      "seal.maker_certificate_not_yet_valid",
    );
  });

  it("refuses a signer whose key is not the maker certificate's", async () => {
    await expect(
      buildSeal(input(p, { maker: { certificate: p.maker.cert, signer: p.organisation.signer } })),
    ).rejects.toMatchObject({
      code: "seal.maker_key_mismatch",
    });
  });

  it("refuses bad input before signing", async () => {
    const cases: [Partial<BuildSealInput>, string][] = [
      [{ id: "印章-1" }, "seal.value_not_ia5"],
      [{ vendor: "certdesk\n" }, "seal.value_not_ia5"],
      [{ name: "  " }, "seal.build_invalid"],
      [{ boundCertificates: [] }, "seal.build_invalid"],
      [{ boundCertificates: [PNG] }, "seal.build_invalid"],
      [{ boundCertificates: [p.maker.cert] }, "seal.build_invalid"],
      [{ validEnd: DATES.sealStart }, "seal.build_invalid"],
      [
        { picture: { type: "PNG", data: new Uint8Array([1, 2, 3]), widthMm: 40, heightMm: 40 } },
        "seal.picture_invalid",
      ],
      [{ picture: { type: "PNG", data: PNG, widthMm: 400 * 12, heightMm: 40 } }, "seal.build_invalid"],
      [{ picture: { type: "PNG", data: PNG, widthMm: 40.5, heightMm: 40 } }, "seal.build_invalid"],
    ];
    for (const [overrides, code] of cases) {
      await expect(
        buildSeal(input(p, overrides)),
        JSON.stringify(Object.keys(overrides)),
      ).rejects.toMatchObject({ code });
    }
  });
});

describe("buildSeal refusals that depend on the algorithm", () => {
  it("an SM2 maker signing with another signer ID: caught before the seal leaves", async () => {
    const p = await buildSealParties("sm2");
    // Re-issue the maker with a key whose Signer uses a non-default ID.
    const pair = generateSm2KeyPair();
    const odd = sm2Signer(pair, { id: "certdesk-other-id" });
    const honest = sm2Signer(pair);
    const { buildCertificate } = await import("../pki/certificate.js");
    const { randomSerial } = await import("../pki/serial.js");
    const cert = await buildCertificate({
      serialNumber: randomSerial(),
      subject: { C: "CN", CN: "maker with an odd ID" },
      subjectPublicKey: honest.publicKeySpki,
      notBefore: DATES.notBefore,
      notAfter: DATES.notAfter,
      extensions: { basicConstraints: { ca: false }, keyUsage: ["digitalSignature"] },
      issuer: { certificate: p.root.cert },
      signer: p.root.signer,
    });
    await expect(buildSeal(input(p, { maker: { certificate: cert, signer: odd } }))).rejects.toMatchObject({
      code: "seal.maker_signer_failed",
    });
    const good = await buildSeal(input(p, { maker: { certificate: cert, signer: honest } }));
    expect(verifySeal(good, { at: DATES.checkAt }).valid).toBe(true);
  });

  it("an RSA maker is refused: seals are SM2 (or ECDSA for platforms without SM2)", async () => {
    const p = await buildSealParties("rsa");
    await expect(buildSeal(input(p))).rejects.toMatchObject({ code: "seal.maker_algorithm_unsupported" });
  });
});
