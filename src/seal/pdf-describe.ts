/**
 * PDF verdicts as text lines (`certdesk pdf verify`) and as plain JSON (--json and the verify API).
 * Every word comes from the message catalogue.
 */
import { translate, type Locale } from "../i18n/catalogue.js";
import type { Check, CheckStatus } from "./checks.js";
import { isoSecond } from "./checks.js";
import { sealVerdictToJson } from "./describe.js";
import type { PdfSignatureVerdict, PdfVerdict } from "./pdf-verify.js";

const MARK: Record<CheckStatus, string> = { pass: "✓", fail: "✗", skipped: "–", warning: "!" };

function checkLine(check: Check<string>, locale: Locale, prefix: "pdf" | "seal", indent: string): string {
  const label = translate(`${prefix}.check.${check.name}`, locale);
  const separator = locale === "zh-CN" ? "：" : ": ";
  return `${indent}${MARK[check.status]} ${label}${separator}${translate(check.code, locale, check.params)}`;
}

function signatureLines(v: PdfSignatureVerdict, index: number, locale: Locale): string[] {
  const lines = [
    translate("pdf.info_signature", locale, {
      index,
      field: v.field ?? translate("pdf.field_unknown", locale),
      subject: v.signer?.subject ?? translate("pdf.signer_unknown", locale),
      time: v.signingTime ? isoSecond(v.signingTime) : translate("seal.time_unknown", locale),
    }),
  ];
  if (v.page !== undefined && v.rect && v.rect.some((n) => n !== 0)) {
    lines.push("  " + translate("pdf.info_stamp", locale, { page: v.page, rect: v.rect.join(" ") }));
  }
  if (v.seal?.seal) {
    lines.push("  " + translate("pdf.info_seal", locale, { name: v.seal.seal.name, id: v.seal.seal.id }));
  }
  if (v.validAsOf) {
    lines.push("  " + translate("pdf.info_valid_as_of", locale, { genTime: isoSecond(v.validAsOf) }));
  }
  for (const check of v.checks) {
    lines.push(checkLine(check, locale, "pdf", "  "));
    // The seal's own checks under it: which part of the seal failed matters.
    if (check.name === "seal" && check.status === "fail" && v.seal) {
      lines.push(...v.seal.checks.map((c) => checkLine(c, locale, "seal", "      ")));
    }
  }
  return lines;
}

export function describePdfVerdict(verdict: PdfVerdict, locale: Locale): string[] {
  const at = isoSecond(verdict.at);
  const lines = [
    translate(verdict.valid ? "pdf.verdict_valid" : "pdf.verdict_invalid", locale, {
      at,
      count: verdict.signatures.length,
    }),
  ];
  if (verdict.unreadable)
    lines.push(translate("pdf.unreadable_note", locale, { detail: verdict.unreadable }));
  if (verdict.signatures.length === 0) lines.push(translate("pdf.no_signatures", locale));
  verdict.signatures.forEach((s, i) => lines.push(...signatureLines(s, i + 1, locale)));
  return lines;
}

export function pdfSignatureToJson(v: PdfSignatureVerdict) {
  return {
    valid: v.valid,
    field: v.field ?? null,
    page: v.page ?? null,
    rect: v.rect ?? null,
    subFilter: v.subFilter ?? null,
    signingTime: v.signingTime ? isoSecond(v.signingTime) : null,
    reason: v.reason ?? null,
    location: v.location ?? null,
    signer: v.signer
      ? {
          subject: v.signer.subject,
          organisation: v.signer.organisation ?? null,
          commonName: v.signer.commonName ?? null,
          issuer: v.signer.issuer,
          serialNumber: v.signer.serialNumber,
          sha256: v.signer.sha256,
        }
      : null,
    digestAlgorithm: v.digestAlgorithm ?? null,
    signatureAlgorithm: v.signatureAlgorithm ?? null,
    byteRange: v.byteRange,
    coversWholeDocument: v.coversWholeDocument,
    modifiedAfterSigning: v.modifiedAfterSigning,
    seal: v.seal ? sealVerdictToJson(v.seal) : null,
    timestamp: v.timestamp
      ? {
          valid: v.timestamp.valid,
          code: v.timestamp.code,
          genTime: v.timestamp.genTime ? isoSecond(v.timestamp.genTime) : null,
          tsa: v.timestamp.tsa ?? null,
        }
      : null,
    validAsOf: v.validAsOf ? isoSecond(v.validAsOf) : null,
    checks: v.checks.map((c) => ({ name: c.name, status: c.status, code: c.code, params: c.params })),
  };
}

export type PdfSignatureJson = ReturnType<typeof pdfSignatureToJson>;

export function pdfVerdictToJson(verdict: PdfVerdict) {
  return {
    valid: verdict.valid,
    at: isoSecond(verdict.at),
    size: verdict.size,
    unreadable: verdict.unreadable ?? null,
    signatures: verdict.signatures.map(pdfSignatureToJson),
  };
}
