/**
 * Verifying every seal signature in an OFD (GB/T 38540-2020 §7 on a GB/T 33190 package). Per
 * signature: is the SES_Signature's signature value intact (signatureIntact), does it cover this
 * Signature.xml and does every file its References name still have its check value
 * (documentIntact), and were the seal and certificates valid when it was signed and now. Each
 * check keeps its own message code, as the seal verifier's do.
 */
import { DomainError } from "../../domain/errors.js";
import type { CertificateView } from "../../pki/certificate.js";
import { verifyTimestampToken } from "../../pki/tsa.js";
import { checkSignature, digest } from "../algorithms.js";
import { allPass, fail, isoSecond, pass, skipped, validityAt, type Check } from "../checks.js";
import { certificateValidityCheck, sealBindsCertificate, verifySeal } from "../seal.js";
import { parseSealSignature, type SealSignatureView } from "../signature.js";
import { openOfd, type OfdDocument, type OfdPackage } from "./package.js";
import {
  checkMethodOf,
  checkValue,
  listSignatures,
  readSignatureXml,
  type SignatureEntry,
  type SignatureXml,
} from "./signature-xml.js";

export type OfdCheck = Check<string>;

export interface OfdStampView {
  pageRef: string;
  /** 1-based page number, when PageRef names a page of the document */
  page: number | undefined;
  boundary: [number, number, number, number] | undefined;
}

export interface OfdSignatureVerdict {
  id: string;
  type: string;
  /** package path of Signature.xml */
  file: string;
  signatureIntact: boolean;
  documentIntact: boolean;
  valid: boolean;
  /** the SES_Signature carries a timestamp (RFC 3161), checked in the timeStamp check */
  timeStamp: boolean;
  signature: SealSignatureView | undefined;
  stamps: OfdStampView[];
  checks: OfdCheck[];
}

export interface OfdVerdict {
  valid: boolean;
  at: Date;
  signatures: OfdSignatureVerdict[];
}

export interface VerifyOfdOptions {
  /** the moment to judge "now" at; default the current time */
  at?: Date;
  /**
   * CA certificates (DER) a timestamp authority's certificate must chain to; without them a
   * timestamp is checked (imprint, signature, EKU) but its chain is not.
   */
  timestampTrust?: readonly Uint8Array[];
}

export function verifyOfd(ofd: Uint8Array, options: VerifyOfdOptions = {}): OfdVerdict {
  const at = options.at ?? new Date();
  const pkg = openOfd(ofd);
  const signatures: OfdSignatureVerdict[] = [];
  for (const doc of pkg.documents) {
    if (!doc.signatures) continue;
    for (const entry of listSignatures(pkg, doc.signatures))
      signatures.push(verifyOne(pkg, doc, entry, at, options.timestampTrust));
  }
  return { valid: signatures.length > 0 && signatures.every((s) => s.valid), at, signatures };
}

function verifyOne(
  pkg: OfdPackage,
  doc: OfdDocument,
  entry: SignatureEntry,
  at: Date,
  timestampTrust: readonly Uint8Array[] | undefined,
): OfdSignatureVerdict {
  const base = { id: entry.id, type: entry.type, file: `/${entry.file}` };
  let xml: SignatureXml;
  try {
    xml = readSignatureXml(pkg, entry.file);
  } catch (e) {
    if (!(e instanceof DomainError)) throw e;
    return unreadable(base, fail("signatureFile", e.code, e.params));
  }
  const stamps = xml.stamps.map((s) => ({
    pageRef: s.pageRef,
    page: doc.pages.find((p) => p.id === s.pageRef)?.index,
    boundary: s.boundary,
  }));
  const signedValue = xml.signedValue ? pkg.files.get(xml.signedValue) : undefined;
  if (!signedValue)
    return {
      ...unreadable(
        base,
        fail("signedValue", "ofd.signed_value_missing", { file: `/${xml.signedValue ?? "?"}` }),
      ),
      stamps,
    };
  let view: SealSignatureView;
  try {
    view = parseSealSignature(signedValue);
  } catch (e) {
    if (!(e instanceof DomainError)) throw e;
    return { ...unreadable(base, fail("signedValue", e.code, e.params)), stamps };
  }
  const signerSignature = signerSignatureCheck(view);
  const signedFile = signedFileCheck(view, entry.file, pkg.files.get(entry.file)!);
  const references = referenceChecks(pkg, xml);
  const timeStamp = timeStampCheck(view, timestampTrust);
  const checks: OfdCheck[] = [
    pass("signedValue", "ofd.signed_value_read", { standard: view.standard, version: view.version }),
    signerSignature,
    signedFile,
    ...references,
    sealCheck(view),
    sealFileCheck(pkg, xml, view),
    sealBindsCertificate(view.seal, view.signer.der)
      ? pass("binding", "seal.certificate_bound", { subject: view.signer.subjectText })
      : fail("binding", "seal.certificate_not_bound", { subject: view.signer.subjectText }),
    signingTimeCheck(view, at),
    ...validityChecks(view, at, timeStamp.status === "pass" ? timeStamp.genTime : undefined),
    timeStamp.check,
    ...stampChecks(stamps),
  ];
  const signatureIntact = signerSignature.status === "pass";
  const documentIntact = signedFile.status === "pass" && references.every((c) => c.status === "pass");
  return {
    ...base,
    signatureIntact,
    documentIntact,
    valid: allPass(checks),
    timeStamp: view.timeStamp !== undefined,
    signature: view,
    stamps,
    checks,
  };
}

function unreadable(base: { id: string; type: string; file: string }, check: OfdCheck): OfdSignatureVerdict {
  return {
    ...base,
    signatureIntact: false,
    documentIntact: false,
    valid: false,
    timeStamp: false,
    signature: undefined,
    stamps: [],
    checks: [check],
  };
}

function signerSignatureCheck(view: SealSignatureView): OfdCheck {
  const algorithm = view.signatureAlgorithmName;
  switch (checkSignature(view.signer.spki, view.signatureAlgorithm, view.signedData, view.signature)) {
    case "valid":
      return pass("signerSignature", "seal.signer_signature_valid", { algorithm });
    case "invalid":
      return fail("signerSignature", "seal.signer_signature_invalid", { algorithm });
    case "unsupported":
      return fail("signerSignature", "seal.signature_algorithm_unsupported", { algorithm });
  }
}

/** GB/T 38540 §7: the signature's dataHash is the digest of Signature.xml, which holds the References. */
function signedFileCheck(view: SealSignatureView, file: string, data: Uint8Array): OfdCheck {
  const params = { file: `/${file}` };
  if (!view.digestAlgorithm)
    return fail("signedFile", "seal.signature_algorithm_unsupported", {
      algorithm: view.signatureAlgorithmName,
    });
  return Buffer.compare(digest(view.digestAlgorithm, data), view.dataHash) === 0
    ? pass("signedFile", "ofd.signature_file_matches", params)
    : fail("signedFile", "ofd.signature_file_changed", params);
}

function referenceChecks(pkg: OfdPackage, xml: SignatureXml): OfdCheck[] {
  const method = checkMethodOf(xml.checkMethod);
  if (!method)
    return [fail("references", "ofd.check_method_unsupported", { method: xml.checkMethod ?? "MD5" })];
  if (xml.references.length === 0) return [fail("references", "ofd.references_empty")];
  return xml.references.map((r) => {
    const params = { file: `/${r.file}`, method: method.label };
    const data = pkg.files.get(r.file);
    if (!data) return fail("reference", "ofd.reference_missing", params);
    return Buffer.compare(checkValue(method.hash, data), r.checkValue) === 0
      ? pass("reference", "ofd.reference_matches", params)
      : fail("reference", "ofd.reference_changed", params);
  });
}

/** The seal inside the signature: its maker's signature and structure (validity is judged below). */
function sealCheck(view: SealSignatureView): OfdCheck {
  const verdict = verifySeal(view.seal.der, { at: view.signedAt ?? new Date(0) });
  const maker = verdict.checks.find((c) => c.name === "makerSignature");
  const structure = verdict.checks.find((c) => c.name === "structure");
  for (const c of [structure, maker]) if (c && c.status === "fail") return fail("seal", c.code, c.params);
  return pass("seal", "ofd.seal_intact", { name: view.seal.name, id: view.seal.id });
}

/** A seal file beside the signature (Seal/BaseLoc) must be the seal the signature carries. */
function sealFileCheck(pkg: OfdPackage, xml: SignatureXml, view: SealSignatureView): OfdCheck {
  if (!xml.sealFile) return skipped("sealFile", "ofd.seal_file_none");
  const params = { file: `/${xml.sealFile}` };
  const data = pkg.files.get(xml.sealFile);
  if (!data) return fail("sealFile", "ofd.seal_file_missing", params);
  return Buffer.compare(data, view.seal.der) === 0
    ? pass("sealFile", "ofd.seal_file_matches", params)
    : fail("sealFile", "ofd.seal_file_differs", params);
}

/**
 * GB/T 38540 §6.2: SES_Signature's timeStamp is an RFC 3161 token over its signature value. Checked
 * as the PDF verifier checks one: imprint, the TSA's signature and EKU, its chain when CAs are given.
 */
function timeStampCheck(
  view: SealSignatureView,
  trust: readonly Uint8Array[] | undefined,
): { status: "pass"; check: OfdCheck; genTime: Date } | { status: "other"; check: OfdCheck } {
  if (!view.timeStamp) return { status: "other", check: skipped("timeStamp", "ofd.timestamp_absent") };
  const verdict = verifyTimestampToken(view.timeStamp, view.signature, trust ?? []);
  const params = {
    genTime: verdict.genTime ? isoSecond(verdict.genTime) : "?",
    tsa: verdict.tsa ?? "?",
  };
  if (verdict.valid && verdict.genTime)
    return { status: "pass", check: pass("timeStamp", "tsa.token_valid", params), genTime: verdict.genTime };
  if (!trust?.length && verdict.code === "tsa.untrusted")
    return { status: "other", check: skipped("timeStamp", "ofd.timestamp_chain_not_checked", params) };
  return { status: "other", check: fail("timeStamp", verdict.code, params) };
}

function signingTimeCheck(view: SealSignatureView, at: Date): OfdCheck {
  if (!view.signedAt) return fail("signingTime", "seal.signing_time_unknown");
  const time = isoSecond(view.signedAt);
  if (view.signedAt.getTime() > at.getTime())
    return fail("signingTime", "seal.signing_time_future", { time, at: isoSecond(at) });
  return pass("signingTime", "ofd.signing_time", { time });
}

function sealValidity(name: string, view: SealSignatureView, at: Date): OfdCheck {
  const params = {
    validStart: isoSecond(view.seal.validStart),
    validEnd: isoSecond(view.seal.validEnd),
    at: isoSecond(at),
  };
  const outcome = validityAt(at, view.seal.validStart, view.seal.validEnd);
  return outcome === "valid" ? pass(name, "seal.valid", params) : fail(name, `seal.${outcome}`, params);
}

/**
 * The seal, the signer's and the maker's certificates: when signed (the claimed time) and now.
 * Long-term validity: what has expired since is judged at a trusted timestamp's time instead, the
 * one moment of signing that no signer can claim falsely.
 */
function validityChecks(view: SealSignatureView, at: Date, stampedAt: Date | undefined): OfdCheck[] {
  const certificate = (name: string, prefix: string, cert: CertificateView, when: Date | undefined) =>
    when ? certificateValidityCheck(name, prefix, cert, when) : skipped(name, "seal.signing_time_unknown");
  const judged = (suffix: string, when: Date | undefined): OfdCheck[] => [
    when
      ? sealValidity(`sealValidity${suffix}`, view, when)
      : skipped(`sealValidity${suffix}`, "seal.signing_time_unknown"),
    certificate(`signerCertificate${suffix}`, "seal.signer_certificate", view.signer, when),
    certificate(`makerCertificate${suffix}`, "seal.maker_certificate", view.seal.maker, when),
  ];
  const now = judged("Now", at);
  const atStamp = stampedAt ? judged("Now", stampedAt) : [];
  const rescued = now.map((check, i) =>
    check.status === "fail" && check.code.endsWith("expired") && atStamp[i]?.status === "pass"
      ? pass(
          check.name,
          check.name.startsWith("seal")
            ? "ofd.seal_valid_at_timestamp"
            : "ofd.certificate_valid_at_timestamp",
          {
            ...atStamp[i].params,
            genTime: isoSecond(stampedAt!),
          },
        )
      : check,
  );
  return [...judged("AtSigning", view.signedAt), ...rescued];
}

function stampChecks(stamps: OfdStampView[]): OfdCheck[] {
  if (stamps.length === 0) return [skipped("stamp", "ofd.stamp_none")];
  return stamps.map((s) => {
    if (s.page === undefined) return fail("stamp", "ofd.stamp_page_unknown", { pageRef: s.pageRef });
    if (!s.boundary) return fail("stamp", "ofd.stamp_boundary_invalid", { page: s.page });
    const [x, y, width, height] = s.boundary;
    return pass("stamp", "ofd.stamp_at", { page: s.page, x, y, width, height });
  });
}
