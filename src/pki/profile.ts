/**
 * End-entity profiles as data (a programme's `certificates`, src/domain/programme.ts) turned into
 * certificate templates, and the check every template passes before a CA key signs it. Pure: the
 * organisation, the key, the dates and the CA come in as values.
 */
import { AsnConvert } from "@peculiar/asn1-schema";
import { Name, SubjectPublicKeyInfo } from "@peculiar/asn1-x509";
import { DomainError } from "../domain/errors.js";
import type { Algorithm, CertificateProfile, ExtendedKeyUsageName } from "../domain/programme.js";
import { keyAlgorithmOfSpki, type CertificateTemplate, type CertificateView } from "./certificate.js";
import type { ExtensionsInput, GmIdentity } from "./extensions.js";
import { parseName, type SubjectName } from "./name.js";
import { OID } from "./oids.js";
import { publicKeyObject, type KeyAlgorithm } from "./signer.js";
import { sm2PublicKeyFromSpki } from "./sm2.js";
import { keyAlgorithmOfFacts, spkiFacts } from "./spki.js";

/** Programme files say p256; the CA core says ecdsa-p256. */
export function keyAlgorithmOf(algorithm: Algorithm): KeyAlgorithm {
  return algorithm === "p256" ? "ecdsa-p256" : algorithm;
}

export function programmeAlgorithmOf(algorithm: KeyAlgorithm): Algorithm {
  return algorithm === "ecdsa-p256" ? "p256" : algorithm;
}

export const EXTENDED_KEY_USAGE_OIDS: Record<ExtendedKeyUsageName, string> = {
  clientAuth: OID.kpClientAuth,
  emailProtection: OID.kpEmailProtection,
  serverAuth: OID.kpServerAuth,
  codeSigning: OID.kpCodeSigning,
  timeStamping: OID.kpTimeStamping,
};

/** The weakest RSA key any profile takes, whatever its data says. */
export const MIN_RSA_BITS = 2048;

export interface SubjectOrganisation {
  name: string;
  uscc: string;
  address: string | null;
}

const MUNICIPALITIES = ["北京市", "上海市", "天津市", "重庆市"];
const PROVINCE = /^(.{2,3}?省|.{2,8}?自治区|.{2}特别行政区)/u;
const CITY = /^(.{1,10}?(?:自治州|地区|盟|市))/u;

/**
 * Province and city from a Chinese registered address ("广东省广州市天河区…" gives 广东省 and
 * 广州市; "上海市浦东新区…" gives 上海市 twice, a municipality being both). Nothing is guessed when
 * the address does not start with a province.
 */
export function regionOfAddress(address: string | null | undefined): { province?: string; city?: string } {
  const a = (address ?? "").replace(/\s+/g, "");
  const municipality = MUNICIPALITIES.find((m) => a.startsWith(m));
  if (municipality) return { province: municipality, city: municipality };
  const province = PROVINCE.exec(a)?.[1];
  if (!province) return {};
  const city = CITY.exec(a.slice(province.length))?.[1];
  return city ? { province, city } : { province };
}

/** The subject a profile gives an organisation: names from the organisation row, never from a CSR. */
export function subjectFor(profile: CertificateProfile, organisation: SubjectOrganisation): SubjectName {
  const region = regionOfAddress(organisation.address);
  const province = region.province ?? profile.subject.defaultProvince;
  const city = region.city ?? profile.subject.defaultCity;
  return {
    C: profile.subject.country,
    ...(province ? { ST: province } : {}),
    ...(city ? { L: city } : {}),
    O: organisation.name,
    ...(profile.subject.organisationalUnits.length ? { OU: [...profile.subject.organisationalUnits] } : {}),
    CN: organisation.name,
    ...(profile.usccIn.includes("subject-serial-number") ? { serialNumber: organisation.uscc } : {}),
  };
}

function gmIdentityFor(profile: CertificateProfile, uscc: string): GmIdentity | undefined {
  const gm: GmIdentity = {};
  if (profile.usccIn.includes("organization-code")) gm.organizationCode = uscc;
  if (profile.usccIn.includes("business-registration-number")) gm.businessRegistrationNumber = uscc;
  return Object.keys(gm).length ? gm : undefined;
}

/** Where relying parties find the issuing CA's CRL, OCSP responder and certificate. */
export interface IssuerLocations {
  crl: string;
  ocsp: string;
  caIssuers: string;
}

export function extensionsFor(
  profile: CertificateProfile,
  uscc: string,
  locations: IssuerLocations,
): ExtensionsInput {
  const gmIdentity = gmIdentityFor(profile, uscc);
  return {
    basicConstraints: { ca: false },
    keyUsage: [...profile.keyUsage],
    ...(profile.extendedKeyUsage.length
      ? { extendedKeyUsage: profile.extendedKeyUsage.map((n) => EXTENDED_KEY_USAGE_OIDS[n]) }
      : {}),
    certificatePolicies: profile.policies.map((p) => ({
      policyId: p.oid,
      ...(p.cpsUri ? { cpsUri: p.cpsUri } : {}),
    })),
    crlDistributionPoints: [locations.crl],
    authorityInfoAccess: { ocsp: [locations.ocsp], caIssuers: [locations.caIssuers] },
    ...(gmIdentity ? { gmIdentity } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// The check before signing

/**
 * The key algorithm of a subject's SPKI, after checking that the key itself is sound, and for RSA
 * the modulus size: the key is decoded once (OpenSSL 3 decoding costs a tenth of a millisecond).
 */
function inspectPublicKey(spki: Uint8Array): { algorithm: KeyAlgorithm; rsaBits?: number | undefined } {
  let algorithm: ReturnType<typeof keyAlgorithmOfSpki>;
  let rsaBits: number | undefined;
  try {
    const facts = spkiFacts(spki);
    algorithm = facts
      ? keyAlgorithmOfFacts(facts)
      : keyAlgorithmOfSpki(AsnConvert.parse(spki, SubjectPublicKeyInfo));
    if (algorithm === "sm2") sm2PublicKeyFromSpki(spki);
    else if (algorithm !== "other") {
      const key = publicKeyObject(spki);
      if (algorithm === "rsa") rsaBits = key.asymmetricKeyDetails?.modulusLength;
    }
  } catch {
    throw new DomainError("issuance.public_key_invalid");
  }
  if (algorithm === "other")
    throw new DomainError("issuance.key_algorithm_not_allowed", { algorithm: "other", allowed: "" });
  return { algorithm, rsaBits };
}

/** The key algorithm of a subject's SPKI, after checking that the key itself is sound. */
export function publicKeyAlgorithm(spki: Uint8Array): KeyAlgorithm {
  return inspectPublicKey(spki).algorithm;
}

const sameSet = (a: readonly string[] = [], b: readonly string[] = []): boolean =>
  a.length === b.length && a.every((x) => b.includes(x));

const list = (xs: readonly string[] = []): string => (xs.length ? xs.join(", ") : "-");

/**
 * Refuses a template the profile does not allow, before any CA key is used: key algorithm and
 * size, key usages, validity outside the issuing CA's, and every extension the profile requires.
 * Each refusal is its own DomainError code (issuance.*).
 */
export function checkAgainstProfile(
  template: CertificateTemplate,
  profile: CertificateProfile,
  issuingCa: { view: CertificateView },
): void {
  const { algorithm, rsaBits } = inspectPublicKey(template.subjectPublicKey);
  const allowed = profile.algorithms.map(keyAlgorithmOf);
  if (!allowed.includes(algorithm)) {
    throw new DomainError("issuance.key_algorithm_not_allowed", {
      algorithm,
      allowed: allowed.join(", "),
      profile: profile.id,
    });
  }
  if (algorithm === "rsa") {
    const bits = rsaBits ?? 0;
    const min = Math.max(MIN_RSA_BITS, profile.minRsaBits);
    if (bits < min) throw new DomainError("issuance.rsa_key_too_small", { bits, min });
  }

  const ext = template.extensions;
  if (ext.basicConstraints?.ca !== false) throw new DomainError("issuance.not_end_entity");
  if (!sameSet(ext.keyUsage, profile.keyUsage)) {
    throw new DomainError("issuance.key_usage_mismatch", {
      expected: list(profile.keyUsage),
      actual: list(ext.keyUsage),
    });
  }
  const eku = profile.extendedKeyUsage.map((n) => EXTENDED_KEY_USAGE_OIDS[n]);
  if (!sameSet(ext.extendedKeyUsage, eku)) {
    throw new DomainError("issuance.extended_key_usage_mismatch", {
      expected: list(eku),
      actual: list(ext.extendedKeyUsage),
    });
  }

  const ca = issuingCa.view;
  if (
    ca.extensions.basicConstraints?.ca !== true ||
    (ca.extensions.keyUsage && !ca.extensions.keyUsage.includes("keyCertSign"))
  ) {
    throw new DomainError("issuance.issuer_not_ca", { subject: ca.subjectText });
  }
  if (template.notAfter.getTime() > ca.notAfter.getTime()) {
    throw new DomainError("issuance.validity_past_ca", {
      notAfter: template.notAfter.toISOString(),
      caNotAfter: ca.notAfter.toISOString(),
    });
  }
  if (template.notBefore.getTime() < ca.notBefore.getTime()) {
    throw new DomainError("issuance.validity_before_ca", {
      notBefore: template.notBefore.toISOString(),
      caNotBefore: ca.notBefore.toISOString(),
    });
  }

  const missing = (extension: string): never => {
    throw new DomainError("issuance.extension_missing", { extension, profile: profile.id });
  };
  const policies = (ext.certificatePolicies ?? []).map((p) => p.policyId);
  for (const p of profile.policies) if (!policies.includes(p.oid)) missing(`certificatePolicies ${p.oid}`);
  if (!ext.crlDistributionPoints?.length) missing("cRLDistributionPoints");
  if (!ext.authorityInfoAccess?.ocsp?.length) missing("authorityInfoAccess (OCSP)");
  if (!ext.authorityInfoAccess?.caIssuers?.length) missing("authorityInfoAccess (caIssuers)");
  const subject = template.subject instanceof Name ? parseName(template.subject) : template.subject;
  if (!subject.O) missing("subject O");
  if (!subject.CN) missing("subject CN");
  if (profile.usccIn.includes("subject-serial-number") && !subject.serialNumber)
    missing("subject serialNumber");
  if (profile.usccIn.includes("organization-code") && !ext.gmIdentity?.organizationCode) {
    missing("GM/T 0015 organizationCode (1.2.156.10260.4.1.4)");
  }
  if (
    profile.usccIn.includes("business-registration-number") &&
    !ext.gmIdentity?.businessRegistrationNumber
  ) {
    missing("GM/T 0015 businessRegistrationNumber (1.2.156.10260.4.1.3)");
  }
}
