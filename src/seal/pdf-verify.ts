/**
 * Verifying the signatures in a PDF: for each one, who signed, when, with which seal, whether the
 * signature holds, and whether the document changed after signing.
 *
 * A signature covers its ByteRange: the whole file as it was at signing, except the Contents hex
 * string. A changed byte inside the range breaks the message digest; bytes added after the range
 * are a later revision, acceptable only when a later signature covers them. Signatures are found
 * through the document's objects (pdf-lib), and also by scanning the bytes for /ByteRange, so that a
 * damaged file still reports what it can.
 *
 * The signer's certificate is judged now (the /M time is only claimed). A timestamp (RFC 3161) over
 * the signature value proves the signature existed at its time: with a trusted one, a certificate
 * that has expired since but was valid then leaves the signature valid as of that time.
 */
import { PDFArray, PDFDict, PDFDocument, PDFHexString, PDFName, PDFNumber, PDFRef, PDFString } from "pdf-lib";
import type { PDFContext } from "pdf-lib";
import { parseCertificate } from "../pki/certificate.js";
import type { CertificateView } from "../pki/certificate.js";
import { verifyTimestampToken } from "../pki/tsa.js";
import { buildPath } from "../pki/chain.js";
import { allPass, fail, isoSecond, pass, skipped, validityAt } from "./checks.js";
import type { Check } from "./checks.js";
import {
  CMS_OID,
  SIGNATURE_NAMES,
  checkSignerSignature,
  checkSigningCertificate,
  digestBytes,
  digestNameOf,
  findSignerCertificate,
  parseCms,
  readContentTypeAttribute,
  readMessageDigest,
  readSigningTime,
} from "../pki/cms.js";
import type { CmsSignerView, CmsView } from "../pki/cms.js";
import { SEAL_ENTRY, decodeTextString, parsePdfDate } from "./pdf-common.js";
import { assertPdfWithinLimits } from "./pdf-limits.js";
import { sealBindsCertificate, verifySeal } from "./seal.js";
import type { SealVerdict } from "./seal.js";

export type PdfCheckName =
  | "byteRange"
  | "digest"
  | "signature"
  | "signingCertificate"
  | "timestamp"
  | "signerCertificate"
  | "chain"
  | "seal"
  | "changes";
export type PdfCheck = Check<PdfCheckName>;

export interface PdfSignerView {
  subject: string;
  organisation: string | undefined;
  commonName: string | undefined;
  issuer: string;
  serialNumber: string;
  sha256: string;
  certificate: CertificateView;
}

export interface PdfSignatureVerdict {
  valid: boolean;
  /** the signature field's name (/T), when the signature is reachable from a field */
  field: string | undefined;
  /** 1-based page of the visible stamp, and its rectangle in points */
  page: number | undefined;
  rect: number[] | undefined;
  subFilter: string | undefined;
  /** the time the signer claims: the CMS signing-time attribute, else /M */
  signingTime: Date | undefined;
  reason: string | undefined;
  location: string | undefined;
  signer: PdfSignerView | undefined;
  digestAlgorithm: string | undefined;
  signatureAlgorithm: string | undefined;
  byteRange: number[];
  /** the signed revision is the whole file */
  coversWholeDocument: boolean;
  /** bytes were added after signing (a later revision), whether or not a later signature covers them */
  modifiedAfterSigning: boolean;
  /** the SESeal embedded in the signature dictionary, verified at the signing time */
  seal: SealVerdict | undefined;
  /** the timestamp token over the signature value (unsigned attribute), as checked */
  timestamp: PdfTimestampView | undefined;
  /** the signer's certificate has expired, but a trusted timestamp proves the signature older */
  validAsOf: Date | undefined;
  checks: PdfCheck[];
}

export interface PdfTimestampView {
  valid: boolean;
  /** tsa.token_valid, or why not (src/i18n/messages/tsa.ts) */
  code: string;
  genTime: Date | undefined;
  /** the TSA certificate's subject */
  tsa: string | undefined;
}

export interface PdfVerdict {
  /** at least one signature, and every one valid */
  valid: boolean;
  at: Date;
  size: number;
  signatures: PdfSignatureVerdict[];
  /** the file does not parse as a PDF at all (signatures may still be found by scanning) */
  unreadable: string | undefined;
}

export interface VerifyPdfOptions {
  /** when the signer's certificate is judged (a trusted timestamp may vouch for an earlier time); default now */
  at?: Date;
  /** trusted roots (DER); without them the chain check is skipped */
  trustAnchors?: readonly Uint8Array[];
  /** issuing CAs (DER) to build chains with when a signature carries only its own certificate */
  intermediates?: readonly Uint8Array[];
}

interface FoundSignature {
  byteRange: number[];
  field?: string | undefined;
  page?: number | undefined;
  rect?: number[] | undefined;
  subFilter?: string | undefined;
  time?: Date | undefined;
  reason?: string | undefined;
  location?: string | undefined;
  seal?: Uint8Array | undefined;
}

export async function verifyPdf(pdf: Uint8Array, options: VerifyPdfOptions = {}): Promise<PdfVerdict> {
  const at = options.at ?? new Date();
  // Before pdf-lib inflates the object streams whole: a compressed bomb is refused here.
  assertPdfWithinLimits(pdf);
  let found: FoundSignature[] = [];
  let unreadable: string | undefined;
  try {
    const doc = await PDFDocument.load(pdf, { updateMetadata: false, ignoreEncryption: true });
    found = signaturesOf(doc);
  } catch (e) {
    unreadable = e instanceof Error ? e.message : String(e);
  }
  // What the object model missed (a damaged file, a dictionary in an unreferenced object).
  const known = new Set(found.map((f) => f.byteRange.join(" ")));
  for (const byteRange of scanByteRanges(pdf)) {
    if (!known.has(byteRange.join(" "))) found.push({ byteRange });
  }
  // Oldest first: the order of the revisions they sign.
  found.sort(
    (a, b) => (a.byteRange[2] ?? 0) + (a.byteRange[3] ?? 0) - ((b.byteRange[2] ?? 0) + (b.byteRange[3] ?? 0)),
  );

  const trust = { anchors: options.trustAnchors, intermediates: options.intermediates ?? [] };
  const signatures = found.map((f) => verifyOne(pdf, f, at, trust));
  // Bytes after a signature are fine when a later valid signature covers the whole file.
  const lastEnd = (v: PdfSignatureVerdict): number => (v.byteRange[2] ?? 0) + (v.byteRange[3] ?? 0);
  for (const [i, v] of signatures.entries()) {
    if (!v.modifiedAfterSigning) continue;
    const later = signatures.slice(i + 1).find((w) => w.valid && w.coversWholeDocument);
    const index = v.checks.findIndex((c) => c.name === "changes");
    v.checks[index] = later
      ? pass("changes", "pdf.later_revision_signed", { bytes: pdf.length - lastEnd(v) })
      : fail("changes", "pdf.modified_after_signing", { bytes: pdf.length - lastEnd(v) });
    v.valid = allPass(v.checks);
  }
  return {
    valid: signatures.length > 0 && signatures.every((s) => s.valid),
    at,
    size: pdf.length,
    signatures,
    unreadable,
  };
}

// ---------------------------------------------------------------------------------------------
// Finding signatures

function signaturesOf(doc: PDFDocument): FoundSignature[] {
  const context = doc.context;
  const widgets = widgetsBySignature(doc);
  const out: FoundSignature[] = [];
  for (const [ref, object] of context.enumerateIndirectObjects()) {
    if (!(object instanceof PDFDict)) continue;
    const byteRange = numbers(context, object.get(PDFName.of("ByteRange")));
    if (!byteRange || !object.has(PDFName.of("Contents"))) continue;
    const widget = widgets.get(ref.tag);
    const sealRaw = object.get(PDFName.of(SEAL_ENTRY));
    const m = text(context, object.get(PDFName.of("M")));
    out.push({
      byteRange,
      field: widget?.field,
      page: widget?.page,
      rect: widget?.rect,
      subFilter: object.lookupMaybe(PDFName.of("SubFilter"), PDFName)?.decodeText(),
      time: m ? parsePdfDate(m) : undefined,
      reason: text(context, object.get(PDFName.of("Reason"))),
      location: text(context, object.get(PDFName.of("Location"))),
      seal: sealRaw instanceof PDFHexString || sealRaw instanceof PDFString ? sealRaw.asBytes() : undefined,
    });
  }
  return out;
}

interface WidgetInfo {
  field: string | undefined;
  page: number | undefined;
  rect: number[] | undefined;
}

/** Signature fields (merged field and widget, or a field with widget kids) by their /V reference. */
function widgetsBySignature(doc: PDFDocument): Map<string, WidgetInfo> {
  const context = doc.context;
  const pageOf = new Map<string, number>();
  doc.getPages().forEach((page, i) => {
    const annots = page.node.lookupMaybe(PDFName.of("Annots"), PDFArray);
    for (const a of annots?.asArray() ?? []) if (a instanceof PDFRef) pageOf.set(a.tag, i + 1);
  });
  const out = new Map<string, WidgetInfo>();
  for (const [ref, object] of context.enumerateIndirectObjects()) {
    if (!(object instanceof PDFDict)) continue;
    const v = object.get(PDFName.of("V"));
    if (!(v instanceof PDFRef) || object.lookupMaybe(PDFName.of("FT"), PDFName)?.decodeText() !== "Sig")
      continue;
    const kids = object.lookupMaybe(PDFName.of("Kids"), PDFArray)?.asArray() ?? [];
    const widgetRef = kids[0] instanceof PDFRef ? kids[0] : ref;
    const widget = context.lookupMaybe(widgetRef, PDFDict) ?? object;
    out.set(v.tag, {
      field: text(context, object.get(PDFName.of("T"))),
      page: pageOf.get(widgetRef.tag),
      rect: numbers(context, widget.get(PDFName.of("Rect"))),
    });
  }
  return out;
}

function numbers(context: PDFContext, raw: unknown): number[] | undefined {
  const array = raw instanceof PDFRef ? context.lookupMaybe(raw, PDFArray) : raw;
  if (!(array instanceof PDFArray)) return undefined;
  const out: number[] = [];
  for (const item of array.asArray()) {
    const n = context.lookupMaybe(item, PDFNumber);
    if (!n) return undefined;
    out.push(n.asNumber());
  }
  return out;
}

function text(context: PDFContext, raw: unknown): string | undefined {
  const value = raw instanceof PDFRef ? context.lookup(raw) : raw;
  if (value instanceof PDFString || value instanceof PDFHexString) return decodeTextString(value.asBytes());
  return undefined;
}

/** Every `/ByteRange [a b c d]` in the file's bytes. */
function scanByteRanges(pdf: Uint8Array): number[][] {
  const latin1 = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength).toString("latin1");
  return [...latin1.matchAll(/\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g)].map((m) =>
    m.slice(1, 5).map(Number),
  );
}

// ---------------------------------------------------------------------------------------------
// Verifying one signature

function verifyOne(
  pdf: Uint8Array,
  found: FoundSignature,
  at: Date,
  trust: { anchors: readonly Uint8Array[] | undefined; intermediates: readonly Uint8Array[] },
): PdfSignatureVerdict {
  const verdict: PdfSignatureVerdict = {
    valid: false,
    field: found.field,
    page: found.page,
    rect: found.rect,
    subFilter: found.subFilter,
    signingTime: found.time,
    reason: found.reason,
    location: found.location,
    signer: undefined,
    digestAlgorithm: undefined,
    signatureAlgorithm: undefined,
    byteRange: found.byteRange,
    coversWholeDocument: false,
    modifiedAfterSigning: false,
    seal: undefined,
    timestamp: undefined,
    validAsOf: undefined,
    checks: [],
  };
  const checks = verdict.checks;
  const finish = (): PdfSignatureVerdict => {
    const order: PdfCheckName[] = [
      "byteRange",
      "digest",
      "signature",
      "signingCertificate",
      "timestamp",
      "signerCertificate",
      "chain",
      "seal",
      "changes",
    ];
    for (const name of order) {
      if (!checks.some((c) => c.name === name)) checks.push(skipped(name, "pdf.not_checked"));
    }
    checks.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
    verdict.valid = allPass(checks);
    return verdict;
  };

  const gap = byteRangeGap(pdf, found.byteRange);
  if (typeof gap === "string") {
    checks.push(fail("byteRange", gap, { byteRange: found.byteRange.join(" ") }));
    return finish();
  }
  const [, b, c, d] = found.byteRange as [number, number, number, number];
  verdict.coversWholeDocument = c + d === pdf.length;
  verdict.modifiedAfterSigning = c + d < pdf.length;
  checks.push(pass("byteRange", "pdf.byte_range_ok", { byteRange: found.byteRange.join(" ") }));
  checks.push(
    verdict.modifiedAfterSigning
      ? fail("changes", "pdf.modified_after_signing", { bytes: pdf.length - (c + d) })
      : pass("changes", "pdf.covers_whole_document"),
  );

  let cms: CmsView;
  try {
    cms = parseCms(gap);
  } catch (e) {
    checks.push(fail("signature", "pdf.cms_invalid", { what: e instanceof Error ? e.message : String(e) }));
    return finish();
  }
  const signer = cms.signers[0];
  if (!signer || cms.signers.length !== 1 || cms.hasContent || cms.contentType !== CMS_OID.data) {
    checks.push(fail("signature", "pdf.cms_invalid", { what: "not one detached signer over id-data" }));
    return finish();
  }
  const cert = findSignerCertificate(cms, signer);
  const attributeTime = readSigningTimeSafely(signer);
  if (attributeTime) verdict.signingTime = attributeTime;
  const judgedAt = verdict.signingTime ?? at;
  verdict.digestAlgorithm = digestNameOf(signer.digestOid) ?? signer.digestOid;
  verdict.signatureAlgorithm = SIGNATURE_NAMES[signer.signatureAlgorithmOid] ?? signer.signatureAlgorithmOid;

  checks.push(digestCheck(pdf, b, c, d, signer));
  if (!cert) {
    checks.push(fail("signature", "pdf.signer_certificate_missing"));
    return finish();
  }
  verdict.signer = {
    subject: cert.subjectText,
    organisation: cert.subject.O,
    commonName: cert.subject.CN,
    issuer: cert.issuerText,
    serialNumber: cert.serialNumber,
    sha256: cert.fingerprintSha256,
    certificate: cert,
  };
  checks.push(signatureCheck(signer, cert, verdict.signatureAlgorithm));
  checks.push(signingCertificateCheck(signer, cert, found.subFilter));
  const stamp = timestampCheck(signer, trust.anchors, [
    ...trust.intermediates,
    ...cms.certificates.map((c) => c.der),
  ]);
  verdict.timestamp = stamp.view;
  checks.push(stamp.check);
  const certificateCheck = signerCertificateCheck(cert, at, stamp.view);
  if (certificateCheck.code === "pdf.signer_certificate_valid_at_timestamp")
    verdict.validAsOf = stamp.view?.genTime;
  checks.push(certificateCheck);
  // The CAs are judged when the signer's certificate is: at a trusted timestamp when it has expired since.
  checks.push(
    chainCheck(cert, cms.certificates, trust.anchors, trust.intermediates, verdict.validAsOf ?? at),
  );
  if (found.seal) {
    verdict.seal = verifySeal(found.seal, { at: judgedAt });
    checks.push(sealCheck(verdict.seal, cert));
  } else {
    checks.push(skipped("seal", "pdf.no_seal"));
  }
  return finish();
}

function readSigningTimeSafely(signer: CmsSignerView): Date | undefined {
  try {
    return readSigningTime(signer);
  } catch {
    return undefined;
  }
}

/** The gap between the two ranges must be exactly the Contents hex string; returns its bytes. */
function byteRangeGap(pdf: Uint8Array, range: number[]): Uint8Array | string {
  if (range.length !== 4) return "pdf.byte_range_invalid";
  const [a, b, c, d] = range as [number, number, number, number];
  if (a !== 0 || b <= 0 || c <= b + 1 || d < 0) return "pdf.byte_range_invalid";
  if (c + d > pdf.length) return "pdf.byte_range_beyond_file";
  if (pdf[b] !== 0x3c || pdf[c - 1] !== 0x3e) return "pdf.byte_range_invalid";
  const hex = Buffer.from(pdf.subarray(b + 1, c - 1))
    .toString("latin1")
    .replace(/\s+/g, "");
  if (!/^[0-9A-Fa-f]*$/.test(hex) || hex.length % 2 !== 0) return "pdf.byte_range_invalid";
  return new Uint8Array(Buffer.from(hex, "hex"));
}

function digestCheck(pdf: Uint8Array, b: number, c: number, d: number, signer: CmsSignerView): PdfCheck {
  const name = digestNameOf(signer.digestOid);
  if (!name) return fail("digest", "pdf.digest_algorithm_unsupported", { algorithm: signer.digestOid });
  let claimed: Uint8Array | undefined;
  let contentType: string | undefined;
  try {
    claimed = readMessageDigest(signer);
    contentType = readContentTypeAttribute(signer);
  } catch {
    claimed = undefined;
  }
  if (!claimed || contentType !== CMS_OID.data) return fail("digest", "pdf.attributes_invalid");
  const actual = digestBytes(name, [pdf.subarray(0, b), pdf.subarray(c, c + d)]);
  // Only the signed revision: bytes after it are judged by the "changes" check.
  return Buffer.compare(actual, claimed) === 0
    ? pass("digest", "pdf.digest_matches", { algorithm: name })
    : fail("digest", "pdf.digest_mismatch", { algorithm: name });
}

function signatureCheck(signer: CmsSignerView, cert: CertificateView, algorithm: string): PdfCheck {
  switch (checkSignerSignature(signer, cert)) {
    case "valid":
      return pass("signature", "pdf.signature_valid", { algorithm });
    case "invalid":
      return fail("signature", "pdf.signature_invalid", { algorithm });
    case "unsupported":
      return fail("signature", "pdf.signature_algorithm_unsupported", { algorithm });
  }
}

function signingCertificateCheck(
  signer: CmsSignerView,
  cert: CertificateView,
  subFilter: string | undefined,
): PdfCheck {
  const outcome = checkSigningCertificate(signer, cert);
  if (outcome.status === "match")
    return pass("signingCertificate", "pdf.ess_match", { version: outcome.version });
  if (outcome.status === "mismatch") return fail("signingCertificate", "pdf.ess_mismatch");
  // PAdES requires the attribute; plain adbe.pkcs7.detached signatures often lack it.
  return subFilter === "ETSI.CAdES.detached"
    ? fail("signingCertificate", "pdf.ess_missing")
    : skipped("signingCertificate", "pdf.ess_missing_legacy");
}

/** The id-aa-signatureTimeStampToken over the signature value: present, and trusted when roots are given. */
function timestampCheck(
  signer: CmsSignerView,
  anchors: readonly Uint8Array[] | undefined,
  intermediates: readonly Uint8Array[],
): { check: PdfCheck; view?: PdfTimestampView } {
  const tokens = signer.unsignedAttributes.get(CMS_OID.signatureTimeStampToken) ?? [];
  if (tokens.length === 0) return { check: skipped("timestamp", "pdf.timestamp_absent") };
  const verdict =
    tokens.length === 1
      ? verifyTimestampToken(tokens[0]!, signer.signature, anchors ?? [], intermediates)
      : { valid: false, code: "tsa.token_unreadable", genTime: undefined, tsa: undefined };
  const view: PdfTimestampView = {
    valid: verdict.valid,
    code: verdict.code,
    genTime: verdict.genTime,
    tsa: verdict.tsa,
  };
  const params = {
    genTime: verdict.genTime ? isoSecond(verdict.genTime) : "?",
    tsa: verdict.tsa ?? "?",
  };
  if (verdict.valid) return { check: pass("timestamp", "tsa.token_valid", params), view };
  // Without roots nothing is trusted: the token is sound, but vouches for no time.
  if (!anchors?.length && verdict.code === "tsa.untrusted") {
    return { check: skipped("timestamp", "pdf.timestamp_chain_not_checked", params), view };
  }
  return { check: fail("timestamp", verdict.code, params), view };
}

/**
 * The signer's certificate now; when it has expired since, a trusted timestamp whose time falls
 * inside its validity keeps the signature valid as of that time (long-term validity).
 */
function signerCertificateCheck(
  cert: CertificateView,
  at: Date,
  stamp: PdfTimestampView | undefined,
): PdfCheck {
  const params = {
    subject: cert.subjectText,
    notBefore: isoSecond(cert.notBefore),
    notAfter: isoSecond(cert.notAfter),
    at: isoSecond(at),
  };
  const outcome = validityAt(at, cert.notBefore, cert.notAfter);
  if (outcome === "valid") return pass("signerCertificate", "pdf.signer_certificate_valid", params);
  const genTime = stamp?.valid ? stamp.genTime : undefined;
  if (outcome === "expired" && genTime && validityAt(genTime, cert.notBefore, cert.notAfter) === "valid") {
    return pass("signerCertificate", "pdf.signer_certificate_valid_at_timestamp", {
      ...params,
      genTime: isoSecond(genTime),
    });
  }
  return fail("signerCertificate", `pdf.signer_certificate_${outcome}`, params);
}

/**
 * A path from the signer to one of the trusted roots (src/pki/chain.ts: each link's signature, the
 * CAs' validity at the moment judged, basicConstraints, keyUsage, pathLen).
 */
function chainCheck(
  cert: CertificateView,
  carried: readonly CertificateView[],
  trustAnchors: readonly Uint8Array[] | undefined,
  intermediates: readonly Uint8Array[],
  at: Date,
): PdfCheck {
  if (!trustAnchors || trustAnchors.length === 0) return skipped("chain", "pdf.chain_not_checked");
  const path = buildPath({
    certificate: cert,
    anchors: trustAnchors.map((a) => parseCertificate(a)),
    intermediates: [...carried, ...intermediates.map((c) => parseCertificate(c))],
    at,
    signing: true,
  });
  if (path.trusted)
    return pass("chain", "pdf.chain_trusted", { root: path.path[path.path.length - 1]!.subjectText });
  return fail("chain", "pdf.chain_untrusted", { issuer: path.certificate.issuerText });
}

function sealCheck(seal: SealVerdict, cert: CertificateView): PdfCheck {
  const name = seal.seal?.name ?? "";
  if (!seal.valid) return fail("seal", "pdf.seal_invalid", { name });
  if (!seal.seal || !sealBindsCertificate(seal.seal, cert.der)) {
    return fail("seal", "pdf.seal_not_bound", { name, subject: cert.subjectText });
  }
  return pass("seal", "pdf.seal_valid", { name, id: seal.seal.id });
}
