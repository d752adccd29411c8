/**
 * CMS SignedData (RFC 5652), shared by PDF signatures (src/seal) and timestamp tokens (tsa.ts): a
 * detached signature over the PDF's ByteRange with the attributes PAdES asks for (content-type,
 * message-digest, signing-certificate-v2), written and read with the bare DER helpers. Certificates go in as the DER they came in, and the SignerInfo's
 * issuer Name is the certificate's issuer field byte for byte: re-encoding a Name through a schema
 * library is how UTF8String Chinese names end up double-encoded or re-tagged.
 *
 * Algorithms: sha256WithRSA and ecdsa-with-SHA256 signers give SHA-256 digests; an SM2 signer gives
 * SM3 with the GM/T 0010 signature identifier 1.2.156.10197.1.301.1 and the default signer ID.
 */
import { createHash } from "node:crypto";
import { AlgorithmIdentifier } from "@peculiar/asn1-x509";
import { DomainError } from "../domain/errors.js";
import { parseCertificate } from "./certificate.js";
import type { CertificateView } from "./certificate.js";
import {
  TAG,
  children,
  concat,
  content,
  contextConstructed,
  decodeOid,
  derNull,
  explicit,
  octetString,
  oid,
  readOnly,
  readTime,
  readTlv,
  sequence,
  smallInteger,
  time,
  tlv,
  whole,
} from "./der.js";
import type { Tlv } from "./der.js";
import { OID } from "./oids.js";
import { verifySignature } from "./signer.js";
import type { Signer } from "./signer.js";
import { SM2_DEFAULT_ID } from "./sm2.js";

/** Object identifiers of CMS and its attributes, each with the document that assigns it. */
export const CMS_OID = {
  // RFC 5652 section 4, 5
  data: "1.2.840.113549.1.7.1",
  signedData: "1.2.840.113549.1.7.2",
  // RFC 5652 section 11
  contentType: "1.2.840.113549.1.9.3",
  messageDigest: "1.2.840.113549.1.9.4",
  signingTime: "1.2.840.113549.1.9.5",
  // RFC 2634 section 5.4 (ESS signing-certificate, SHA-1) and RFC 5035 (v2)
  signingCertificate: "1.2.840.113549.1.9.16.2.12",
  signingCertificateV2: "1.2.840.113549.1.9.16.2.47",
  // RFC 3161 appendix A: id-aa-signatureTimeStampToken, an unsigned attribute over the signature value
  signatureTimeStampToken: "1.2.840.113549.1.9.16.2.14",
  // NIST FIPS 180-4 via RFC 5754
  sha256: "2.16.840.1.101.3.4.2.1",
  sha384: "2.16.840.1.101.3.4.2.2",
  sha512: "2.16.840.1.101.3.4.2.3",
  // GM/T 0006: SM3, and SM2 signing as GM/T 0010 names it in a SignerInfo
  sm3: OID.sm3,
  sm2Sign: "1.2.156.10197.1.301.1",
} as const;

const DIGEST_NAME: Readonly<Record<string, string>> = {
  [CMS_OID.sha256]: "sha256",
  [CMS_OID.sha384]: "sha384",
  [CMS_OID.sha512]: "sha512",
  [CMS_OID.sm3]: "sm3",
};

export const digestNameOf = (digestOid: string): string | undefined => DIGEST_NAME[digestOid];

export function digestBytes(name: string, parts: readonly Uint8Array[]): Uint8Array {
  const hash = createHash(name);
  for (const p of parts) hash.update(p);
  return new Uint8Array(hash.digest());
}

interface CmsAlgorithms {
  digestOid: string;
  digestName: string;
  /** AlgorithmIdentifier DER for SignerInfo.signatureAlgorithm */
  signatureAlgorithm: Uint8Array;
}

/** The CMS algorithms that go with what the Signer port says it signs with. */
export function cmsAlgorithmsFor(signer: Signer): CmsAlgorithms {
  switch (signer.algorithm.algorithm) {
    case OID.sha256WithRsa:
      // rsaEncryption with NULL: what Adobe, NSS and every PDF reader expect (RFC 3370 section 3.2).
      return {
        digestOid: CMS_OID.sha256,
        digestName: "sha256",
        signatureAlgorithm: sequence(oid(OID.rsaEncryption), derNull()),
      };
    case OID.ecdsaWithSha256:
      return {
        digestOid: CMS_OID.sha256,
        digestName: "sha256",
        signatureAlgorithm: sequence(oid(OID.ecdsaWithSha256)),
      };
    case OID.sm3WithSm2:
      return {
        digestOid: CMS_OID.sm3,
        digestName: "sm3",
        signatureAlgorithm: sequence(oid(CMS_OID.sm2Sign)),
      };
    default:
      throw new DomainError("pdf.signer_algorithm_unsupported", { algorithm: signer.algorithm.algorithm });
  }
}

// ---------------------------------------------------------------------------------------------
// Writing

export interface BuildCmsInput {
  /** the digest of the signed content (the PDF's ByteRange), made with the signer's digest */
  contentDigest: Uint8Array;
  /** the signer's certificate, DER */
  certificate: Uint8Array;
  /** issuing CAs to carry along (the root may be left out) */
  chain: readonly Uint8Array[];
  signer: Signer;
  /** a signing-time attribute; PAdES baseline signatures put the time in the PDF's /M instead */
  signingTime?: Date | undefined;
  /**
   * A timestamp token (RFC 3161) over the signature value, for the unsigned attribute
   * id-aa-signatureTimeStampToken (PAdES B-T); undefined, the signature goes without one.
   */
  timestamp?: ((signatureValue: Uint8Array) => Promise<Uint8Array | undefined>) | undefined;
}

const attribute = (type: string, value: Uint8Array): Uint8Array => sequence(oid(type), tlv(TAG.SET, value));

/** X.690 11.6: the elements of a DER SET OF are sorted by their encodings. */
export function derSetOf(items: readonly Uint8Array[]): Uint8Array {
  return concat([...items].sort((a, b) => Buffer.compare(a, b)));
}

/** The exact TLV of the certificate's serialNumber INTEGER (after the optional [0] version). */
export function serialTlv(cert: CertificateView): Uint8Array {
  const tbs = cert.tbs;
  const fields = children(tbs, readOnly(tbs, TAG.SEQUENCE));
  const first = fields[0]!;
  return whole(tbs, first.tag === contextConstructed(0) ? fields[1]! : first);
}

/** ESSCertIDv2 with SHA-256 (the DEFAULT, so left out) or SM3 for an SM2 signer (RFC 5035 section 4). */
export function signingCertificateV2(
  cert: CertificateView,
  digestOid: string,
  digestName: string,
): Uint8Array {
  const hashAlgorithm = digestOid === CMS_OID.sha256 ? [] : [sequence(oid(digestOid))];
  const issuerSerial = sequence(sequence(explicit(4, cert.issuerDer)), serialTlv(cert));
  const essCertId = sequence(
    ...hashAlgorithm,
    octetString(digestBytes(digestName, [cert.der])),
    issuerSerial,
  );
  return sequence(sequence(essCertId));
}

/** Builds ContentInfo(SignedData) without encapsulated content; the signer signs DER(SET signedAttrs). */
export async function buildDetachedCms(input: BuildCmsInput): Promise<Uint8Array> {
  const cert = parseCertificate(input.certificate);
  if (Buffer.compare(cert.spki, input.signer.publicKeySpki) !== 0) {
    throw new DomainError("pdf.signer_key_mismatch", { subject: cert.subjectText });
  }
  const { digestOid, digestName, signatureAlgorithm } = cmsAlgorithmsFor(input.signer);
  const digestAlgorithm = sequence(oid(digestOid));
  const attributes = [
    attribute(CMS_OID.contentType, oid(CMS_OID.data)),
    attribute(CMS_OID.messageDigest, octetString(input.contentDigest)),
    attribute(CMS_OID.signingCertificateV2, signingCertificateV2(cert, digestOid, digestName)),
  ];
  if (input.signingTime) attributes.push(attribute(CMS_OID.signingTime, time(input.signingTime)));
  const signedAttrs = derSetOf(attributes);
  // RFC 5652 section 5.4: the signature covers the attributes encoded as a SET OF, not as [0].
  const signature = await input.signer.sign(tlv(TAG.SET, signedAttrs));
  const token = input.timestamp ? await input.timestamp(signature) : undefined;

  const signerInfo = sequence(
    smallInteger(1),
    sequence(cert.issuerDer, serialTlv(cert)),
    digestAlgorithm,
    tlv(contextConstructed(0), signedAttrs),
    signatureAlgorithm,
    octetString(signature),
    ...(token ? [tlv(contextConstructed(1), attribute(CMS_OID.signatureTimeStampToken, token))] : []),
  );
  const certificates = derSetOf([cert.der, ...input.chain.map((c) => parseCertificate(c).der)]);
  const signedData = sequence(
    smallInteger(1),
    tlv(TAG.SET, digestAlgorithm),
    sequence(oid(CMS_OID.data)),
    tlv(contextConstructed(0), certificates),
    tlv(TAG.SET, signerInfo),
  );
  return sequence(oid(CMS_OID.signedData), explicit(0, signedData));
}

// ---------------------------------------------------------------------------------------------
// Reading

export interface CmsSignerView {
  digestOid: string;
  signatureAlgorithmOid: string;
  /** SET OF Attribute as signed: tag 0x31, the bytes the signature covers */
  signedAttrsForSignature: Uint8Array;
  attributes: Map<string, Uint8Array[]>;
  /** unsignedAttrs [1], by type: each value's whole DER (a timestamp token is a ContentInfo) */
  unsignedAttributes: Map<string, Uint8Array[]>;
  signature: Uint8Array;
  /** how the SignerInfo names its certificate */
  sid: { issuerDer: Uint8Array; serial: Uint8Array } | { subjectKeyId: Uint8Array };
}

export interface CmsView {
  contentType: string;
  /** encapsulated content present: not a detached signature */
  hasContent: boolean;
  /** the encapsulated content's octets (a timestamp token's TSTInfo), when present */
  content?: Uint8Array;
  certificates: CertificateView[];
  signers: CmsSignerView[];
}

const cmsInvalid = (what: string): DomainError =>
  new DomainError("pdf.cms_invalid", { what }, `CMS SignedData does not parse: ${what}`);

function field(list: Tlv[], index: number, tag: number, what: string): Tlv {
  const t = list[index];
  if (!t || t.tag !== tag) throw cmsInvalid(what);
  return t;
}

/** Reads ContentInfo(SignedData). PDF /Contents is zero-padded: bytes after the TLV are ignored. */
export function parseCms(bytes: Uint8Array): CmsView {
  try {
    const top = readTlv(bytes, 0);
    if (top.tag !== TAG.SEQUENCE) throw cmsInvalid("ContentInfo");
    const der = bytes.subarray(0, top.end);
    const [typeTlv, wrapped] = children(der, top);
    if (decodeOid(content(der, field([typeTlv!], 0, TAG.OID, "contentType"))) !== CMS_OID.signedData) {
      throw cmsInvalid("not SignedData");
    }
    const sd = children(der, field([wrapped!], 0, contextConstructed(0), "content"))[0];
    const parts = children(der, field([sd!], 0, TAG.SEQUENCE, "SignedData"));
    const encap = children(der, field(parts, 2, TAG.SEQUENCE, "encapContentInfo"));
    const contentType = decodeOid(content(der, field(encap, 0, TAG.OID, "eContentType")));
    let at = 3;
    const certificates: CertificateView[] = [];
    if (parts[at]?.tag === contextConstructed(0)) {
      for (const c of children(der, parts[at]!)) {
        // Other choices (attribute certificates, [0]..[3]) are not for us.
        if (c.tag === TAG.SEQUENCE) certificates.push(parseCertificate(der.slice(c.start, c.end)));
      }
      at++;
    }
    if (parts[at]?.tag === contextConstructed(1)) at++; // crls
    const signerInfos = children(der, field(parts, at, TAG.SET, "signerInfos"));
    // eContent is [0] EXPLICIT OCTET STRING.
    const eContent = encap[1] ? children(der, encap[1])[0] : undefined;
    return {
      contentType,
      hasContent: encap.length > 1,
      ...(eContent?.tag === TAG.OCTET_STRING ? { content: content(der, eContent).slice() } : {}),
      certificates,
      signers: signerInfos.map((s) => readSignerInfo(der, s)),
    };
  } catch (e) {
    if (e instanceof DomainError && e.code === "pdf.cms_invalid") throw e;
    throw cmsInvalid(e instanceof Error ? e.message : String(e));
  }
}

function readSignerInfo(der: Uint8Array, t: Tlv): CmsSignerView {
  const f = children(der, field([t], 0, TAG.SEQUENCE, "SignerInfo"));
  const sidTlv = f[1];
  let sid: CmsSignerView["sid"];
  if (sidTlv?.tag === TAG.SEQUENCE) {
    const [issuer, serial] = children(der, sidTlv);
    if (!issuer || !serial || serial.tag !== TAG.INTEGER) throw cmsInvalid("issuerAndSerialNumber");
    sid = { issuerDer: der.slice(issuer.start, issuer.end), serial: der.slice(serial.start, serial.end) };
  } else if (sidTlv?.tag === 0x80) {
    sid = { subjectKeyId: content(der, sidTlv).slice() };
  } else throw cmsInvalid("sid");
  const digestOid = decodeOid(
    content(der, field(children(der, field(f, 2, TAG.SEQUENCE, "digestAlgorithm")), 0, TAG.OID, "digest")),
  );
  const attrsTlv = field(f, 3, contextConstructed(0), "signedAttrs");
  // Re-tag [0] as SET: the signature covers that encoding (RFC 5652 section 5.4).
  const signedAttrsForSignature = concat([
    Uint8Array.of(TAG.SET),
    der.slice(attrsTlv.start + 1, attrsTlv.end),
  ]);
  const attributes = readAttributes(der, attrsTlv);
  const sigAlg = children(der, field(f, 4, TAG.SEQUENCE, "signatureAlgorithm"));
  const signatureAlgorithmOid = decodeOid(content(der, field(sigAlg, 0, TAG.OID, "signatureAlgorithm")));
  const signature = content(der, field(f, 5, TAG.OCTET_STRING, "signature")).slice();
  const unsigned = f[6]?.tag === contextConstructed(1) ? readAttributes(der, f[6]) : new Map();
  return {
    digestOid,
    signatureAlgorithmOid,
    signedAttrsForSignature,
    attributes,
    unsignedAttributes: unsigned,
    signature,
    sid,
  };
}

function readAttributes(der: Uint8Array, t: Tlv): Map<string, Uint8Array[]> {
  const attributes = new Map<string, Uint8Array[]>();
  for (const a of children(der, t)) {
    const [type, values] = children(der, a);
    if (!type || type.tag !== TAG.OID || !values || values.tag !== TAG.SET) throw cmsInvalid("Attribute");
    attributes.set(
      decodeOid(content(der, type)),
      children(der, values).map((v) => der.slice(v.start, v.end)),
    );
  }
  return attributes;
}

/** The one value of a single-valued attribute, or undefined. */
export function attributeValue(signer: CmsSignerView, type: string): Uint8Array | undefined {
  const values = signer.attributes.get(type);
  return values?.length === 1 ? values[0] : undefined;
}

export function readMessageDigest(signer: CmsSignerView): Uint8Array | undefined {
  const v = attributeValue(signer, CMS_OID.messageDigest);
  if (!v) return undefined;
  const t = readOnly(v, TAG.OCTET_STRING);
  return content(v, t);
}

export function readContentTypeAttribute(signer: CmsSignerView): string | undefined {
  const v = attributeValue(signer, CMS_OID.contentType);
  return v ? decodeOid(content(v, readOnly(v, TAG.OID))) : undefined;
}

export function readSigningTime(signer: CmsSignerView): Date | undefined {
  const v = attributeValue(signer, CMS_OID.signingTime);
  return v ? readTime(v, readTlv(v, 0)) : undefined;
}

/** The signer's certificate among those carried, by issuer and serial (byte for byte) or key id. */
export function findSignerCertificate(cms: CmsView, signer: CmsSignerView): CertificateView | undefined {
  const sid = signer.sid;
  if ("subjectKeyId" in sid) {
    const hex = Buffer.from(sid.subjectKeyId).toString("hex");
    return cms.certificates.find((c) => c.extensions.subjectKeyIdentifier === hex);
  }
  return cms.certificates.find(
    (c) => Buffer.compare(c.issuerDer, sid.issuerDer) === 0 && Buffer.compare(serialTlv(c), sid.serial) === 0,
  );
}

export type EssOutcome =
  { status: "match"; version: 1 | 2 } | { status: "mismatch"; version: 1 | 2 } | { status: "missing" };

/** Does the signing-certificate(-v2) attribute name this certificate? (RFC 5035 section 5.4) */
export function checkSigningCertificate(signer: CmsSignerView, cert: CertificateView): EssOutcome {
  const v2 = attributeValue(signer, CMS_OID.signingCertificateV2);
  const v1 = attributeValue(signer, CMS_OID.signingCertificate);
  const raw = v2 ?? v1;
  if (!raw) return { status: "missing" };
  const version = v2 ? 2 : 1;
  try {
    const certs = children(raw, readOnly(raw, TAG.SEQUENCE))[0]!;
    const first = children(raw, certs)[0]!;
    const parts = children(raw, first);
    let digestName = version === 2 ? "sha256" : "sha1";
    let i = 0;
    if (parts[0]?.tag === TAG.SEQUENCE) {
      const name = digestNameOf(decodeOid(content(raw, children(raw, parts[0])[0]!)));
      if (!name) return { status: "mismatch", version };
      digestName = name;
      i = 1;
    }
    const hash = content(raw, field(parts, i, TAG.OCTET_STRING, "certHash"));
    const same = Buffer.compare(hash, digestBytes(digestName, [cert.der])) === 0;
    return { status: same ? "match" : "mismatch", version };
  } catch {
    return { status: "mismatch", version };
  }
}

/** Checks the SignerInfo's signature over its signed attributes with the certificate's key. */
export function checkSignerSignature(
  signer: CmsSignerView,
  cert: CertificateView,
): "valid" | "invalid" | "unsupported" {
  const algorithm = verificationAlgorithm(signer.signatureAlgorithmOid, signer.digestOid);
  if (!algorithm) return "unsupported";
  try {
    const ok = verifySignature(
      cert.spki,
      new AlgorithmIdentifier({ algorithm }),
      signer.signedAttrsForSignature,
      signer.signature,
      { sm2Id: SM2_DEFAULT_ID },
    );
    return ok ? "valid" : "invalid";
  } catch (e) {
    if (e instanceof DomainError && e.code === "pki.signature_algorithm_unsupported") return "unsupported";
    throw e;
  }
}

const RSA_BY_DIGEST: Readonly<Record<string, string>> = {
  [CMS_OID.sha256]: OID.sha256WithRsa,
  [CMS_OID.sha384]: OID.sha384WithRsa,
  [CMS_OID.sha512]: OID.sha512WithRsa,
};
const ECDSA_BY_DIGEST: Readonly<Record<string, string>> = {
  [CMS_OID.sha256]: OID.ecdsaWithSha256,
  [CMS_OID.sha384]: OID.ecdsaWithSha384,
  [CMS_OID.sha512]: OID.ecdsaWithSha512,
};

/**
 * CMS names the signature either by the key (rsaEncryption, id-ecPublicKey: the digest comes from
 * digestAlgorithm) or by key and hash together. Returns the X.509 signature OID to verify with.
 */
function verificationAlgorithm(signatureOid: string, digestOid: string): string | undefined {
  switch (signatureOid) {
    case OID.rsaEncryption:
      return RSA_BY_DIGEST[digestOid];
    case OID.ecPublicKey:
      return ECDSA_BY_DIGEST[digestOid];
    case CMS_OID.sm2Sign:
    case OID.sm3WithSm2:
      return digestOid === CMS_OID.sm3 ? OID.sm3WithSm2 : undefined;
    case OID.sha256WithRsa:
    case OID.sha384WithRsa:
    case OID.sha512WithRsa:
    case OID.ecdsaWithSha256:
    case OID.ecdsaWithSha384:
    case OID.ecdsaWithSha512:
      return signatureOid;
    default:
      return undefined;
  }
}

export const SIGNATURE_NAMES: Readonly<Record<string, string>> = {
  [OID.rsaEncryption]: "RSA",
  [OID.ecPublicKey]: "ECDSA",
  [CMS_OID.sm2Sign]: "SM2",
  [OID.sm3WithSm2]: "SM3withSM2",
  [OID.sha256WithRsa]: "sha256WithRSAEncryption",
  [OID.sha384WithRsa]: "sha384WithRSAEncryption",
  [OID.sha512WithRsa]: "sha512WithRSAEncryption",
  [OID.ecdsaWithSha256]: "ecdsa-with-SHA256",
  [OID.ecdsaWithSha384]: "ecdsa-with-SHA384",
  [OID.ecdsaWithSha512]: "ecdsa-with-SHA512",
};
