/**
 * Verdicts as text lines for `certdesk seal verify` (zh-CN or en) and as plain JSON for --json.
 * Text comes only from the message catalogue, so both languages stay in one reviewed place.
 */
import type { ErrorParams } from "../domain/errors.js";
import { translate, type Locale } from "../i18n/catalogue.js";
import type { Check, CheckStatus } from "./checks.js";
import { isoSecond } from "./checks.js";
import type { SealVerdict, SealView } from "./seal.js";
import type { SealSignatureVerdict } from "./signature.js";

const message = (code: string, locale: Locale, params: ErrorParams = {}): string =>
  translate(code, locale, params);

const MARK: Record<CheckStatus, string> = { pass: "✓", fail: "✗", skipped: "–", warning: "!" };

function checkLine(check: Check<string>, locale: Locale, indent = ""): string {
  const label = message(`seal.check.${check.name}`, locale);
  const separator = locale === "zh-CN" ? "：" : ": ";
  return `${indent}${MARK[check.status]} ${label}${separator}${message(check.code, locale, check.params)}`;
}

function sealInfoLines(seal: SealView, locale: Locale): string[] {
  const type =
    seal.typeName === "other"
      ? message("seal.type.other", locale, { type: seal.type })
      : message(`seal.type.${seal.typeName}`, locale);
  return [
    message("seal.info_seal", locale, {
      name: seal.name,
      id: seal.id,
      standard: seal.standard,
      version: seal.header.version,
      vendor: seal.header.vendor,
    }),
    message("seal.info_type", locale, { type }),
    message("seal.info_validity", locale, {
      validStart: isoSecond(seal.validStart),
      validEnd: isoSecond(seal.validEnd),
      createDate: isoSecond(seal.createDate),
    }),
    message("seal.info_picture", locale, {
      type: seal.picture.type,
      width: seal.picture.widthMm,
      height: seal.picture.heightMm,
      size: seal.picture.data.length,
    }),
    message("seal.info_maker", locale, {
      subject: seal.maker.subjectText,
      serial: seal.maker.serialNumber,
      algorithm: seal.signatureAlgorithmName,
    }),
  ];
}

const isSignatureVerdict = (v: SealVerdict | SealSignatureVerdict): v is SealSignatureVerdict =>
  "signature" in v;

/** The verdict as lines: the outcome first, then what the seal says, then one line per check. */
export function describeSealVerdict(verdict: SealVerdict | SealSignatureVerdict, locale: Locale): string[] {
  const at = { at: isoSecond(verdict.at) };
  if (!isSignatureVerdict(verdict)) {
    return [
      message(verdict.valid ? "seal.verdict_valid" : "seal.verdict_invalid", locale, at),
      ...(verdict.seal ? sealInfoLines(verdict.seal, locale) : []),
      ...verdict.checks.map((c) => checkLine(c, locale)),
    ];
  }
  const lines = [
    message(verdict.valid ? "seal.signature_verdict_valid" : "seal.signature_verdict_invalid", locale, at),
  ];
  const view = verdict.signature;
  if (view) {
    lines.push(
      message("seal.info_signature", locale, {
        subject: view.signer.subjectText,
        time: view.signedAt ? isoSecond(view.signedAt) : message("seal.time_unknown", locale),
        property: view.propertyInfo,
      }),
      ...sealInfoLines(view.seal, locale),
    );
  }
  for (const check of verdict.checks) {
    lines.push(checkLine(check, locale));
    // The seal's own checks, indented under it: which part of the seal failed matters.
    if (check.name === "seal" && verdict.seal)
      lines.push(...verdict.seal.checks.map((c) => checkLine(c, locale, "    ")));
  }
  return lines;
}

export interface SealSummaryJson {
  standard: string;
  version: number;
  vendor: string;
  id: string;
  type: number;
  typeName: string;
  name: string;
  certificateListType: string;
  boundCertificates: (
    { subject: string | null; sha256: string | null } | { digestType: string; digest: string }
  )[];
  createDate: string;
  validStart: string;
  validEnd: string;
  picture: { type: string; widthMm: number; heightMm: number; bytes: number };
  maker: { subject: string; serialNumber: string; notBefore: string; notAfter: string; sha256: string };
  signatureAlgorithm: string;
}

function sealJson(seal: SealView): SealSummaryJson {
  return {
    standard: seal.standard,
    version: seal.header.version,
    vendor: seal.header.vendor,
    id: seal.id,
    type: seal.type,
    typeName: seal.typeName,
    name: seal.name,
    certificateListType: seal.certificateListType,
    boundCertificates: seal.boundCertificates.map((b) =>
      b.kind === "certificate"
        ? { subject: b.certificate?.subjectText ?? null, sha256: b.certificate?.fingerprintSha256 ?? null }
        : { digestType: b.digestType, digest: Buffer.from(b.value).toString("hex") },
    ),
    createDate: isoSecond(seal.createDate),
    validStart: isoSecond(seal.validStart),
    validEnd: isoSecond(seal.validEnd),
    picture: {
      type: seal.picture.type,
      widthMm: seal.picture.widthMm,
      heightMm: seal.picture.heightMm,
      bytes: seal.picture.data.length,
    },
    maker: {
      subject: seal.maker.subjectText,
      serialNumber: seal.maker.serialNumber,
      notBefore: isoSecond(seal.maker.notBefore),
      notAfter: isoSecond(seal.maker.notAfter),
      sha256: seal.maker.fingerprintSha256,
    },
    signatureAlgorithm: seal.signatureAlgorithmName,
  };
}

const checksJson = (checks: readonly Check<string>[]) =>
  checks.map((c) => ({ name: c.name, status: c.status, code: c.code, params: c.params }));

/** A JSON-safe form of a seal verdict (no picture bytes, certificates by subject and fingerprint). */
export function sealVerdictToJson(verdict: SealVerdict) {
  return {
    valid: verdict.valid,
    at: isoSecond(verdict.at),
    seal: verdict.seal ? sealJson(verdict.seal) : null,
    checks: checksJson(verdict.checks),
  };
}

export function sealSignatureVerdictToJson(verdict: SealSignatureVerdict) {
  const view = verdict.signature;
  return {
    valid: verdict.valid,
    at: isoSecond(verdict.at),
    signature: view
      ? {
          standard: view.standard,
          version: view.version,
          signer: { subject: view.signer.subjectText, sha256: view.signer.fingerprintSha256 },
          signedAt: view.signedAt ? isoSecond(view.signedAt) : null,
          propertyInfo: view.propertyInfo,
          dataHash: Buffer.from(view.dataHash).toString("hex"),
          signatureAlgorithm: view.signatureAlgorithmName,
          hasTimeStamp: view.timeStamp !== undefined,
        }
      : null,
    seal: verdict.seal ? sealVerdictToJson(verdict.seal) : null,
    checks: checksJson(verdict.checks),
  };
}
