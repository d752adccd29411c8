/**
 * Reading and verifying electronic seals (GB/T 38540-2020 version 4, and GM/T 0031-2014 version 1
 * as older security clients still carry). Verification reports every check on its own: a desk
 * operator needs to tell "the maker certificate has expired" from "someone edited the seal".
 */
import { DomainError } from "../domain/errors.js";
import { parseCertificate } from "../pki/certificate.js";
import type { CertificateView } from "../pki/certificate.js";
import { checkSignature, digest, digestAlgorithmsForLabel, signatureAlgorithmName } from "./algorithms.js";
import { decodeSESeal, structureInvalid } from "./asn1.js";
import type { ExtDataFields, SealHeaderFields, SealLayout } from "./asn1.js";
import { allPass, fail, isoSecond, pass, skipped, validityAt, warning } from "./checks.js";
import type { Check } from "./checks.js";
import type { ChainCheckName } from "./trust.js";

/** GB/T 38540 / GM/T 0031 property.type: 1 单位印章 (organisation), 2 个人印章 (personal). */
export const SEAL_TYPE_CODE = { organisation: 1, personal: 2 } as const;
export type SealTypeName = keyof typeof SEAL_TYPE_CODE | "other";

export const SEAL_STANDARD: Record<SealLayout, string> = {
  v4: "GB/T 38540-2020",
  v1: "GM/T 0031-2014",
};

export type BoundCertificate =
  | { kind: "certificate"; der: Uint8Array; certificate: CertificateView | undefined }
  | { kind: "digest"; digestType: string; value: Uint8Array };

export interface SealPictureView {
  /** as written: "PNG", "JPG", "GIF", "SVG", "OFD", … */
  type: string;
  data: Uint8Array;
  widthMm: number;
  heightMm: number;
}

export interface SealView {
  der: Uint8Array;
  layout: SealLayout;
  standard: string;
  header: SealHeaderFields;
  /** esID */
  id: string;
  type: number;
  typeName: SealTypeName;
  name: string;
  certificateListType: "certificates" | "digests";
  boundCertificates: BoundCertificate[];
  createDate: Date;
  validStart: Date;
  validEnd: Date;
  picture: SealPictureView;
  extensions: ExtDataFields[];
  /** the seal maker's certificate (not one of the bound certificates) */
  maker: CertificateView;
  signatureAlgorithm: string;
  signatureAlgorithmName: string;
  signature: Uint8Array;
  /** the exact bytes the maker signed */
  signedData: Uint8Array;
}

const typeNameOf = (type: number): SealTypeName =>
  type === SEAL_TYPE_CODE.organisation
    ? "organisation"
    : type === SEAL_TYPE_CODE.personal
      ? "personal"
      : "other";

function tryParseCertificate(der: Uint8Array): CertificateView | undefined {
  try {
    return parseCertificate(der);
  } catch {
    return undefined;
  }
}

/** Reads a seal of either layout. Throws seal.structure_invalid. */
export function parseSeal(der: Uint8Array): SealView {
  const fields = decodeSESeal(der);
  const maker = tryParseCertificate(fields.makerCertificate);
  if (!maker) throw structureInvalid("cert is not an X.509 certificate");
  const { header, esId, property, picture, extensions } = fields.sealInfo;
  const list = property.certList;
  return {
    der,
    layout: fields.layout,
    standard: SEAL_STANDARD[fields.layout],
    header,
    id: esId,
    type: property.type,
    typeName: typeNameOf(property.type),
    name: property.name,
    certificateListType: list.kind,
    boundCertificates:
      list.kind === "certificates"
        ? list.certificates.map((c) => ({ kind: "certificate", der: c, certificate: tryParseCertificate(c) }))
        : list.digests.map((d) => ({ kind: "digest", digestType: d.type, value: d.value })),
    createDate: property.createDate,
    validStart: property.validStart,
    validEnd: property.validEnd,
    picture: { type: picture.type, data: picture.data, widthMm: picture.width, heightMm: picture.height },
    extensions,
    maker,
    signatureAlgorithm: fields.signatureAlgorithm,
    signatureAlgorithmName: signatureAlgorithmName(fields.signatureAlgorithm),
    signature: fields.signature,
    signedData: fields.signedData,
  };
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(a, b) === 0;

/** Does the seal bind this signer certificate, by the certificate itself or by its digest? */
export function sealBindsCertificate(seal: SealView, certificate: Uint8Array): boolean {
  return seal.boundCertificates.some((bound) =>
    bound.kind === "certificate"
      ? sameBytes(bound.der, certificate)
      : digestAlgorithmsForLabel(bound.digestType, bound.value.length).some((alg) =>
          sameBytes(digest(alg, certificate), bound.value),
        ),
  );
}

// ---------------------------------------------------------------------------------------------
// Verification

export type SealCheckName =
  | "structure"
  | "makerSignature"
  | "makerCertificate"
  | "validity"
  | "boundCertificates"
  | ChainCheckName<"maker">;
export type SealCheck = Check<SealCheckName>;

export interface SealVerdict {
  valid: boolean;
  at: Date;
  /** undefined when the seal could not be read at all */
  seal: SealView | undefined;
  checks: SealCheck[];
}

export interface VerifySealOptions {
  /** the moment to judge validity at; default now */
  at?: Date;
  /** the maker's chain and revocation checks (src/seal/trust.ts), made beforehand: they may fetch CRLs */
  chain?: readonly Check<ChainCheckName<"maker">>[];
}

const CHECK_ORDER: readonly SealCheckName[] = [
  "structure",
  "makerSignature",
  "makerCertificate",
  "validity",
  "boundCertificates",
];

export function verifySeal(der: Uint8Array, options: VerifySealOptions = {}): SealVerdict {
  const at = options.at ?? new Date();
  let seal: SealView;
  try {
    seal = parseSeal(der);
  } catch (e) {
    if (!(e instanceof DomainError) || e.code !== "seal.structure_invalid") throw e;
    const checks: SealCheck[] = CHECK_ORDER.map((name) =>
      name === "structure" ? fail(name, e.code, e.params) : skipped(name, "seal.skipped_unreadable"),
    );
    return { valid: false, at, seal: undefined, checks };
  }
  const checks = [...sealChecks(seal, at), ...(options.chain ?? [])];
  return { valid: allPass(checks), at, seal, checks };
}

function sealChecks(seal: SealView, at: Date): SealCheck[] {
  return [
    structureCheck(seal),
    makerSignatureCheck(seal),
    certificateValidityCheck("makerCertificate", "seal.maker_certificate", seal.maker, at),
    sealValidityCheck(seal, at),
    boundCertificatesCheck(seal),
  ];
}

function structureCheck(seal: SealView): SealCheck {
  // certdesk understands no seal extension, so a critical one means a rule it cannot honour.
  const critical = seal.extensions.find((e) => e.critical);
  if (critical) return fail("structure", "seal.extension_critical_unknown", { oid: critical.oid });
  if (seal.layout === "v4" && seal.header.version !== 4) {
    return warning("structure", "seal.structure_version_unexpected", {
      standard: seal.standard,
      version: seal.header.version,
      expected: 4,
    });
  }
  return pass("structure", "seal.structure_ok", { standard: seal.standard, version: seal.header.version });
}

function makerSignatureCheck(seal: SealView): SealCheck {
  const algorithm = seal.signatureAlgorithmName;
  switch (checkSignature(seal.maker.spki, seal.signatureAlgorithm, seal.signedData, seal.signature)) {
    case "valid":
      return pass("makerSignature", "seal.maker_signature_valid", { algorithm });
    case "invalid":
      return fail("makerSignature", "seal.maker_signature_invalid", { algorithm });
    case "unsupported":
      return fail("makerSignature", "seal.signature_algorithm_unsupported", { algorithm });
  }
}

/** Shared with SES_Signature verification: codes are `${prefix}_valid|_expired|_not_yet_valid`. */
export function certificateValidityCheck<N extends string>(
  name: N,
  prefix: string,
  certificate: CertificateView,
  at: Date,
): Check<N> {
  const params = {
    subject: certificate.subjectText,
    notBefore: isoSecond(certificate.notBefore),
    notAfter: isoSecond(certificate.notAfter),
    at: isoSecond(at),
  };
  const outcome = validityAt(at, certificate.notBefore, certificate.notAfter);
  return outcome === "valid"
    ? pass(name, `${prefix}_valid`, params)
    : fail(name, `${prefix}_${outcome}`, params);
}

function sealValidityCheck(seal: SealView, at: Date): SealCheck {
  const params = {
    validStart: isoSecond(seal.validStart),
    validEnd: isoSecond(seal.validEnd),
    at: isoSecond(at),
  };
  switch (validityAt(at, seal.validStart, seal.validEnd)) {
    case "valid":
      return pass("validity", "seal.valid", params);
    case "not_yet_valid":
      return fail("validity", "seal.not_yet_valid", params);
    case "expired":
      return fail("validity", "seal.expired", params);
  }
}

function boundCertificatesCheck(seal: SealView): SealCheck {
  const count = seal.boundCertificates.length;
  if (count === 0) return fail("boundCertificates", "seal.certificate_list_empty");
  const bad = seal.boundCertificates.findIndex((b) =>
    b.kind === "certificate" ? !b.certificate : b.value.length === 0,
  );
  if (bad >= 0) return fail("boundCertificates", "seal.bound_certificate_malformed", { index: bad + 1 });
  const subjects = seal.boundCertificates
    .map((b) =>
      b.kind === "certificate"
        ? `${b.certificate!.subjectText} (${b.certificate!.serialNumber})`
        : `${b.digestType}:${Buffer.from(b.value).toString("hex")}`,
    )
    .join("; ");
  return pass(
    "boundCertificates",
    seal.certificateListType === "certificates"
      ? "seal.certificates_bound"
      : "seal.certificate_digests_bound",
    { count, subjects },
  );
}
