/**
 * OCSP (RFC 6960): read requests, match their CertIDs to our CAs, and sign BasicOCSPResponses.
 * Responses are written with the DER writer so that each CertID goes back exactly as the client
 * sent it (clients compare them field by field) and the nonce is echoed byte for byte.
 */
import { createHash } from "node:crypto";
import { AsnConvert } from "@peculiar/asn1-schema";
import { BasicOCSPResponse, OCSPRequest, OCSPResponse, OCSPResponseStatus } from "@peculiar/asn1-ocsp";
import type { AlgorithmIdentifier } from "@peculiar/asn1-x509";
import { DomainError } from "../domain/errors.js";
import { parseCertificate, type CertificateView } from "./certificate.js";
import { REASON_CODES, reasonFromCode, type RevocationReason } from "./crl.js";
import {
  TAG,
  bitString,
  children,
  content,
  contextConstructed,
  decodeOid,
  derNull,
  explicit,
  fromHex,
  generalizedTime,
  octetString,
  oid,
  readOnly,
  sequence,
  tlv,
  toHex,
  unsignedInteger,
  whole,
} from "./der.js";
import { OID } from "./oids.js";
import { normalizeSerial, serialFromIntegerContent } from "./serial.js";
import { SIGNATURE_ALGORITHM_NAMES, verifySignature } from "./signer.js";
import type { Signer, VerifyOptions } from "./signer.js";

export type CertIdHash = "sha1" | "sha256" | "sm3";

const HASH_OIDS: Readonly<Record<CertIdHash, string>> = { sha1: OID.sha1, sha256: OID.sha256, sm3: OID.sm3 };
const HASH_BY_OID: ReadonlyMap<string, CertIdHash> = new Map(
  Object.entries(HASH_OIDS).map(([name, o]) => [o, name as CertIdHash]),
);

export interface CertIdView {
  /** hash algorithm OID */
  hashAlgorithm: string;
  /** "sha1" | "sha256" | "sm3" when we know the algorithm */
  hash?: CertIdHash;
  issuerNameHash: Uint8Array;
  issuerKeyHash: Uint8Array;
  serialNumber: string;
  /** the CertID as received: echoed verbatim in the response */
  der: Uint8Array;
}

export interface OcspRequestView {
  certIds: CertIdView[];
  /** extnValue of the nonce extension, to echo (RFC 6960 4.4.1, RFC 8954) */
  nonce?: Uint8Array;
  /** the request carried an optionalSignature (we do not require or check one) */
  signed: boolean;
}

const malformed = (why: string): DomainError =>
  new DomainError("pki.ocsp_request_malformed", {}, `OCSP request: ${why}`);

function readCertId(der: Uint8Array): CertIdView {
  const seq = readOnly(der, TAG.SEQUENCE);
  const [alg, nameHash, keyHash, serial] = children(der, seq);
  if (
    !alg ||
    alg.tag !== TAG.SEQUENCE ||
    nameHash?.tag !== TAG.OCTET_STRING ||
    keyHash?.tag !== TAG.OCTET_STRING ||
    serial?.tag !== TAG.INTEGER
  ) {
    throw malformed("CertID");
  }
  const algOid = children(der, alg)[0];
  if (algOid?.tag !== TAG.OID) throw malformed("CertID hashAlgorithm");
  const hashAlgorithm = decodeOid(content(der, algOid));
  const hash = HASH_BY_OID.get(hashAlgorithm);
  return {
    hashAlgorithm,
    ...(hash ? { hash } : {}),
    issuerNameHash: content(der, nameHash),
    issuerKeyHash: content(der, keyHash),
    serialNumber: serialFromIntegerContent(content(der, serial)),
    der,
  };
}

/** Reads a DER OCSPRequest. Throws pki.ocsp_request_malformed: answer with ocspErrorResponse("malformedRequest"). */
export function parseOcspRequest(der: Uint8Array): OcspRequestView {
  let request: OCSPRequest;
  try {
    request = AsnConvert.parse(der, OCSPRequest);
  } catch {
    throw malformed("does not parse");
  }
  try {
    // Walk the DER for the raw CertIDs: OCSPRequest > tbsRequest > requestList > Request > CertID.
    const top = readOnly(der, TAG.SEQUENCE);
    const tbs = children(der, top)[0]!;
    const requestList = children(der, tbs).find((t) => t.tag === TAG.SEQUENCE);
    if (!requestList) throw malformed("no requestList");
    const certIds = children(der, requestList).map((req) => {
      const certId = children(der, req)[0];
      if (!certId) throw malformed("empty Request");
      return readCertId(whole(der, certId).slice());
    });
    if (certIds.length === 0) throw malformed("empty requestList");
    const nonceExt = request.tbsRequest.requestExtensions?.find((e) => e.extnID === OID.ocspNonce);
    return {
      certIds,
      ...(nonceExt ? { nonce: new Uint8Array(nonceExt.extnValue.buffer) } : {}),
      signed: request.optionalSignature !== undefined,
    };
  } catch (e) {
    if (e instanceof DomainError && e.code === "pki.ocsp_request_malformed") throw e;
    throw malformed(String(e));
  }
}

/**
 * RFC 6960 A.1: GET {url}/{url-encoding of base64 of the DER OCSPRequest}. Pass the part after the
 * responder's base path; base64 may itself contain '/', so do not split it on slashes first.
 */
export function ocspRequestFromGetPath(encoded: string): Uint8Array {
  let text: string;
  try {
    text = decodeURIComponent(encoded.replace(/^\/+/, ""));
  } catch {
    throw malformed("bad URL encoding");
  }
  // Some clients send base64url; both decode the same once the alphabet is mapped.
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/").replace(/\s/g, "");
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw malformed("not base64");
  return new Uint8Array(Buffer.from(b64, "base64"));
}

// ---------------------------------------------------------------------------------------------
// CertID matching

const digest = (hash: CertIdHash, data: Uint8Array): Uint8Array =>
  new Uint8Array(createHash(hash).update(data).digest());

/** The subjectPublicKey BIT STRING value (no tag, length or unused-bits octet): what issuerKeyHash hashes. */
function publicKeyBits(spki: Uint8Array): Uint8Array {
  const seq = readOnly(spki, TAG.SEQUENCE);
  const bits = children(spki, seq)[1];
  if (bits?.tag !== TAG.BIT_STRING) throw new DomainError("pki.der_malformed", { what: "SPKI" });
  return content(spki, bits).subarray(1);
}

export interface IssuerHashes {
  issuerNameHash: Uint8Array;
  issuerKeyHash: Uint8Array;
}

/** RFC 6960 4.1.1: hashes of the issuer's (CA's) subject name DER and of its public key. */
export function issuerHashes(issuer: CertificateView, hash: CertIdHash): IssuerHashes {
  return {
    issuerNameHash: digest(hash, issuer.subjectDer),
    issuerKeyHash: digest(hash, publicKeyBits(issuer.spki)),
  };
}

/** Does the CertID name this CA as issuer? Unknown hash algorithms never match. */
export function certIdMatchesIssuer(certId: CertIdView, issuer: CertificateView): boolean {
  if (!certId.hash) return false;
  const h = issuerHashes(issuer, certId.hash);
  return (
    Buffer.compare(h.issuerNameHash, certId.issuerNameHash) === 0 &&
    Buffer.compare(h.issuerKeyHash, certId.issuerKeyHash) === 0
  );
}

/** The CertID a client would send for (issuer, serial): for building requests and in tests. */
export function certIdFor(
  issuer: CertificateView | Uint8Array,
  serialNumber: string,
  hash: CertIdHash = "sha1",
): CertIdView {
  const ca = issuer instanceof Uint8Array ? parseCertificate(issuer) : issuer;
  const h = issuerHashes(ca, hash);
  const der = sequence(
    sequence(oid(HASH_OIDS[hash]), derNull()),
    octetString(h.issuerNameHash),
    octetString(h.issuerKeyHash),
    unsignedInteger(fromHex(normalizeSerial(serialNumber))),
  );
  return readCertId(der);
}

/** A DER OCSPRequest for the CertIDs (security client, tests). */
export function buildOcspRequest(certIds: CertIdView[], nonce?: Uint8Array): Uint8Array {
  const requestList = sequence(...certIds.map((c) => sequence(c.der)));
  const extensions = nonce
    ? [explicit(2, sequence(sequence(oid(OID.ocspNonce), octetString(octetString(nonce)))))]
    : [];
  return sequence(sequence(requestList, ...extensions));
}

// ---------------------------------------------------------------------------------------------
// Responses

export type CertStatusInput =
  | { status: "good" }
  | { status: "revoked"; revokedAt: Date; reason?: RevocationReason }
  | { status: "unknown" };

export interface SingleResponseInput {
  certId: CertIdView;
  status: CertStatusInput;
  thisUpdate: Date;
  nextUpdate?: Date;
}

export interface BuildOcspResponseInput {
  /** the responder's certificate (delegated, with id-kp-OCSPSigning, or the CA itself) */
  responderCertificate: Uint8Array;
  signer: Signer;
  producedAt: Date;
  responses: SingleResponseInput[];
  /** the request's nonce extnValue, echoed when present */
  nonce?: Uint8Array;
}

const seconds = (d: Date): Date => new Date(Math.floor(d.getTime() / 1000) * 1000);

function certStatus(s: CertStatusInput): Uint8Array {
  switch (s.status) {
    case "good":
      return Uint8Array.of(0x80, 0x00); // [0] IMPLICIT NULL
    case "unknown":
      return Uint8Array.of(0x82, 0x00); // [2] IMPLICIT NULL
    case "revoked": {
      const reason =
        s.reason === undefined || s.reason === "unspecified"
          ? []
          : [explicit(0, tlv(TAG.ENUMERATED, Uint8Array.of(REASON_CODES[s.reason])))];
      return tlv(contextConstructed(1), generalizedTime(seconds(s.revokedAt)), ...reason);
    }
  }
}

function singleResponse(r: SingleResponseInput): Uint8Array {
  return sequence(
    r.certId.der,
    certStatus(r.status),
    generalizedTime(seconds(r.thisUpdate)),
    ...(r.nextUpdate ? [explicit(0, generalizedTime(seconds(r.nextUpdate)))] : []),
  );
}

function responseWithStatus(status: OCSPResponseStatus, responseBytes?: Uint8Array): Uint8Array {
  return sequence(
    tlv(TAG.ENUMERATED, Uint8Array.of(status)),
    ...(responseBytes ? [explicit(0, responseBytes)] : []),
  );
}

/** Signs a successful OCSPResponse carrying a BasicOCSPResponse. */
export async function buildOcspResponse(input: BuildOcspResponseInput): Promise<Uint8Array> {
  const responder = parseCertificate(input.responderCertificate);
  if (Buffer.compare(responder.spki, input.signer.publicKeySpki) !== 0)
    throw new DomainError("pki.signer_key_mismatch");
  if (input.responses.length === 0) throw new DomainError("pki.ocsp_no_responses");
  // responderID byKey (RFC 6960 4.2.1): SHA-1 of the responder's public key BIT STRING value.
  const keyHash = digest("sha1", publicKeyBits(responder.spki));
  const extensions = input.nonce
    ? [explicit(1, sequence(sequence(oid(OID.ocspNonce), octetString(input.nonce))))]
    : [];
  const tbs = sequence(
    explicit(2, octetString(keyHash)),
    generalizedTime(seconds(input.producedAt)),
    sequence(...input.responses.map(singleResponse)),
    ...extensions,
  );
  const signature = await input.signer.sign(tbs);
  const basic = sequence(
    tbs,
    new Uint8Array(AsnConvert.serialize(input.signer.algorithm)),
    bitString(signature),
    explicit(0, sequence(responder.der)),
  );
  return responseWithStatus(OCSPResponseStatus.successful, sequence(oid(OID.ocspBasic), octetString(basic)));
}

export type OcspErrorStatus =
  "malformedRequest" | "internalError" | "tryLater" | "sigRequired" | "unauthorized";

/** An unsigned OCSPResponse with only a status (RFC 6960 2.3). */
export function ocspErrorResponse(status: OcspErrorStatus): Uint8Array {
  return responseWithStatus(OCSPResponseStatus[status]);
}

// ---------------------------------------------------------------------------------------------
// Reading responses (tests; an OCSP client in the security client later)

export type OcspResponseStatusName = keyof typeof OCSPResponseStatus;

export interface SingleResponseView {
  certId: CertIdView;
  status: "good" | "revoked" | "unknown";
  revokedAt?: Date;
  reason?: RevocationReason;
  thisUpdate: Date;
  nextUpdate?: Date;
}

export interface OcspResponseView {
  status: OcspResponseStatusName;
  basic?: {
    responderKeyHash?: string;
    producedAt: Date;
    responses: SingleResponseView[];
    nonce?: Uint8Array;
    signatureAlgorithm: AlgorithmIdentifier;
    signatureAlgorithmName: string;
    tbs: Uint8Array;
    signature: Uint8Array;
    certificates: Uint8Array[];
    verify(responderSpki: Uint8Array, options?: VerifyOptions): boolean;
  };
}

export function parseOcspResponse(der: Uint8Array): OcspResponseView {
  const response = AsnConvert.parse(der, OCSPResponse);
  const status = OCSPResponseStatus[response.responseStatus] as OcspResponseStatusName;
  if (!response.responseBytes) return { status };
  if (response.responseBytes.responseType !== OID.ocspBasic)
    throw new DomainError("pki.ocsp_response_unsupported");
  const basicDer = new Uint8Array(response.responseBytes.response.buffer);
  const basic = AsnConvert.parse(basicDer, BasicOCSPResponse);
  const top = readOnly(basicDer, TAG.SEQUENCE);
  const [tbsTlv, , sigTlv] = children(basicDer, top);
  const tbs = whole(basicDer, tbsTlv!).slice();
  const signature = content(basicDer, sigTlv!).subarray(1).slice();
  // SingleResponse CertIDs as raw DER, in order, to give callers the same view as for requests.
  const tbsFields = children(basicDer, tbsTlv!);
  const responsesTlv = tbsFields.find((t, i) => i > 0 && t.tag === TAG.SEQUENCE)!;
  const rawCertIds = children(basicDer, responsesTlv).map((r) =>
    readCertId(whole(basicDer, children(basicDer, r)[0]!).slice()),
  );
  const data = basic.tbsResponseData;
  const nonceExt = data.responseExtensions?.find((e) => e.extnID === OID.ocspNonce);
  const algorithm = basic.signatureAlgorithm;
  return {
    status,
    basic: {
      ...(data.responderID.byKey
        ? { responderKeyHash: toHex(new Uint8Array(data.responderID.byKey.buffer)) }
        : {}),
      producedAt: data.producedAt,
      responses: data.responses.map((r, i) => {
        const revoked = r.certStatus.revoked;
        const reason = revoked?.revocationReason
          ? reasonFromCode(revoked.revocationReason.reason)
          : undefined;
        return {
          certId: rawCertIds[i]!,
          status: revoked ? "revoked" : r.certStatus.unknown !== undefined ? "unknown" : "good",
          ...(revoked ? { revokedAt: revoked.revocationTime } : {}),
          ...(reason ? { reason } : {}),
          thisUpdate: r.thisUpdate,
          ...(r.nextUpdate ? { nextUpdate: r.nextUpdate } : {}),
        };
      }),
      ...(nonceExt ? { nonce: new Uint8Array(nonceExt.extnValue.buffer) } : {}),
      signatureAlgorithm: algorithm,
      signatureAlgorithmName: SIGNATURE_ALGORITHM_NAMES[algorithm.algorithm] ?? algorithm.algorithm,
      tbs,
      signature,
      certificates: (basic.certs ?? []).map((c) => new Uint8Array(AsnConvert.serialize(c))),
      verify: (spki, options) => verifySignature(spki, algorithm, tbs, signature, options),
    },
  };
}
