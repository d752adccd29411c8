/**
 * X.509 v3 certificates on a direct ASN.1 path: build the TBSCertificate, DER-encode it, have the
 * Signer sign those exact bytes, and wrap them. The signed bytes are spliced in as they were
 * signed, so no re-encoding can ever make a certificate whose signature does not verify.
 */
import { createHash } from "node:crypto";
import { AsnConvert } from "@peculiar/asn1-schema";
import type { AlgorithmIdentifier, SubjectPublicKeyInfo } from "@peculiar/asn1-x509";
import { Certificate, Extensions, Name } from "@peculiar/asn1-x509";
import { setKeepingNewest } from "../domain/bounded.js";
import { DomainError } from "../domain/errors.js";
import {
  TAG,
  bitString,
  children,
  content,
  explicit,
  readOnly,
  readTime,
  sequence,
  smallInteger,
  time,
  tlv,
  toHex,
  whole,
} from "./der.js";
import { buildExtensions, keyIdentifier, parseExtensions } from "./extensions.js";
import type { ExtensionsInput, ExtensionsView } from "./extensions.js";
import { buildName, nameToDer, nameToString, parseName } from "./name.js";
import type { SubjectName } from "./name.js";
import { OID } from "./oids.js";
import { toDer } from "./pem.js";
import { serialFromIntegerContent, serialToIntegerContent } from "./serial.js";
import { SIGNATURE_ALGORITHM_NAMES, ecCurveOf, verifySignature } from "./signer.js";
import type { Signer, VerifyOptions } from "./signer.js";

export type Issuer =
  /** a root: issuer = subject, signed by the subject's own key */
  | { selfSigned: true }
  /** the issuing CA's certificate: its subject becomes our issuer, its SKI our AKI (preferred) */
  | { certificate: Uint8Array }
  /** only the CA's name: the AKI is then computed from the signer's key (RFC 5280 method 1) */
  | { name: SubjectName | Name };

export interface CertificateTemplate {
  /** hex, see serial.ts; randomSerial() makes a good one */
  serialNumber: string;
  subject: SubjectName | Name;
  /** DER SubjectPublicKeyInfo of the subject's key */
  subjectPublicKey: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  extensions: ExtensionsInput;
}

export interface BuildCertificateInput extends CertificateTemplate {
  issuer: Issuer;
  signer: Signer;
}

const asName = (n: SubjectName | Name): Name => (n instanceof Name ? n : buildName(n));

/** Seconds only: RFC 5280 times have no fractions, and a stored Date should equal what was signed. */
export const toSecond = (d: Date): Date => new Date(Math.floor(d.getTime() / 1000) * 1000);

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(a, b) === 0;

export async function buildCertificate(input: BuildCertificateInput): Promise<Uint8Array> {
  const notBefore = toSecond(input.notBefore);
  const notAfter = toSecond(input.notAfter);
  if (!(notAfter > notBefore)) throw new DomainError("pki.validity_invalid");

  const subjectDer = nameToDer(asName(input.subject));
  const subjectKeyId = keyIdentifier(input.subjectPublicKey);
  let issuerDer: Uint8Array;
  let authorityKeyId: Uint8Array;
  let issuerSpki: Uint8Array;
  if ("selfSigned" in input.issuer) {
    issuerDer = subjectDer;
    authorityKeyId = subjectKeyId;
    issuerSpki = input.subjectPublicKey;
  } else if ("name" in input.issuer) {
    issuerDer = nameToDer(asName(input.issuer.name));
    issuerSpki = input.signer.publicKeySpki;
    authorityKeyId = keyIdentifier(issuerSpki);
  } else {
    ({ nameDer: issuerDer, spki: issuerSpki, authorityKeyId } = issuerFacts(input.issuer.certificate));
  }
  // A signer with another key would produce certificates nobody can verify: refuse early.
  if (!sameBytes(input.signer.publicKeySpki, issuerSpki)) throw new DomainError("pki.signer_key_mismatch");
  const extensions = new Extensions(buildExtensions(input.extensions, { subjectKeyId, authorityKeyId }));

  // Written straight in DER: the schema library's encoder costs more than the signature here.
  const tbs = sequence(
    explicit(0, smallInteger(2)), // v3
    tlv(TAG.INTEGER, serialToIntegerContent(input.serialNumber)),
    algorithmDer(input.signer.algorithm),
    issuerDer,
    // RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
    sequence(time(notBefore), time(notAfter)),
    subjectDer,
    subjectPublicKeyInfo(input.subjectPublicKey),
    explicit(3, new Uint8Array(AsnConvert.serialize(extensions))),
  );
  return signTbs(tbs, input.signer);
}

/** The key as given, once it is known to be one DER SubjectPublicKeyInfo and nothing more. */
export function subjectPublicKeyInfo(spki: Uint8Array): Uint8Array {
  try {
    const top = readOnly(spki, TAG.SEQUENCE);
    const [algorithm, key] = children(spki, top);
    if (algorithm?.tag !== TAG.SEQUENCE || key?.tag !== TAG.BIT_STRING) throw new Error("not an SPKI");
  } catch (e) {
    throw new DomainError("pki.public_key_malformed", {}, `public key does not parse: ${String(e)}`);
  }
  return spki;
}

interface IssuerFacts {
  /** the issuer's subject, byte for byte: chain building compares names as bytes in places */
  nameDer: Uint8Array;
  spki: Uint8Array;
  authorityKeyId: Uint8Array;
}

/** Issuer certificates read so far, by their bytes: an issuing CA signs thousands of times. */
const issuerFactsByDer = new Map<string, IssuerFacts>();
const ISSUER_FACTS_KEPT = 64;

/** What issuing under a CA certificate takes from it; parsed once per certificate (by content). */
export function issuerFacts(certificate: Uint8Array): IssuerFacts {
  const key = Buffer.from(certificate.buffer, certificate.byteOffset, certificate.byteLength).toString(
    "base64",
  );
  const known = issuerFactsByDer.get(key);
  if (known) return known;
  const issuerCert = parseCertificate(certificate);
  const facts: IssuerFacts = {
    // Copies: the cache must not see later changes to the caller's buffer.
    nameDer: issuerCert.subjectDer.slice(),
    spki: issuerCert.spki.slice(),
    authorityKeyId: issuerCert.extensions.subjectKeyIdentifier
      ? new Uint8Array(Buffer.from(issuerCert.extensions.subjectKeyIdentifier, "hex"))
      : keyIdentifier(issuerCert.spki),
  };
  setKeepingNewest(issuerFactsByDer, key, facts, ISSUER_FACTS_KEPT);
  return facts;
}

/** A signer's AlgorithmIdentifier in DER, encoded once per identifier object. */
const algorithmDers = new WeakMap<AlgorithmIdentifier, Uint8Array>();

export function algorithmDer(algorithm: AlgorithmIdentifier): Uint8Array {
  let der = algorithmDers.get(algorithm);
  if (!der) {
    der = new Uint8Array(AsnConvert.serialize(algorithm));
    algorithmDers.set(algorithm, der);
  }
  return der;
}

/** Certificate, CertificateList and CertificationRequest all share this outer shape. */
export async function signTbs(tbs: Uint8Array, signer: Signer): Promise<Uint8Array> {
  const signature = await signer.sign(tbs);
  return sequence(tbs, algorithmDer(signer.algorithm), bitString(signature));
}

// ---------------------------------------------------------------------------------------------
// Reading

export interface CertificateView {
  der: Uint8Array;
  version: number;
  serialNumber: string;
  issuer: SubjectName;
  issuerText: string;
  /** DER of the issuer Name, byte for byte (OCSP issuerNameHash, CRL issuer matching) */
  issuerDer: Uint8Array;
  subject: SubjectName;
  subjectText: string;
  subjectDer: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  /** DER SubjectPublicKeyInfo */
  spki: Uint8Array;
  keyAlgorithm: "rsa" | "ecdsa-p256" | "sm2" | "other";
  signatureAlgorithm: AlgorithmIdentifier;
  /** e.g. "SM3withSM2"; the OID when unknown */
  signatureAlgorithmName: string;
  /** the exact signed bytes */
  tbs: Uint8Array;
  signature: Uint8Array;
  extensions: ExtensionsView;
  fingerprintSha256: string;
}

export function keyAlgorithmOfSpki(spki: SubjectPublicKeyInfo): CertificateView["keyAlgorithm"] {
  if (spki.algorithm.algorithm === OID.rsaEncryption) return "rsa";
  const curve = ecCurveOf(spki);
  if (curve === OID.secp256r1) return "ecdsa-p256";
  if (curve === OID.sm2Curve) return "sm2";
  return "other";
}

/** Reads a certificate from DER or PEM. Throws pki.certificate_malformed. */
export function parseCertificate(input: Uint8Array | string): CertificateView {
  try {
    const der = toDer(input, "CERTIFICATE");
    const top = readOnly(der, TAG.SEQUENCE);
    const [tbsTlv, , sigTlv] = children(der, top);
    const tbsBytes = whole(der, tbsTlv!);
    const cert = AsnConvert.parse(der, Certificate);
    const t = cert.tbsCertificate;
    // Name bytes are taken from the original encoding: re-encoding could differ from what was signed.
    const tbsFields = children(der, tbsTlv!);
    const explicitVersion = tbsFields[0]?.tag === 0xa0 ? 1 : 0;
    const issuerDer = whole(der, tbsFields[2 + explicitVersion]!);
    const subjectDer = whole(der, tbsFields[4 + explicitVersion]!);
    const spkiDer = whole(der, tbsFields[5 + explicitVersion]!);
    return {
      der,
      version: t.version + 1,
      serialNumber: serialFromIntegerContent(new Uint8Array(t.serialNumber)),
      issuer: parseName(t.issuer),
      issuerText: nameToString(t.issuer),
      issuerDer,
      subject: parseName(t.subject),
      subjectText: nameToString(t.subject),
      subjectDer,
      notBefore: t.validity.notBefore.getTime(),
      notAfter: t.validity.notAfter.getTime(),
      spki: spkiDer,
      keyAlgorithm: keyAlgorithmOfSpki(t.subjectPublicKeyInfo),
      signatureAlgorithm: cert.signatureAlgorithm,
      signatureAlgorithmName:
        SIGNATURE_ALGORITHM_NAMES[cert.signatureAlgorithm.algorithm] ?? cert.signatureAlgorithm.algorithm,
      tbs: tbsBytes,
      signature: content(der, sigTlv!).subarray(1),
      extensions: parseExtensions(t.extensions ?? []),
      fingerprintSha256: toHex(createHash("sha256").update(der).digest()),
    };
  } catch (e) {
    if (e instanceof DomainError && e.code === "pki.pem_malformed") throw e;
    throw new DomainError("pki.certificate_malformed", {}, `certificate does not parse: ${String(e)}`);
  }
}

/**
 * What a certificate is recorded by (serial, subject, validity), read from its DER without the
 * rest: parseCertificate also decodes every extension, which costs as much again as issuing.
 * The values are those parseCertificate gives.
 */
export function certificateRecordFields(
  der: Uint8Array,
): Pick<CertificateView, "serialNumber" | "subjectText" | "notBefore" | "notAfter"> {
  try {
    const [tbsTlv] = children(der, readOnly(der, TAG.SEQUENCE));
    const fields = children(der, tbsTlv!);
    const explicitVersion = fields[0]?.tag === 0xa0 ? 1 : 0;
    const serial = fields[explicitVersion]!;
    const [notBefore, notAfter] = children(der, fields[3 + explicitVersion]!);
    if (serial.tag !== TAG.INTEGER || !notBefore || !notAfter) throw new Error("not a TBSCertificate");
    return {
      serialNumber: serialFromIntegerContent(content(der, serial)),
      subjectText: nameToString(AsnConvert.parse(whole(der, fields[4 + explicitVersion]!), Name)),
      notBefore: readTime(der, notBefore),
      notAfter: readTime(der, notAfter),
    };
  } catch (e) {
    throw new DomainError("pki.certificate_malformed", {}, `certificate does not parse: ${String(e)}`);
  }
}

/** Was cert signed by the key in issuerSpki? (chain checks in tests, imported CA certificates) */
export function verifyCertificateSignature(
  cert: CertificateView,
  issuerSpki: Uint8Array,
  options?: VerifyOptions,
): boolean {
  return verifySignature(issuerSpki, cert.signatureAlgorithm, cert.tbs, cert.signature, options);
}
