/**
 * Certificate extensions: what a profile asks for, encoded as RFC 5280 and GM/T 0015 say, and the
 * reverse for reading certificates back. Criticality follows RFC 5280 (basicConstraints and
 * keyUsage critical, the rest not), so a profile cannot get it wrong.
 */
import { createHash } from "node:crypto";
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import {
  AccessDescription,
  AuthorityInfoAccessSyntax,
  AuthorityKeyIdentifier,
  BasicConstraints,
  CRLDistributionPoints,
  CertificatePolicies,
  DistributionPoint,
  DistributionPointName,
  ExtendedKeyUsage,
  Extension,
  GeneralName,
  KeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  PolicyInformation,
  PolicyQualifierInfo,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
} from "@peculiar/asn1-x509";
import { DomainError } from "../domain/errors.js";
import {
  TAG,
  children,
  content,
  decodeOid,
  derNull,
  expectTag,
  explicit,
  printableString,
  readOnly,
  readTlv,
  tlv,
  toArrayBuffer,
  toHex,
  utf8String,
} from "./der.js";
import { OID } from "./oids.js";

export type KeyUsageName = keyof typeof KeyUsageFlags;

export interface GmIdentity {
  /** 1.2.156.10260.4.1.1 IdentifyCode: a person's ID card, officer card or passport number */
  identityCode?: { kind: "residentId" | "militaryOfficerId" | "passport"; value: string };
  /** 1.2.156.10260.4.1.3 ICRegistrationNumber: business registration number (the USCC today) */
  businessRegistrationNumber?: string;
  /** 1.2.156.10260.4.1.4 OrganizationCode: many CAs put the USCC here too */
  organizationCode?: string;
  /** 1.2.156.10260.4.1.5 TaxationNumber */
  taxationNumber?: string;
}

export interface ExtensionsInput {
  basicConstraints?: { ca: true; pathLength?: number } | { ca: false };
  keyUsage?: KeyUsageName[];
  /** OIDs, e.g. OID.kpClientAuth */
  extendedKeyUsage?: string[];
  /** RFC 3161 section 2.3: a TSA certificate's extended key usage is critical. */
  extendedKeyUsageCritical?: boolean;
  certificatePolicies?: { policyId: string; cpsUri?: string }[];
  /** URLs of the full CRL */
  crlDistributionPoints?: string[];
  authorityInfoAccess?: { ocsp?: string[]; caIssuers?: string[] };
  /** RFC 6960 4.2.2.2.1: for OCSP responder certificates */
  ocspNoCheck?: boolean;
  gmIdentity?: GmIdentity;
  /** anything else, already DER-encoded (extnValue contents) */
  extra?: { oid: string; critical: boolean; value: Uint8Array }[];
}

const extension = (extnID: string, critical: boolean, value: ArrayBuffer | Uint8Array): Extension =>
  new Extension({
    extnID,
    critical,
    extnValue: new OctetString(value instanceof Uint8Array ? toArrayBuffer(value) : value),
  });

/** RFC 5280 4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING value. */
export function keyIdentifier(spki: Uint8Array): Uint8Array {
  const info = AsnConvert.parse(spki, SubjectPublicKeyInfo);
  return new Uint8Array(createHash("sha1").update(new Uint8Array(info.subjectPublicKey)).digest());
}

const uri = (u: string): GeneralName => new GeneralName({ uniformResourceIdentifier: u });

/**
 * GM/T 0015 does not say whether the IdentifyCode CHOICE tags are IMPLICIT or EXPLICIT; the module
 * default of X.509 is EXPLICIT, which is also what other SM2 CA software writes.
 */
export function identifyCode(code: NonNullable<GmIdentity["identityCode"]>): Uint8Array {
  switch (code.kind) {
    case "residentId":
      return explicit(0, printableString(code.value));
    case "militaryOfficerId":
      return explicit(1, utf8String(code.value));
    case "passport":
      return explicit(2, printableString(code.value));
  }
}

/**
 * Builds the extension list. SKI and AKI come from the keys: subjectKeyId from the subject's SPKI,
 * authorityKeyId from the issuer (its certificate's SKI when it has one).
 */
export function buildExtensions(
  input: ExtensionsInput,
  keys: { subjectKeyId: Uint8Array; authorityKeyId?: Uint8Array },
): Extension[] {
  const out: Extension[] = [];
  const bc = input.basicConstraints;
  if (bc) {
    if (bc.ca && bc.pathLength !== undefined && (!Number.isInteger(bc.pathLength) || bc.pathLength < 0)) {
      throw new DomainError("pki.extension_invalid", { extension: "basicConstraints" });
    }
    const value = bc.ca
      ? new BasicConstraints({
          cA: true,
          ...(bc.pathLength !== undefined ? { pathLenConstraint: bc.pathLength } : {}),
        })
      : new BasicConstraints({});
    out.push(extension(OID.basicConstraints, true, AsnConvert.serialize(value)));
  }
  if (input.keyUsage?.length) {
    const flags = input.keyUsage.reduce((acc, k) => acc | KeyUsageFlags[k], 0);
    out.push(extension(OID.keyUsage, true, AsnConvert.serialize(new KeyUsage(flags))));
  }
  if (input.extendedKeyUsage?.length) {
    out.push(
      extension(
        OID.extKeyUsage,
        input.extendedKeyUsageCritical === true,
        AsnConvert.serialize(new ExtendedKeyUsage(input.extendedKeyUsage)),
      ),
    );
  }
  out.push(
    extension(
      OID.subjectKeyIdentifier,
      false,
      AsnConvert.serialize(new SubjectKeyIdentifier(toArrayBuffer(keys.subjectKeyId))),
    ),
  );
  if (keys.authorityKeyId) {
    const aki = new AuthorityKeyIdentifier({
      keyIdentifier: new KeyIdentifier(toArrayBuffer(keys.authorityKeyId)),
    });
    out.push(extension(OID.authorityKeyIdentifier, false, AsnConvert.serialize(aki)));
  }
  if (input.certificatePolicies?.length) {
    const policies = new CertificatePolicies(
      input.certificatePolicies.map(
        (p) =>
          new PolicyInformation({
            policyIdentifier: p.policyId,
            ...(p.cpsUri
              ? {
                  policyQualifiers: [
                    new PolicyQualifierInfo({
                      policyQualifierId: "1.3.6.1.5.5.7.2.1",
                      qualifier: toArrayBuffer(tlv(TAG.IA5_STRING, new TextEncoder().encode(p.cpsUri))),
                    }),
                  ],
                }
              : {}),
          }),
      ),
    );
    out.push(extension(OID.certificatePolicies, false, AsnConvert.serialize(policies)));
  }
  if (input.crlDistributionPoints?.length) {
    out.push(extension(OID.crlDistributionPoints, false, distributionPoints(input.crlDistributionPoints)));
  }
  const aia = input.authorityInfoAccess;
  if (aia && (aia.ocsp?.length || aia.caIssuers?.length)) {
    const descriptions = [
      ...(aia.ocsp ?? []).map(
        (u) => new AccessDescription({ accessMethod: OID.accessOcsp, accessLocation: uri(u) }),
      ),
      ...(aia.caIssuers ?? []).map(
        (u) => new AccessDescription({ accessMethod: OID.accessCaIssuers, accessLocation: uri(u) }),
      ),
    ];
    out.push(
      extension(
        OID.authorityInfoAccess,
        false,
        AsnConvert.serialize(new AuthorityInfoAccessSyntax(descriptions)),
      ),
    );
  }
  if (input.ocspNoCheck) out.push(extension(OID.ocspNoCheck, false, derNull()));
  const gm = input.gmIdentity;
  if (gm?.identityCode) out.push(extension(OID.gmIdentifyCode, false, identifyCode(gm.identityCode)));
  if (gm?.businessRegistrationNumber) {
    out.push(extension(OID.gmIcRegistrationNumber, false, printableString(gm.businessRegistrationNumber)));
  }
  if (gm?.organizationCode)
    out.push(extension(OID.gmOrganizationCode, false, printableString(gm.organizationCode)));
  if (gm?.taxationNumber)
    out.push(extension(OID.gmTaxationNumber, false, printableString(gm.taxationNumber)));
  for (const e of input.extra ?? []) out.push(extension(e.oid, e.critical, e.value));
  const seen = new Set<string>();
  for (const e of out) {
    // RFC 5280 4.2: a certificate MUST NOT include more than one instance of an extension.
    if (seen.has(e.extnID)) throw new DomainError("pki.extension_duplicate", { oid: e.extnID });
    seen.add(e.extnID);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reading

export interface ExtensionsView {
  /** every extension in the certificate, in order */
  present: { oid: string; critical: boolean }[];
  basicConstraints?: { ca: boolean; pathLength?: number };
  keyUsage?: KeyUsageName[];
  extendedKeyUsage?: string[];
  subjectKeyIdentifier?: string;
  authorityKeyIdentifier?: string;
  certificatePolicies?: string[];
  crlDistributionPoints?: string[];
  ocspUrls?: string[];
  caIssuersUrls?: string[];
  ocspNoCheck: boolean;
  gmIdentity?: GmIdentity;
}

/** A PrintableString or UTF8String value: readers must accept both, CAs write either. */
function readString(bytes: Uint8Array): string {
  const t = readOnly(bytes, bytes[0] ?? 0);
  if (t.tag !== TAG.PRINTABLE_STRING && t.tag !== TAG.UTF8_STRING && t.tag !== TAG.IA5_STRING) {
    throw new DomainError("pki.extension_invalid", { extension: "GM/T 0015 identity" });
  }
  return new TextDecoder().decode(content(bytes, t));
}

function readIdentifyCode(bytes: Uint8Array): NonNullable<GmIdentity["identityCode"]> {
  const t = readTlv(bytes);
  const kinds = ["residentId", "militaryOfficerId", "passport"] as const;
  const kind = kinds[t.tag & 0x1f] ?? "residentId";
  // EXPLICIT ([0] wrapping a string) or IMPLICIT ([0] primitive holding the characters).
  const value =
    t.tag & 0x20
      ? readString(bytes.subarray(children(bytes, t)[0]!.start, t.end))
      : new TextDecoder().decode(content(bytes, t));
  return { kind, value };
}

export function parseExtensions(extensions: readonly Extension[]): ExtensionsView {
  const view: ExtensionsView = { present: [], ocspNoCheck: false };
  for (const e of extensions) {
    view.present.push({ oid: e.extnID, critical: e.critical });
    const raw = new Uint8Array(e.extnValue.buffer);
    switch (e.extnID) {
      case OID.basicConstraints: {
        const bc = AsnConvert.parse(raw, BasicConstraints);
        view.basicConstraints = {
          ca: bc.cA,
          ...(bc.pathLenConstraint !== undefined ? { pathLength: bc.pathLenConstraint } : {}),
        };
        break;
      }
      case OID.keyUsage: {
        const flags = AsnConvert.parse(raw, KeyUsage).toNumber();
        view.keyUsage = (Object.keys(KeyUsageFlags) as KeyUsageName[]).filter(
          (k) => Number.isNaN(Number(k)) && flags & KeyUsageFlags[k],
        );
        break;
      }
      case OID.extKeyUsage:
        view.extendedKeyUsage = [...AsnConvert.parse(raw, ExtendedKeyUsage)];
        break;
      case OID.subjectKeyIdentifier:
        view.subjectKeyIdentifier = toHex(new Uint8Array(AsnConvert.parse(raw, SubjectKeyIdentifier).buffer));
        break;
      case OID.authorityKeyIdentifier: {
        const kid = AsnConvert.parse(raw, AuthorityKeyIdentifier).keyIdentifier;
        if (kid) view.authorityKeyIdentifier = toHex(new Uint8Array(kid.buffer));
        break;
      }
      case OID.certificatePolicies:
        view.certificatePolicies = policyIdentifiers(raw);
        break;
      case OID.crlDistributionPoints:
        view.crlDistributionPoints = [...AsnConvert.parse(raw, CRLDistributionPoints)].flatMap((dp) =>
          (dp.distributionPoint?.fullName ?? []).flatMap((g) =>
            g.uniformResourceIdentifier ? [g.uniformResourceIdentifier] : [],
          ),
        );
        break;
      case OID.authorityInfoAccess: {
        const aia = [...AsnConvert.parse(raw, AuthorityInfoAccessSyntax)];
        const urls = (method: string): string[] =>
          aia
            .filter((a) => a.accessMethod === method)
            .flatMap((a) =>
              a.accessLocation.uniformResourceIdentifier ? [a.accessLocation.uniformResourceIdentifier] : [],
            );
        view.ocspUrls = urls(OID.accessOcsp);
        view.caIssuersUrls = urls(OID.accessCaIssuers);
        break;
      }
      case OID.ocspNoCheck:
        view.ocspNoCheck = true;
        break;
      case OID.gmIdentifyCode:
        (view.gmIdentity ??= {}).identityCode = readIdentifyCode(raw);
        break;
      case OID.gmIcRegistrationNumber:
        (view.gmIdentity ??= {}).businessRegistrationNumber = readString(raw);
        break;
      case OID.gmOrganizationCode:
        (view.gmIdentity ??= {}).organizationCode = readString(raw);
        break;
      case OID.gmTaxationNumber:
        (view.gmIdentity ??= {}).taxationNumber = readString(raw);
        break;
    }
  }
  return view;
}

/**
 * certificatePolicies' OIDs, read with our own DER walker: a 2.25 OID (from a UUID, which needs no
 * registration) has a 128-bit arc that the schema library cannot decode.
 */
function policyIdentifiers(raw: Uint8Array): string[] {
  const policies = readOnly(raw, 0x30);
  return children(raw, policies).map((info) => {
    const id = expectTag(children(raw, info)[0], 0x06, "policyIdentifier");
    return decodeOid(content(raw, id));
  });
}

/**
 * CRLDistributionPoints with one URI per point (RFC 5280 4.2.1.13); also the syntax of freshestCRL
 * (4.2.1.15, 5.2.6).
 */
export function distributionPoints(urls: readonly string[]): ArrayBuffer {
  return AsnConvert.serialize(
    new CRLDistributionPoints(
      urls.map(
        (u) =>
          new DistributionPoint({ distributionPoint: new DistributionPointName({ fullName: [uri(u)] }) }),
      ),
    ),
  );
}
