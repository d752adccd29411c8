/**
 * RFC 3161 timestamps: the desk's timestamp authority (parse a TimeStampReq, build the token and
 * the TimeStampResp), a check of a token against the bytes it stamps, and a client. A token is CMS
 * SignedData over TSTInfo (section 2.4.2), signed by a certificate whose only extended key usage is
 * id-kp-timeStamping, critical (section 2.3). PDF and OFD signatures carry one over their
 * signature value, so they stay verifiable after the signer's certificate expires.
 */
import { createHash, randomBytes } from "node:crypto";
import { DomainError } from "../domain/errors.js";
import {
  CMS_OID,
  checkSignerSignature,
  checkSigningCertificate,
  cmsAlgorithmsFor,
  derSetOf,
  digestNameOf,
  findSignerCertificate,
  parseCms,
  readContentTypeAttribute,
  readMessageDigest,
  serialTlv,
  signingCertificateV2,
} from "./cms.js";
import { buildPath } from "./chain.js";
import { parseCertificate, type CertificateView } from "./certificate.js";
import {
  TAG,
  children,
  content,
  contextConstructed,
  decodeOid,
  explicit,
  generalizedTime,
  integerFromBigint,
  octetString,
  oid,
  readOnly,
  readTime,
  readUnsignedInteger,
  sequence,
  smallInteger,
  tlv,
  whole,
  type Tlv,
} from "./der.js";
import { OID } from "./oids.js";
import type { Signer } from "./signer.js";

export const TSA_OID = {
  /** id-ct-TSTInfo, RFC 3161 section 2.4.2 */
  tstInfo: "1.2.840.113549.1.9.16.1.4",
  /** id-aa-signatureTimeStampToken, RFC 3161 appendix A: the CMS unsigned attribute */
  signatureTimeStampToken: CMS_OID.signatureTimeStampToken,
  /** the desk's default TSA policy (an arc of the desk's own; a deployment may set its own) */
  defaultPolicy: "1.3.6.1.4.1.59999.3161.1",
} as const;

export const TIMESTAMP_QUERY_TYPE = "application/timestamp-query";
export const TIMESTAMP_REPLY_TYPE = "application/timestamp-reply";

const tsaInvalid = (what: string): DomainError =>
  new DomainError("tsa.request_invalid", { what }, `timestamp request does not parse: ${what}`);

export interface TimestampRequest {
  hashAlgorithm: string;
  hashedMessage: Uint8Array;
  reqPolicy?: string;
  /** the INTEGER's magnitude, echoed byte for byte */
  nonce?: Uint8Array;
  certReq: boolean;
}

/** Reads a TimeStampReq (section 2.4.1). Extensions are refused: the TSA honours none. */
export function parseTimestampRequest(der: Uint8Array): TimestampRequest {
  try {
    const parts = children(der, readOnly(der, TAG.SEQUENCE));
    const version = parts[0];
    if (version?.tag !== TAG.INTEGER || content(der, version)[0] !== 1) throw tsaInvalid("version");
    const imprint = readImprint(der, parts[1]);
    const request: TimestampRequest = { ...imprint, certReq: false };
    for (const p of parts.slice(2)) {
      if (p.tag === TAG.OID) request.reqPolicy = decodeOid(content(der, p));
      else if (p.tag === TAG.INTEGER) request.nonce = readUnsignedInteger(der, p).slice();
      else if (p.tag === TAG.BOOLEAN) request.certReq = content(der, p)[0] !== 0;
      else throw tsaInvalid("extensions are not supported");
    }
    if (!digestNameOf(request.hashAlgorithm)) throw tsaInvalid(`hash algorithm ${request.hashAlgorithm}`);
    return request;
  } catch (e) {
    if (e instanceof DomainError && e.code === "tsa.request_invalid") throw e;
    throw tsaInvalid(e instanceof Error ? e.message : String(e));
  }
}

function readImprint(
  der: Uint8Array,
  t: Tlv | undefined,
): { hashAlgorithm: string; hashedMessage: Uint8Array } {
  if (t?.tag !== TAG.SEQUENCE) throw tsaInvalid("messageImprint");
  const [alg, hashed] = children(der, t);
  if (alg?.tag !== TAG.SEQUENCE || hashed?.tag !== TAG.OCTET_STRING) throw tsaInvalid("messageImprint");
  const algOid = children(der, alg)[0];
  if (algOid?.tag !== TAG.OID) throw tsaInvalid("hashAlgorithm");
  return { hashAlgorithm: decodeOid(content(der, algOid)), hashedMessage: content(der, hashed).slice() };
}

/** DER TimeStampReq for these bytes: SHA-256, a random nonce, the TSA's certificate asked for. */
export function buildTimestampRequest(bytes: Uint8Array): { der: Uint8Array; nonce: Uint8Array } {
  const nonce = randomBytes(8);
  nonce[0]! &= 0x7f;
  const der = sequence(
    smallInteger(1),
    imprint(CMS_OID.sha256, sha256(bytes)),
    integerFromBigint(BigInt(`0x${nonce.toString("hex")}`)),
    Uint8Array.of(TAG.BOOLEAN, 1, 0xff),
  );
  return { der, nonce: new Uint8Array(nonce) };
}

const sha256 = (bytes: Uint8Array): Uint8Array => new Uint8Array(createHash("sha256").update(bytes).digest());
const imprint = (hashOid: string, hashed: Uint8Array): Uint8Array =>
  sequence(sequence(oid(hashOid)), octetString(hashed));
const stripZeros = (b: Uint8Array): Uint8Array => {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
};

export interface TimestampAuthority {
  /** the TSA certificate (EKU id-kp-timeStamping, critical), DER */
  certificate: Uint8Array;
  signer: Signer;
  /** issuing CAs to carry in the token when the request asks for certificates */
  chain?: readonly Uint8Array[];
  policy?: string;
}

/** The token (ContentInfo SignedData over TSTInfo) for a parsed request, at genTime. */
export async function buildTimestampToken(
  tsa: TimestampAuthority,
  request: TimestampRequest,
  input: { serial: bigint; genTime: Date },
): Promise<Uint8Array> {
  const cert = parseCertificate(tsa.certificate);
  const policy = request.reqPolicy ?? tsa.policy ?? TSA_OID.defaultPolicy;
  const tstInfo = sequence(
    smallInteger(1),
    oid(policy),
    imprint(request.hashAlgorithm, request.hashedMessage),
    integerFromBigint(input.serial),
    generalizedTime(input.genTime),
    ...(request.nonce ? [tlv(TAG.INTEGER, nonceContent(request.nonce))] : []),
  );
  const { digestOid, digestName, signatureAlgorithm } = cmsAlgorithmsFor(tsa.signer);
  const attribute = (type: string, value: Uint8Array) => sequence(oid(type), tlv(TAG.SET, value));
  const signedAttrs = derSetOf([
    attribute(CMS_OID.contentType, oid(TSA_OID.tstInfo)),
    attribute(CMS_OID.messageDigest, octetString(digest(digestName, tstInfo))),
    attribute(CMS_OID.signingCertificateV2, signingCertificateV2(cert, digestOid, digestName)),
  ]);
  const signature = await tsa.signer.sign(tlv(TAG.SET, signedAttrs));
  const signerInfo = sequence(
    smallInteger(1),
    sequence(cert.issuerDer, serialTlv(cert)),
    sequence(oid(digestOid)),
    tlv(contextConstructed(0), signedAttrs),
    signatureAlgorithm,
    octetString(signature),
  );
  const certificates = request.certReq
    ? [
        tlv(
          contextConstructed(0),
          derSetOf([cert.der, ...(tsa.chain ?? []).map((c) => parseCertificate(c).der)]),
        ),
      ]
    : [];
  const signedData = sequence(
    smallInteger(3),
    tlv(TAG.SET, sequence(oid(digestOid))),
    sequence(oid(TSA_OID.tstInfo), explicit(0, octetString(tstInfo))),
    ...certificates,
    tlv(TAG.SET, signerInfo),
  );
  return sequence(oid(CMS_OID.signedData), explicit(0, signedData));
}

/** The nonce INTEGER's content: a leading zero keeps a high first bit positive. */
function nonceContent(magnitude: Uint8Array): Uint8Array {
  const m = stripZeros(magnitude);
  return m[0]! & 0x80 ? Uint8Array.of(0, ...m) : m;
}

const digest = (name: string, data: Uint8Array): Uint8Array =>
  new Uint8Array(createHash(name).update(data).digest());

/** TimeStampResp: granted with the token, or rejected with a failure bit (section 2.4.2). */
export function timestampReply(token: Uint8Array): Uint8Array {
  return sequence(sequence(smallInteger(0)), token);
}

/** PKIFailureInfo bits as DER BIT STRING contents (unused bits first): section 2.4.2. */
const FAILURE_BITS = {
  badAlg: Uint8Array.of(7, 0x80), // bit 0
  badDataFormat: Uint8Array.of(2, 0x04), // bit 5
  systemFailure: Uint8Array.of(6, 0, 0, 0, 0x40), // bit 25
} as const;

/** A rejection (status 2) with the failure bit saying why the request could not be honoured. */
export function timestampRejection(failure: keyof typeof FAILURE_BITS): Uint8Array {
  return sequence(sequence(smallInteger(2), tlv(TAG.BIT_STRING, FAILURE_BITS[failure])));
}

/** Answers a DER TimeStampReq: the reply's bytes, granted or rejected. */
export async function answerTimestampRequest(
  tsa: TimestampAuthority,
  requestDer: Uint8Array,
  input: { serial: bigint; genTime: Date },
): Promise<Uint8Array> {
  let request: TimestampRequest;
  try {
    request = parseTimestampRequest(requestDer);
  } catch (e) {
    if (e instanceof DomainError && e.code === "tsa.request_invalid") {
      return timestampRejection(
        String(e.params.what).startsWith("hash algorithm") ? "badAlg" : "badDataFormat",
      );
    }
    throw e;
  }
  return timestampReply(await buildTimestampToken(tsa, request, input));
}

// ---- verifying --------------------------------------------------------------------------------

export interface TimestampVerdict {
  valid: boolean;
  /** a code of src/i18n/messages/tsa.ts: why the token is not valid, or tsa.token_valid */
  code: string;
  genTime?: Date;
  /** the TSA certificate's subject */
  tsa?: string;
  policy?: string;
}

/**
 * Checks a timestamp token over signedBytes (for a CMS signature: its signature value): the
 * imprint, the TSA's signature and ESS certificate binding, the critical timeStamping EKU, genTime
 * inside the TSA certificate's validity, and a chain to one of trustAnchors (DER roots) through the
 * issuing CAs carried in the token or given as intermediates.
 */
export function verifyTimestampToken(
  token: Uint8Array,
  signedBytes: Uint8Array,
  trustAnchors: readonly Uint8Array[],
  intermediates: readonly Uint8Array[] = [],
): TimestampVerdict {
  let cms: ReturnType<typeof parseCms>;
  try {
    cms = parseCms(token);
  } catch {
    return { valid: false, code: "tsa.token_unreadable" };
  }
  if (cms.contentType !== TSA_OID.tstInfo || !cms.content)
    return { valid: false, code: "tsa.token_unreadable" };
  let info: { hashAlgorithm: string; hashedMessage: Uint8Array; genTime: Date; policy: string };
  try {
    info = readTstInfo(cms.content);
  } catch {
    return { valid: false, code: "tsa.token_unreadable" };
  }
  const base = { genTime: info.genTime, policy: info.policy };
  const hashName = digestNameOf(info.hashAlgorithm);
  if (!hashName) return { ...base, valid: false, code: "tsa.hash_unsupported" };
  if (Buffer.compare(digest(hashName, signedBytes), info.hashedMessage) !== 0) {
    return { ...base, valid: false, code: "tsa.imprint_mismatch" };
  }
  const signer = cms.signers[0];
  const cert = signer && findSignerCertificate(cms, signer);
  if (!signer || !cert) return { ...base, valid: false, code: "tsa.certificate_missing" };
  const withTsa = { ...base, tsa: cert.subjectText };
  const signerDigest = digestNameOf(signer.digestOid);
  if (
    readContentTypeAttribute(signer) !== TSA_OID.tstInfo ||
    !signerDigest ||
    Buffer.compare(readMessageDigest(signer) ?? new Uint8Array(), digest(signerDigest, cms.content)) !== 0 ||
    checkSignerSignature(signer, cert) !== "valid"
  ) {
    return { ...withTsa, valid: false, code: "tsa.signature_invalid" };
  }
  if (checkSigningCertificate(signer, cert).status !== "match") {
    return { ...withTsa, valid: false, code: "tsa.signing_certificate_mismatch" };
  }
  if (!isTimestampingCertificate(cert))
    return { ...withTsa, valid: false, code: "tsa.not_a_tsa_certificate" };
  if (info.genTime < cert.notBefore || info.genTime > cert.notAfter) {
    return { ...withTsa, valid: false, code: "tsa.certificate_not_valid_then" };
  }
  const path = buildPath({
    certificate: cert,
    anchors: trustAnchors.map((a) => parseCertificate(a)),
    intermediates: [...cms.certificates, ...intermediates.map((c) => parseCertificate(c))],
    at: info.genTime,
    signing: true,
  });
  if (!path.trusted) {
    return { ...withTsa, valid: false, code: "tsa.untrusted" };
  }
  return { ...withTsa, valid: true, code: "tsa.token_valid" };
}

function readTstInfo(der: Uint8Array): {
  hashAlgorithm: string;
  hashedMessage: Uint8Array;
  genTime: Date;
  policy: string;
} {
  const parts = children(der, readOnly(der, TAG.SEQUENCE));
  const [version, policy, mi, serial, genTime] = parts;
  if (version?.tag !== TAG.INTEGER || policy?.tag !== TAG.OID || serial?.tag !== TAG.INTEGER) {
    throw new Error("TSTInfo");
  }
  if (genTime?.tag !== TAG.GENERALIZED_TIME) throw new Error("genTime");
  return {
    ...readImprint(der, mi),
    genTime: readTime(der, genTime),
    policy: decodeOid(content(der, policy)),
  };
}

/** RFC 3161 section 2.3: exactly one extended key usage, id-kp-timeStamping, and it is critical. */
function isTimestampingCertificate(cert: CertificateView): boolean {
  const eku = cert.extensions.extendedKeyUsage;
  if (eku?.length !== 1 || eku[0] !== OID.kpTimeStamping) return false;
  return extensionIsCritical(cert, OID.extKeyUsage);
}

/** Whether the certificate marks this extension critical (read from the TBS bytes). */
function extensionIsCritical(cert: CertificateView, extensionOid: string): boolean {
  const tbs = cert.tbs;
  const fields = children(tbs, readOnly(tbs, TAG.SEQUENCE));
  const extsWrapper = fields.find((f) => f.tag === contextConstructed(3));
  if (!extsWrapper) return false;
  const exts = children(tbs, children(tbs, extsWrapper)[0]!);
  const target = oid(extensionOid);
  for (const e of exts) {
    const [id, second] = children(tbs, e);
    if (id && Buffer.compare(whole(tbs, id), target) === 0) {
      return second?.tag === TAG.BOOLEAN && content(tbs, second)[0] !== 0;
    }
  }
  return false;
}

// ---- the client -------------------------------------------------------------------------------

/** Reads a TimeStampResp: the token when granted (status 0 or 1), else a DomainError. */
export function readTimestampReply(reply: Uint8Array): Uint8Array {
  try {
    const [status, token] = children(reply, readOnly(reply, TAG.SEQUENCE));
    const code = status && children(reply, status)[0];
    const value = code?.tag === TAG.INTEGER ? content(reply, code)[0] : undefined;
    if ((value === 0 || value === 1) && token) return whole(reply, token).slice();
    throw new DomainError("tsa.rejected", { status: value ?? -1 });
  } catch (e) {
    if (e instanceof DomainError) throw e;
    throw new DomainError("tsa.reply_invalid", { what: e instanceof Error ? e.message : String(e) });
  }
}

/** Asks the TSA at url to stamp bytes (SHA-256 imprint, a nonce, the certificate asked for). */
export async function requestTimestamp(url: string, bytes: Uint8Array): Promise<Uint8Array> {
  const { der, nonce } = buildTimestampRequest(bytes);
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": TIMESTAMP_QUERY_TYPE },
    body: Buffer.from(der),
    signal: AbortSignal.timeout(15_000),
  });
  if (!res.ok) throw new DomainError("tsa.unreachable", { url, status: res.status });
  const token = readTimestampReply(new Uint8Array(await res.arrayBuffer()));
  // The nonce must come back: an old or replayed reply would not carry it.
  const cms = parseCms(token);
  const tst = cms.content ?? new Uint8Array();
  const nonceTlv = children(tst, readOnly(tst, TAG.SEQUENCE)).find((t, i) => i > 4 && t.tag === TAG.INTEGER);
  const echoed = nonceTlv ? stripZeros(readUnsignedInteger(tst, nonceTlv)) : undefined;
  if (!echoed || Buffer.compare(echoed, stripZeros(nonce)) !== 0) {
    throw new DomainError("tsa.reply_invalid", { what: "nonce" });
  }
  return token;
}
