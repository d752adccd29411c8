/**
 * SES_Signature, the record of one stamping: a seal, the digest of the document and the signer's
 * signature over both. Read in both layouts, written in GB/T 38540 (version 4) only.
 *
 * GB/T 38540-2020:
 *   SES_Signature ::= SEQUENCE { toSign TBS_Sign, cert OCTET STRING, signatureAlgID OBJECT IDENTIFIER,
 *                                signature BIT STRING, timeStamp [0] EXPLICIT BIT STRING OPTIONAL }
 *   TBS_Sign      ::= SEQUENCE { version INTEGER, eseal SESeal, timeInfo GeneralizedTime,
 *                                dataHash BIT STRING, propertyInfo IA5String,
 *                                extDatas [0] EXPLICIT ExtensionDatas OPTIONAL }
 * GM/T 0031-2014:
 *   SES_Signature ::= SEQUENCE { toSign TBS_Sign, signature BIT STRING }
 *   TBS_Sign      ::= SEQUENCE { version INTEGER, eseal SESeal, timeInfo BIT STRING, dataHash BIT STRING,
 *                                propertyInfo IA5String, cert OCTET STRING, signatureAlgorithm OBJECT IDENTIFIER }
 * In both the signer signs DER(TBS_Sign).
 */
import {
  TAG,
  bitString,
  children,
  content,
  explicit,
  generalizedTime,
  octetString,
  oid,
  readOnly,
  readTlv,
  sequence,
  smallInteger,
  tlv,
  whole,
} from "../pki/der.js";
import type { Tlv } from "../pki/der.js";
import {
  FieldReader,
  asStructure,
  encodeExtensionDatas,
  ia5String,
  readBitStringOctets,
  readExtensionDatas,
  readOidField,
  readSESeal,
  readSealTime,
  readSmallInteger,
  readText,
  structureInvalid,
} from "./asn1.js";
import type { ExtDataFields, SESealFields, SealLayout } from "./asn1.js";

export interface SESSignatureFields {
  layout: SealLayout;
  version: number;
  seal: SESealFields;
  /** the embedded SESeal, byte for byte */
  sealDer: Uint8Array;
  /** the signing time the signer claims; undefined when a v1 timeInfo holds something else (a timestamp) */
  timeInfo: Date | undefined;
  dataHash: Uint8Array;
  propertyInfo: string;
  extensions: ExtDataFields[];
  signerCertificate: Uint8Array;
  signatureAlgorithm: string;
  signature: Uint8Array;
  /** v4 timeStamp over the signature value, when present (not verified here) */
  timeStamp: Uint8Array | undefined;
  /** DER(TBS_Sign): what the signer signed */
  signedData: Uint8Array;
}

const STRING_TAGS = [TAG.IA5_STRING, TAG.PRINTABLE_STRING, TAG.UTF8_STRING] as const;
const CONTEXT_0 = [0xa0, 0x80] as const;

/** GM/T 0031 puts the time in a BIT STRING: as a DER time, as bare time text, or as a timestamp token. */
function readV1TimeInfo(octets: Uint8Array): Date | undefined {
  try {
    const t = readTlv(octets, 0);
    if (t.end === octets.length && (t.tag === TAG.UTC_TIME || t.tag === TAG.GENERALIZED_TIME)) {
      return readSealTime(octets, t, "timeInfo");
    }
  } catch {
    // not a DER time; try it as text below
  }
  const text = Buffer.from(octets).toString("latin1");
  const wrapped = tlv(/^\d{14}/.test(text) ? TAG.GENERALIZED_TIME : TAG.UTC_TIME, octets);
  try {
    return readSealTime(wrapped, readTlv(wrapped, 0), "timeInfo");
  } catch {
    return undefined;
  }
}

function readV4(bytes: Uint8Array, top: Tlv): SESSignatureFields {
  const f = new FieldReader(bytes, top, "SES_Signature");
  const tbsTlv = f.next(TAG.SEQUENCE, "toSign");
  const cert = f.next(TAG.OCTET_STRING, "cert");
  const alg = f.next(TAG.OID, "signatureAlgID");
  const sig = f.next(TAG.BIT_STRING, "signature");
  const ts = f.optional(CONTEXT_0);
  f.end();
  let timeStamp: Uint8Array | undefined;
  if (ts?.tag === 0xa0) {
    const inner = children(bytes, ts);
    if (inner.length !== 1 || inner[0]!.tag !== TAG.BIT_STRING)
      throw structureInvalid("timeStamp is malformed");
    timeStamp = readBitStringOctets(bytes, inner[0]!, "timeStamp");
  } else if (ts) {
    timeStamp = content(bytes, ts).subarray(1);
  }

  const tbs = new FieldReader(bytes, tbsTlv, "toSign");
  const version = readSmallInteger(bytes, tbs.next(TAG.INTEGER, "version"), "toSign.version");
  const sealTlv = tbs.next(TAG.SEQUENCE, "eseal");
  const timeInfo = readSealTime(
    bytes,
    tbs.next([TAG.GENERALIZED_TIME, TAG.UTC_TIME], "timeInfo"),
    "timeInfo",
  );
  const dataHash = readBitStringOctets(bytes, tbs.next(TAG.BIT_STRING, "dataHash"), "dataHash");
  const propertyInfo = readText(bytes, tbs.next(STRING_TAGS, "propertyInfo"));
  const extensions = readExtensionDatas(bytes, tbs.optional([0xa0, TAG.SEQUENCE]), "toSign.extDatas");
  tbs.end();
  const seal = readSESeal(bytes, sealTlv);
  if (seal.layout !== "v4" || version !== 4) {
    throw structureInvalid(
      `a version ${version} TBS_Sign with a ${seal.layout} seal in the GB/T 38540 layout`,
    );
  }
  return {
    layout: "v4",
    version,
    seal,
    sealDer: whole(bytes, sealTlv),
    timeInfo,
    dataHash,
    propertyInfo,
    extensions,
    signerCertificate: content(bytes, cert),
    signatureAlgorithm: readOidField(bytes, alg),
    signature: readBitStringOctets(bytes, sig, "signature"),
    timeStamp,
    signedData: whole(bytes, tbsTlv),
  };
}

function readV1(bytes: Uint8Array, top: Tlv): SESSignatureFields {
  const f = new FieldReader(bytes, top, "SES_Signature");
  const tbsTlv = f.next(TAG.SEQUENCE, "toSign");
  const sig = f.next(TAG.BIT_STRING, "signature");
  f.end();
  const tbs = new FieldReader(bytes, tbsTlv, "toSign");
  const version = readSmallInteger(bytes, tbs.next(TAG.INTEGER, "version"), "toSign.version");
  const sealTlv = tbs.next(TAG.SEQUENCE, "eseal");
  // Some makers wrote OCTET STRINGs here; ofdrw reads those too.
  const timeTlv = tbs.next([TAG.BIT_STRING, TAG.OCTET_STRING], "timeInfo");
  const hashTlv = tbs.next([TAG.BIT_STRING, TAG.OCTET_STRING], "dataHash");
  const octets = (t: Tlv, name: string): Uint8Array =>
    t.tag === TAG.BIT_STRING ? readBitStringOctets(bytes, t, name) : content(bytes, t);
  const propertyInfo = readText(bytes, tbs.next(STRING_TAGS, "propertyInfo"));
  const cert = tbs.next(TAG.OCTET_STRING, "cert");
  const alg = tbs.next(TAG.OID, "signatureAlgorithm");
  tbs.end();
  const seal = readSESeal(bytes, sealTlv);
  if (seal.layout !== "v1") throw structureInvalid("a GB/T 38540 seal in a GM/T 0031 signature");
  return {
    layout: "v1",
    version,
    seal,
    sealDer: whole(bytes, sealTlv),
    timeInfo: readV1TimeInfo(octets(timeTlv, "timeInfo")),
    dataHash: octets(hashTlv, "dataHash"),
    propertyInfo,
    extensions: [],
    signerCertificate: content(bytes, cert),
    signatureAlgorithm: readOidField(bytes, alg),
    signature: readBitStringOctets(bytes, sig, "signature"),
    timeStamp: undefined,
    signedData: whole(bytes, tbsTlv),
  };
}

export function decodeSESSignature(der: Uint8Array): SESSignatureFields {
  return asStructure(() => {
    const top = readOnly(der, TAG.SEQUENCE);
    const count = children(der, top).length;
    if (count === 4 || count === 5) return readV4(der, top);
    if (count === 2) return readV1(der, top);
    throw structureInvalid(
      `SES_Signature has ${count} fields; expected 4 or 5 (GB/T 38540) or 2 (GM/T 0031)`,
    );
  });
}

export interface TbsSignV4Input {
  sealDer: Uint8Array;
  timeInfo: Date;
  dataHash: Uint8Array;
  propertyInfo: string;
  extensions?: readonly ExtDataFields[];
}

export function encodeTbsSignV4(input: TbsSignV4Input): Uint8Array {
  const ext = input.extensions ?? [];
  return sequence(
    smallInteger(4),
    input.sealDer,
    generalizedTime(input.timeInfo),
    bitString(input.dataHash),
    ia5String(input.propertyInfo, "propertyInfo"),
    ...(ext.length > 0 ? [explicit(0, encodeExtensionDatas(ext))] : []),
  );
}

/** SES_Signature v4 around the exact signed TBS_Sign bytes. */
export function encodeSESSignatureV4(
  tbsDer: Uint8Array,
  signerCertificate: Uint8Array,
  signatureAlgorithm: string,
  signature: Uint8Array,
): Uint8Array {
  return sequence(tbsDer, octetString(signerCertificate), oid(signatureAlgorithm), bitString(signature));
}
