/**
 * The electronic seal structures, read and written by hand on src/pki/der.ts rather than with
 * schema classes: verification needs the exact bytes each signature covers, and the two layouts
 * in circulation differ in shape, not just in field values.
 *
 * GB/T 38540-2020 (version 4):
 *   SESeal        ::= SEQUENCE { esealInfo SES_SealInfo, cert OCTET STRING, signAlgID OBJECT IDENTIFIER,
 *                                signedValue BIT STRING }                    -- signs DER(esealInfo)
 *   SES_SealInfo  ::= SEQUENCE { header SES_Header, esID IA5String, property SES_ESPropertyInfo,
 *                                picture SES_ESPictrueInfo, extDatas ExtensionDatas OPTIONAL }
 *   SES_Header    ::= SEQUENCE { ID IA5String ("ES"), version INTEGER, Vid IA5String }
 *   SES_ESPropertyInfo ::= SEQUENCE { type INTEGER, name UTF8String, certListType INTEGER,
 *                                certList SES_CertList, createDate, validStart, validEnd GeneralizedTime }
 *   SES_CertList  ::= CHOICE { certs SEQUENCE OF OCTET STRING,               -- certListType 1
 *                              certDigestList SEQUENCE OF CertDigestObj }    -- certListType 2
 *   CertDigestObj ::= SEQUENCE { type PrintableString, value OCTET STRING }
 *   SES_ESPictrueInfo ::= SEQUENCE { type IA5String, data OCTET STRING, width INTEGER, height INTEGER }
 *   ExtensionDatas ::= SEQUENCE OF ExtData
 *   ExtData       ::= SEQUENCE { extnID OBJECT IDENTIFIER, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
 *
 * GM/T 0031-2014 (version 1): SESeal ::= SEQUENCE { esealInfo, signInfo SES_SignInfo { cert OCTET STRING,
 * signatureAlgorithm OBJECT IDENTIFIER, signData BIT STRING } }; the property has no certListType
 * (certList is SEQUENCE OF OCTET STRING) and its dates are UTCTime. The maker signs
 * DER(SEQUENCE { esealInfo, cert, signatureAlgorithm }), as the ofdrw UserV1.esl fixture confirms.
 *
 * Reading is lenient where real seals are (UTCTime or GeneralizedTime, fractional seconds,
 * extDatas with or without an explicit [0]); writing is strict GB/T 38540 DER.
 */
import { DomainError } from "../domain/errors.js";
import {
  TAG,
  bitString,
  children,
  content,
  decodeOid,
  generalizedTime,
  octetString,
  oid,
  readOnly,
  readUnsignedInteger,
  sequence,
  smallInteger,
  tlv,
  utf8String,
  whole,
} from "../pki/der.js";
import type { Tlv } from "../pki/der.js";

export const SEAL_HEADER_ID = "ES";
export const CERT_LIST_TYPE = { certificates: 1, digests: 2 } as const;

export type SealLayout = "v1" | "v4";

export interface SealHeaderFields {
  id: string;
  version: number;
  vendor: string;
}

export interface CertDigestFields {
  type: string;
  value: Uint8Array;
}

export type CertListFields =
  { kind: "certificates"; certificates: Uint8Array[] } | { kind: "digests"; digests: CertDigestFields[] };

export interface PropertyFields {
  type: number;
  name: string;
  certList: CertListFields;
  createDate: Date;
  validStart: Date;
  validEnd: Date;
}

export interface PictureFields {
  type: string;
  data: Uint8Array;
  width: number;
  height: number;
}

export interface ExtDataFields {
  oid: string;
  critical: boolean;
  value: Uint8Array;
}

export interface SealInfoFields {
  header: SealHeaderFields;
  esId: string;
  property: PropertyFields;
  picture: PictureFields;
  extensions: ExtDataFields[];
}

export interface SESealFields {
  layout: SealLayout;
  sealInfo: SealInfoFields;
  sealInfoDer: Uint8Array;
  makerCertificate: Uint8Array;
  signatureAlgorithm: string;
  signature: Uint8Array;
  /** exactly what the maker signed: DER(esealInfo) in v4, DER(SEQUENCE{esealInfo, cert, alg}) in v1 */
  signedData: Uint8Array;
}

// ---------------------------------------------------------------------------------------------
// Reading

export function structureInvalid(what: string): DomainError {
  return new DomainError("seal.structure_invalid", { what }, `seal structure invalid: ${what}`);
}

/** Walks the fields of one constructed TLV in order, naming each for the error message. */
export class FieldReader {
  private readonly items: Tlv[];
  private at = 0;

  constructor(
    readonly bytes: Uint8Array,
    parent: Tlv,
    private readonly what: string,
  ) {
    this.items = children(bytes, parent);
  }

  get remaining(): number {
    return this.items.length - this.at;
  }

  peek(): Tlv | undefined {
    return this.items[this.at];
  }

  next(tags: number | readonly number[], name: string): Tlv {
    const t = this.items[this.at];
    const allowed = typeof tags === "number" ? [tags] : tags;
    if (!t) throw structureInvalid(`${this.what}.${name} missing`);
    if (!allowed.includes(t.tag)) {
      throw structureInvalid(`${this.what}.${name} has tag 0x${t.tag.toString(16)}`);
    }
    this.at++;
    return t;
  }

  /** The next field if it carries one of the tags. */
  optional(tags: readonly number[]): Tlv | undefined {
    const t = this.items[this.at];
    if (!t || !tags.includes(t.tag)) return undefined;
    this.at++;
    return t;
  }

  end(): void {
    if (this.at !== this.items.length) throw structureInvalid(`${this.what} has unexpected trailing fields`);
  }
}

const STRING_TAGS = [TAG.IA5_STRING, TAG.PRINTABLE_STRING, TAG.UTF8_STRING] as const;
const TIME_TAGS = [TAG.UTC_TIME, TAG.GENERALIZED_TIME] as const;
const EXPLICIT_0 = 0xa0;

/** Text of a string field; other vendors are not always strict about IA5 versus UTF8. */
export function readText(bytes: Uint8Array, t: Tlv): string {
  return new TextDecoder("utf-8", { fatal: true }).decode(content(bytes, t));
}

export function readSmallInteger(bytes: Uint8Array, t: Tlv, name: string): number {
  const magnitude = readUnsignedInteger(bytes, t);
  if (magnitude.length > 4) throw structureInvalid(`${name} out of range`);
  let n = 0;
  for (const b of magnitude) n = n * 256 + b;
  return n;
}

const TIME_FORMAT = {
  [TAG.UTC_TIME]: /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(Z|[+-]\d{4})$/,
  [TAG.GENERALIZED_TIME]: /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(?:[.,](\d{1,9}))?(Z|[+-]\d{4})$/,
} as Record<number, RegExp>;

/**
 * UTCTime or GeneralizedTime as seal makers write them: seconds optional, fractional seconds and
 * numeric offsets in GeneralizedTime. A time without a zone is refused: guessing the maker's
 * local zone could move a validity boundary by hours.
 */
export function readSealTime(bytes: Uint8Array, t: Tlv, name: string): Date {
  const s = Buffer.from(content(bytes, t)).toString("latin1");
  const m = TIME_FORMAT[t.tag]?.exec(s);
  if (!m) throw structureInvalid(`${name} is not a time: ${s}`);
  const utc = t.tag === TAG.UTC_TIME;
  const [year2, month, day, hour, minute, second] = m.slice(1, 7).map((v) => Number(v ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const year = utc ? year2 + (year2 >= 50 ? 1900 : 2000) : year2;
  const fraction = utc ? undefined : m[7];
  const zone = (utc ? m[7] : m[8])!;
  const local = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  // Date.UTC rolls 31 April over into May: a field out of range means a malformed time.
  if (
    local.getUTCFullYear() !== year ||
    local.getUTCMonth() !== month - 1 ||
    local.getUTCDate() !== day ||
    local.getUTCHours() !== hour ||
    local.getUTCMinutes() !== minute ||
    local.getUTCSeconds() !== second
  ) {
    throw structureInvalid(`${name} is not a time: ${s}`);
  }
  let ms = local.getTime() + (fraction ? Math.floor(Number(`0.${fraction}`) * 1000) : 0);
  if (zone !== "Z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    ms -= sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5))) * 60_000;
  }
  return new Date(ms);
}

/** BIT STRING content without the unused-bits octet; signatures and digests are whole octets. */
export function readBitStringOctets(bytes: Uint8Array, t: Tlv, name: string): Uint8Array {
  const c = content(bytes, t);
  if (c.length === 0 || c[0] !== 0) throw structureInvalid(`${name} has unused bits`);
  return c.subarray(1);
}

export function readOidField(bytes: Uint8Array, t: Tlv): string {
  return decodeOid(content(bytes, t));
}

function readHeader(bytes: Uint8Array, t: Tlv): SealHeaderFields {
  const f = new FieldReader(bytes, t, "header");
  const header = {
    id: readText(bytes, f.next(STRING_TAGS, "ID")),
    version: readSmallInteger(bytes, f.next(TAG.INTEGER, "version"), "header.version"),
    vendor: readText(bytes, f.next(STRING_TAGS, "Vid")),
  };
  f.end();
  if (header.id !== SEAL_HEADER_ID) throw structureInvalid(`header.ID is "${header.id}", not "ES"`);
  return header;
}

function readCertList(bytes: Uint8Array, t: Tlv, listType: number): CertListFields {
  const entries = children(bytes, t);
  if (listType === CERT_LIST_TYPE.certificates) {
    return {
      kind: "certificates",
      certificates: entries.map((e, i) => {
        if (e.tag !== TAG.OCTET_STRING)
          throw structureInvalid(`property.certList[${i}] is not an OCTET STRING`);
        return content(bytes, e);
      }),
    };
  }
  if (listType === CERT_LIST_TYPE.digests) {
    return {
      kind: "digests",
      digests: entries.map((e, i) => {
        if (e.tag !== TAG.SEQUENCE) throw structureInvalid(`property.certList[${i}] is not a CertDigestObj`);
        const f = new FieldReader(bytes, e, `property.certList[${i}]`);
        const digest = {
          type: readText(bytes, f.next(STRING_TAGS, "type")),
          value: content(bytes, f.next(TAG.OCTET_STRING, "value")),
        };
        f.end();
        return digest;
      }),
    };
  }
  throw structureInvalid(`property.certListType ${listType} is neither 1 nor 2`);
}

function readProperty(bytes: Uint8Array, t: Tlv, layout: SealLayout): PropertyFields {
  const f = new FieldReader(bytes, t, "property");
  const type = readSmallInteger(bytes, f.next(TAG.INTEGER, "type"), "property.type");
  const name = readText(bytes, f.next(STRING_TAGS, "name"));
  const listType =
    layout === "v4"
      ? readSmallInteger(bytes, f.next(TAG.INTEGER, "certListType"), "property.certListType")
      : CERT_LIST_TYPE.certificates;
  const certList = readCertList(bytes, f.next(TAG.SEQUENCE, "certList"), listType);
  const createDate = readSealTime(bytes, f.next(TIME_TAGS, "createDate"), "property.createDate");
  const validStart = readSealTime(bytes, f.next(TIME_TAGS, "validStart"), "property.validStart");
  const validEnd = readSealTime(bytes, f.next(TIME_TAGS, "validEnd"), "property.validEnd");
  f.end();
  return { type, name, certList, createDate, validStart, validEnd };
}

function readPicture(bytes: Uint8Array, t: Tlv): PictureFields {
  const f = new FieldReader(bytes, t, "picture");
  const picture = {
    type: readText(bytes, f.next(STRING_TAGS, "type")),
    data: content(bytes, f.next(TAG.OCTET_STRING, "data")),
    width: readSmallInteger(bytes, f.next(TAG.INTEGER, "width"), "picture.width"),
    height: readSmallInteger(bytes, f.next(TAG.INTEGER, "height"), "picture.height"),
  };
  f.end();
  return picture;
}

/** ExtensionDatas, bare (as ofdrw writes it) or inside an explicit [0] (as some vendor guides have it). */
export function readExtensionDatas(bytes: Uint8Array, t: Tlv | undefined, what: string): ExtDataFields[] {
  if (!t) return [];
  let list = t;
  if (t.tag === EXPLICIT_0) {
    const inner = children(bytes, t);
    if (inner.length !== 1 || inner[0]!.tag !== TAG.SEQUENCE) throw structureInvalid(`${what} is malformed`);
    list = inner[0]!;
  }
  return children(bytes, list).map((e, i) => {
    if (e.tag !== TAG.SEQUENCE) throw structureInvalid(`${what}[${i}] is not an ExtData`);
    const f = new FieldReader(bytes, e, `${what}[${i}]`);
    const id = readOidField(bytes, f.next(TAG.OID, "extnID"));
    const critical = f.optional([TAG.BOOLEAN]);
    const value = content(bytes, f.next(TAG.OCTET_STRING, "extnValue"));
    f.end();
    return { oid: id, critical: critical ? content(bytes, critical)[0] !== 0 : false, value };
  });
}

function readSealInfo(bytes: Uint8Array, t: Tlv, layout: SealLayout): SealInfoFields {
  const f = new FieldReader(bytes, t, "esealInfo");
  const header = readHeader(bytes, f.next(TAG.SEQUENCE, "header"));
  // The layout (SESeal's field count) decides what the maker signed, so a v4 layout whose header
  // says another version is still read as v4: the verdict warns about the version (seal.ts) and
  // judges the rest. A v1 layout claiming version 4 or more is refused.
  if (layout === "v1" && (header.version < 1 || header.version > 3)) {
    throw structureInvalid(`header.version ${header.version} with the GM/T 0031 (version 1) layout`);
  }
  const esId = readText(bytes, f.next(STRING_TAGS, "esID"));
  const property = readProperty(bytes, f.next(TAG.SEQUENCE, "property"), layout);
  const picture = readPicture(bytes, f.next(TAG.SEQUENCE, "picture"));
  const extensions = readExtensionDatas(bytes, f.optional([TAG.SEQUENCE, EXPLICIT_0]), "extDatas");
  f.end();
  return { header, esId, property, picture, extensions };
}

/** Runs a reader, turning any DER fault into seal.structure_invalid. */
export function asStructure<T>(read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof DomainError && e.code === "seal.structure_invalid") throw e;
    if (e instanceof DomainError && e.code === "pki.der_malformed")
      throw structureInvalid(String(e.params.what));
    if (e instanceof TypeError) throw structureInvalid("text is not valid UTF-8");
    throw e;
  }
}

/** Decodes an SESeal of either layout, starting at a TLV inside bytes (a seal inside TBS_Sign). */
export function readSESeal(bytes: Uint8Array, top: Tlv): SESealFields {
  return asStructure(() => {
    if (top.tag !== TAG.SEQUENCE) throw structureInvalid("SESeal is not a SEQUENCE");
    const parts = children(bytes, top);
    if (parts.length === 4) {
      const f = new FieldReader(bytes, top, "SESeal");
      const info = f.next(TAG.SEQUENCE, "esealInfo");
      const cert = f.next(TAG.OCTET_STRING, "cert");
      const alg = f.next(TAG.OID, "signAlgID");
      const sig = f.next(TAG.BIT_STRING, "signedValue");
      return {
        layout: "v4",
        sealInfo: readSealInfo(bytes, info, "v4"),
        sealInfoDer: whole(bytes, info),
        makerCertificate: content(bytes, cert),
        signatureAlgorithm: readOidField(bytes, alg),
        signature: readBitStringOctets(bytes, sig, "signedValue"),
        signedData: whole(bytes, info),
      };
    }
    if (parts.length === 2) {
      const f = new FieldReader(bytes, top, "SESeal");
      const info = f.next(TAG.SEQUENCE, "esealInfo");
      const signInfo = new FieldReader(bytes, f.next(TAG.SEQUENCE, "signInfo"), "signInfo");
      const cert = signInfo.next(TAG.OCTET_STRING, "cert");
      const alg = signInfo.next(TAG.OID, "signatureAlgorithm");
      const sig = signInfo.next(TAG.BIT_STRING, "signData");
      signInfo.end();
      return {
        layout: "v1",
        sealInfo: readSealInfo(bytes, info, "v1"),
        sealInfoDer: whole(bytes, info),
        makerCertificate: content(bytes, cert),
        signatureAlgorithm: readOidField(bytes, alg),
        signature: readBitStringOctets(bytes, sig, "signData"),
        signedData: sequence(whole(bytes, info), whole(bytes, cert), whole(bytes, alg)),
      };
    }
    throw structureInvalid(`SESeal has ${parts.length} fields; expected 4 (GB/T 38540) or 2 (GM/T 0031)`);
  });
}

export function decodeSESeal(der: Uint8Array): SESealFields {
  const top = asStructure(() => readOnly(der, TAG.SEQUENCE));
  return readSESeal(der, top);
}

// ---------------------------------------------------------------------------------------------
// Writing (GB/T 38540, version 4 only: certdesk makes no GM/T 0031 seals)

// Printable ASCII: IA5 allows control characters, which have no place in an ID or vendor name.
const IA5 = /^[\x20-\x7e]*$/;

export function ia5String(value: string, name: string): Uint8Array {
  if (!IA5.test(value)) throw new DomainError("seal.value_not_ia5", { field: name, value });
  return tlv(TAG.IA5_STRING, new TextEncoder().encode(value));
}

function printableDigestType(value: string): Uint8Array {
  if (!/^[A-Za-z0-9 '()+,\-./:=?]+$/.test(value))
    throw new DomainError("seal.value_not_ia5", { field: "certDigest.type", value });
  return tlv(TAG.PRINTABLE_STRING, new TextEncoder().encode(value));
}

function encodeCertList(list: CertListFields): Uint8Array {
  return list.kind === "certificates"
    ? sequence(...list.certificates.map(octetString))
    : sequence(...list.digests.map((d) => sequence(printableDigestType(d.type), octetString(d.value))));
}

export function encodeExtensionDatas(extensions: readonly ExtDataFields[]): Uint8Array {
  return sequence(
    ...extensions.map((e) =>
      // DER leaves out a BOOLEAN equal to its DEFAULT (FALSE).
      e.critical
        ? sequence(oid(e.oid), Uint8Array.of(TAG.BOOLEAN, 1, 0xff), octetString(e.value))
        : sequence(oid(e.oid), octetString(e.value)),
    ),
  );
}

export function encodeSealInfoV4(info: SealInfoFields): Uint8Array {
  const { header, property, picture } = info;
  const listType =
    property.certList.kind === "certificates" ? CERT_LIST_TYPE.certificates : CERT_LIST_TYPE.digests;
  return sequence(
    sequence(
      ia5String(header.id, "header.ID"),
      smallInteger(header.version),
      ia5String(header.vendor, "header.Vid"),
    ),
    ia5String(info.esId, "esID"),
    sequence(
      smallInteger(property.type),
      utf8String(property.name),
      smallInteger(listType),
      encodeCertList(property.certList),
      generalizedTime(property.createDate),
      generalizedTime(property.validStart),
      generalizedTime(property.validEnd),
    ),
    sequence(
      ia5String(picture.type, "picture.type"),
      octetString(picture.data),
      smallInteger(picture.width),
      smallInteger(picture.height),
    ),
    ...(info.extensions.length > 0 ? [encodeExtensionDatas(info.extensions)] : []),
  );
}

/** SESeal v4 around the exact signed SES_SealInfo bytes (never a re-encoding of them). */
export function encodeSESealV4(
  sealInfoDer: Uint8Array,
  makerCertificate: Uint8Array,
  signatureAlgorithm: string,
  signature: Uint8Array,
): Uint8Array {
  return sequence(sealInfoDer, octetString(makerCertificate), oid(signatureAlgorithm), bitString(signature));
}
