/**
 * Profiles as data turned into templates, and the check before signing: every refusal has its own
 * code, and a template made from the profile passes.
 */
import { generateKeyPairSync } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import type { CertificateProfile } from "../domain/programme.js";
import { demoProgrammesPath, readProgrammesFile } from "../store/programme-files.js";
import { parseCertificate, type CertificateTemplate, type CertificateView } from "./certificate.js";
import { OID } from "./oids.js";
import { checkAgainstProfile, extensionsFor, regionOfAddress, subjectFor } from "./profile.js";
import { generateSoftwareKey } from "./signer.js";
import { DATES, ORGANISATION, USCC, buildHierarchy } from "../../test/support/pki.js";

const [procurement] = readProgrammesFile(demoProgrammesPath);
const profiles = procurement!.certificates!.profiles;
const signing = profiles.find((p) => p.id === "organisation-signing")!;
const encryption = profiles.find((p) => p.id === "organisation-encryption")!;
const organisation = { name: ORGANISATION, uscc: USCC, address: "上海市浦东新区示例路 1 号" };
const locations = {
  crl: "http://desk.example/crl/sub.crl",
  ocsp: "http://desk.example/ocsp",
  caIssuers: "http://desk.example/ca/sub.crt",
};

let ca: { view: CertificateView };
let ee: CertificateView;
beforeAll(async () => {
  const h = await buildHierarchy("sm2");
  ca = { view: parseCertificate(h.sub.cert) };
  ee = parseCertificate(h.ee.cert);
});

function template(
  profile: CertificateProfile = signing,
  change: Partial<CertificateTemplate> = {},
): CertificateTemplate {
  return {
    serialNumber: "4f01",
    subject: subjectFor(profile, organisation),
    subjectPublicKey: generateSoftwareKey("sm2").signer.publicKeySpki,
    notBefore: DATES.checkAt,
    notAfter: new Date("2029-01-01T15:59:59Z"),
    extensions: extensionsFor(profile, USCC, locations),
    ...change,
  };
}

const refusal = (fn: () => void): string => {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
  return "accepted";
};

describe("regionOfAddress: province and city from a registered address", () => {
  it("reads a province and its city, a municipality twice, and guesses nothing else", () => {
    expect(regionOfAddress("广东省广州市天河区示例路 1 号")).toEqual({ province: "广东省", city: "广州市" });
    expect(regionOfAddress("上海市浦东新区示例路 1 号")).toEqual({ province: "上海市", city: "上海市" });
    expect(regionOfAddress("新疆维吾尔自治区乌鲁木齐市天山区")).toEqual({
      province: "新疆维吾尔自治区",
      city: "乌鲁木齐市",
    });
    expect(regionOfAddress("示例路 1 号")).toEqual({});
    expect(regionOfAddress(null)).toEqual({});
  });
});

describe("templates from the demo profiles", () => {
  it("the subject names the organisation on file, with the USCC where the profile says", () => {
    expect(subjectFor(signing, organisation)).toEqual({
      C: "CN",
      ST: "上海市",
      L: "上海市",
      O: ORGANISATION,
      CN: ORGANISATION,
      serialNumber: USCC,
    });
    const gm = extensionsFor(signing, USCC, locations).gmIdentity;
    expect(gm).toEqual({ organizationCode: USCC });
  });

  it("the profile's defaults fill in when the address names no province", () => {
    const withDefaults = {
      ...signing,
      subject: { ...signing.subject, defaultProvince: "示例省", defaultCity: "示例市" },
    };
    expect(subjectFor(withDefaults, { ...organisation, address: null })).toMatchObject({
      ST: "示例省",
      L: "示例市",
    });
  });

  it("a template made from its profile passes the check (signing and encryption)", () => {
    expect(refusal(() => checkAgainstProfile(template(), signing, ca))).toBe("accepted");
    expect(refusal(() => checkAgainstProfile(template(encryption), encryption, ca))).toBe("accepted");
  });
});

describe("checkAgainstProfile refuses before anything is signed", () => {
  it("a key algorithm the profile does not take (P-256 on an SM2/RSA profile)", () => {
    const p256 = generateSoftwareKey("ecdsa-p256").signer.publicKeySpki;
    expect(
      refusal(() => checkAgainstProfile(template(signing, { subjectPublicKey: p256 }), signing, ca)),
    ).toBe("issuance.key_algorithm_not_allowed");
  });

  it("an RSA key below 2048 bits, whatever the profile data says", () => {
    const { publicKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
    const spki = new Uint8Array(publicKey.export({ format: "der", type: "spki" }));
    expect(
      refusal(() => checkAgainstProfile(template(signing, { subjectPublicKey: spki }), signing, ca)),
    ).toBe("issuance.rsa_key_too_small");
  });

  it("a key that is not a key", () => {
    const broken = generateSoftwareKey("sm2").signer.publicKeySpki.slice();
    broken[broken.length - 1]! ^= 0xff;
    expect(
      refusal(() => checkAgainstProfile(template(signing, { subjectPublicKey: broken }), signing, ca)),
    ).toBe("issuance.public_key_invalid");
  });

  it("wrong key usage or extended key usage (RFC 5280 4.2.1.3, 4.2.1.12)", () => {
    const t = template();
    const wrongKu: CertificateTemplate = {
      ...t,
      extensions: { ...t.extensions, keyUsage: ["digitalSignature", "keyEncipherment"] },
    };
    expect(refusal(() => checkAgainstProfile(wrongKu, signing, ca))).toBe("issuance.key_usage_mismatch");
    const wrongEku = { ...t, extensions: { ...t.extensions, extendedKeyUsage: [OID.kpServerAuth] } };
    expect(refusal(() => checkAgainstProfile(wrongEku, signing, ca))).toBe(
      "issuance.extended_key_usage_mismatch",
    );
  });

  it("a CA certificate asked for through an end-entity profile", () => {
    const t = template();
    const asCa = { ...t, extensions: { ...t.extensions, basicConstraints: { ca: true as const } } };
    expect(refusal(() => checkAgainstProfile(asCa, signing, ca))).toBe("issuance.not_end_entity");
  });

  it("validity past the issuing CA's notAfter, or before its notBefore", () => {
    const past = template(signing, { notAfter: new Date(ca.view.notAfter.getTime() + 1000) });
    expect(refusal(() => checkAgainstProfile(past, signing, ca))).toBe("issuance.validity_past_ca");
    const early = template(signing, { notBefore: new Date(ca.view.notBefore.getTime() - 1000) });
    expect(refusal(() => checkAgainstProfile(early, signing, ca))).toBe("issuance.validity_before_ca");
  });

  it("an issuer that is not a CA", () => {
    expect(refusal(() => checkAgainstProfile(template(), signing, { view: ee }))).toBe(
      "issuance.issuer_not_ca",
    );
  });

  it("each required extension missing: policies, CRL DP, AIA, the GM/T 0015 USCC, the subject serialNumber", () => {
    const t = template();
    const without = (extensions: Partial<CertificateTemplate["extensions"]>) => ({
      ...t,
      extensions: { ...t.extensions, ...extensions },
    });
    const cases: [CertificateTemplate, string][] = [
      [without({ certificatePolicies: [] }), "certificatePolicies"],
      [without({ crlDistributionPoints: [] }), "cRLDistributionPoints"],
      [without({ authorityInfoAccess: { caIssuers: [locations.caIssuers] } }), "authorityInfoAccess (OCSP)"],
      [without({ authorityInfoAccess: { ocsp: [locations.ocsp] } }), "authorityInfoAccess (caIssuers)"],
      [without({ gmIdentity: {} }), "GM/T 0015 organizationCode"],
      [
        { ...t, subject: { ...subjectFor(signing, organisation), serialNumber: undefined } },
        "subject serialNumber",
      ],
    ];
    for (const [bad, extension] of cases) {
      try {
        checkAgainstProfile(bad, signing, ca);
        expect.unreachable(extension);
      } catch (e) {
        expect(e).toMatchObject({ code: "issuance.extension_missing" });
        expect(String((e as { params: { extension: string } }).params.extension)).toContain(extension);
      }
    }
  });
});
