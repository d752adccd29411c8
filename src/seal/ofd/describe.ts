/** An OFD verdict as text lines (zh-CN or en, from the catalogue) and as plain JSON for --json. */
import { translate, type Locale } from "../../i18n/catalogue.js";
import { isoSecond, type CheckStatus } from "../checks.js";
import type { OfdCheck, OfdSignatureVerdict, OfdVerdict } from "./verify.js";

const MARK: Record<CheckStatus, string> = { pass: "✓", fail: "✗", skipped: "–" };

function checkLine(check: OfdCheck, locale: Locale): string {
  const label = translate(`ofd.check.${check.name}`, locale);
  const separator = locale === "zh-CN" ? "：" : ": ";
  return `    ${MARK[check.status]} ${label}${separator}${translate(check.code, locale, check.params)}`;
}

function signatureLines(s: OfdSignatureVerdict, locale: Locale): string[] {
  const t = (code: string) => translate(code, locale);
  const lines = [
    translate("ofd.signature_heading", locale, {
      id: s.id,
      file: s.file,
      outcome: t(s.valid ? "ofd.outcome.valid" : "ofd.outcome.invalid"),
      signature: t(s.signatureIntact ? "ofd.intact" : "ofd.not_intact"),
      document: t(s.documentIntact ? "ofd.intact" : "ofd.not_intact"),
    }),
  ];
  const view = s.signature;
  if (view)
    lines.push(
      `  ${translate("seal.info_signature", locale, {
        subject: view.signer.subjectText,
        time: view.signedAt ? isoSecond(view.signedAt) : t("seal.time_unknown"),
        property: view.propertyInfo,
      })}`,
      `  ${translate("seal.info_seal", locale, {
        name: view.seal.name,
        id: view.seal.id,
        standard: view.seal.standard,
        version: view.seal.header.version,
        vendor: view.seal.header.vendor,
      })}`,
    );
  return [...lines, ...s.checks.map((c) => checkLine(c, locale))];
}

export function describeOfdVerdict(verdict: OfdVerdict, locale: Locale): string[] {
  const at = isoSecond(verdict.at);
  const head =
    verdict.signatures.length === 0
      ? translate("ofd.verdict_unsigned", locale, { at })
      : translate(verdict.valid ? "ofd.verdict_valid" : "ofd.verdict_invalid", locale, {
          at,
          count: verdict.signatures.length,
        });
  return [head, ...verdict.signatures.flatMap((s) => signatureLines(s, locale))];
}

export function ofdVerdictToJson(verdict: OfdVerdict) {
  return {
    valid: verdict.valid,
    at: isoSecond(verdict.at),
    signatures: verdict.signatures.map((s) => {
      const view = s.signature;
      return {
        id: s.id,
        type: s.type,
        file: s.file,
        signatureIntact: s.signatureIntact,
        documentIntact: s.documentIntact,
        valid: s.valid,
        timeStamp: s.timeStamp,
        standard: view?.standard ?? null,
        signedAt: view?.signedAt ? isoSecond(view.signedAt) : null,
        signer: view ? { subject: view.signer.subjectText, sha256: view.signer.fingerprintSha256 } : null,
        seal: view ? { name: view.seal.name, id: view.seal.id } : null,
        stamps: s.stamps.map((p) => ({
          pageRef: p.pageRef,
          page: p.page ?? null,
          boundary: p.boundary ?? null,
        })),
        checks: s.checks.map((c) => ({ name: c.name, status: c.status, code: c.code, params: c.params })),
      };
    }),
  };
}
