/**
 * Distinguished names as the CA uses them: a structured subject in, an X.501 Name out, and back.
 * Text attributes are UTF8String (RFC 5280 4.1.2.6) so that Chinese organisation names survive;
 * countryName and serialNumber are PrintableString because X.520 defines them so.
 */
import { AsnConvert } from "@peculiar/asn1-schema";
import { AttributeTypeAndValue, AttributeValue, Name, RelativeDistinguishedName } from "@peculiar/asn1-x509";
import { DomainError } from "../domain/errors.js";
import {
  TAG,
  children,
  content,
  decodeOid,
  isPrintableString,
  oid,
  readOnly,
  sequence,
  tlv,
  utf8String,
} from "./der.js";
import { NAME_OID } from "./oids.js";

export interface SubjectName {
  C?: string;
  ST?: string;
  L?: string;
  O?: string;
  OU?: string[];
  CN?: string;
  serialNumber?: string;
}

/** X.520 upper bounds, in characters (RFC 5280 Appendix A). */
const UPPER_BOUND: Record<keyof SubjectName, number> = {
  C: 2,
  ST: 128,
  L: 128,
  O: 64,
  OU: 64,
  CN: 64,
  serialNumber: 64,
};

const PRINTABLE_ATTRIBUTES: ReadonlySet<keyof SubjectName> = new Set(["C", "serialNumber"]);

/** The order RDNs are written in: most general first, as Chinese CAs and OpenSSL do. */
const ORDER: readonly (keyof SubjectName)[] = ["C", "ST", "L", "O", "OU", "CN", "serialNumber"];

function attribute(key: keyof SubjectName, value: string): RelativeDistinguishedName {
  const length = [...value].length;
  if (length === 0 || length > UPPER_BOUND[key] || (key === "C" && length !== 2)) {
    throw new DomainError("pki.name_attribute_invalid", { attribute: key, value });
  }
  if (PRINTABLE_ATTRIBUTES.has(key) && !isPrintableString(value)) {
    throw new DomainError("pki.name_attribute_invalid", { attribute: key, value });
  }
  const v = PRINTABLE_ATTRIBUTES.has(key)
    ? new AttributeValue({ printableString: value })
    : new AttributeValue({ utf8String: value });
  return new RelativeDistinguishedName([new AttributeTypeAndValue({ type: NAME_OID[key], value: v })]);
}

export function buildName(subject: SubjectName): Name {
  const rdns: RelativeDistinguishedName[] = [];
  for (const key of ORDER) {
    const value = subject[key];
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) rdns.push(attribute(key, v));
  }
  if (rdns.length === 0) throw new DomainError("pki.name_empty");
  return new Name(rdns);
}

export interface NameAttribute {
  oid: string;
  /** the short name (C, O, CN...) when known */
  type: string;
  value: string;
}

const SHORT_NAMES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(NAME_OID).map(([short, oid]) => [oid, short]),
);

export function nameAttributes(name: Name): NameAttribute[] {
  const out: NameAttribute[] = [];
  for (const rdn of name) {
    for (const atv of rdn) {
      out.push({ oid: atv.type, type: SHORT_NAMES[atv.type] ?? atv.type, value: atv.value.toString() });
    }
  }
  return out;
}

export function parseName(name: Name): SubjectName {
  const out: SubjectName = {};
  for (const a of nameAttributes(name)) {
    if (a.type === "OU") (out.OU ??= []).push(a.value);
    else if (a.type in UPPER_BOUND) out[a.type as Exclude<keyof SubjectName, "OU">] = a.value;
  }
  return out;
}

/** One line for people and logs, in encoded order: "C=CN, O=上海示例科技有限公司, CN=...". */
export function nameToString(name: Name): string {
  return nameAttributes(name)
    .map((a) => `${a.type}=${a.value.replace(/([,+"\\<>;])/g, "\\$1")}`)
    .join(", ");
}

export const nameToDer = (name: Name): Uint8Array => new Uint8Array(AsnConvert.serialize(name));
export const nameFromDer = (der: Uint8Array): Name => AsnConvert.parse(der, Name);

// ---------------------------------------------------------------------------------------------
// Direct DER, for issuance: the same bytes and text as buildName/nameToDer/nameToString, without
// the schema library's object graph (name.test.ts compares the two).

const OID_DER: Readonly<Record<string, Uint8Array>> = Object.fromEntries(
  Object.entries(NAME_OID).map(([short, dotted]) => [short, oid(dotted)]),
);

/** DER of the Name buildName makes for this subject, with the same checks and errors. */
export function subjectNameDer(subject: SubjectName): Uint8Array {
  const rdns: Uint8Array[] = [];
  for (const key of ORDER) {
    const value = subject[key];
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) {
      const length = [...v].length;
      if (length === 0 || length > UPPER_BOUND[key] || (key === "C" && length !== 2)) {
        throw new DomainError("pki.name_attribute_invalid", { attribute: key, value: v });
      }
      const printable = PRINTABLE_ATTRIBUTES.has(key);
      if (printable && !isPrintableString(v)) {
        throw new DomainError("pki.name_attribute_invalid", { attribute: key, value: v });
      }
      const text = printable ? tlv(TAG.PRINTABLE_STRING, Buffer.from(v, "latin1")) : utf8String(v);
      rdns.push(tlv(TAG.SET, sequence(OID_DER[key]!, text)));
    }
  }
  if (rdns.length === 0) throw new DomainError("pki.name_empty");
  return sequence(...rdns);
}

const escapeValue = (v: string): string => v.replace(/([,+"\\<>;])/g, "\\$1");

/** nameToString of that Name. */
export function subjectNameText(subject: SubjectName): string {
  const parts: string[] = [];
  for (const key of ORDER) {
    const value = subject[key];
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) parts.push(`${key}=${escapeValue(v)}`);
  }
  return parts.join(", ");
}

const STRING_DECODERS: Readonly<Record<number, (b: Uint8Array) => string>> = {
  [TAG.UTF8_STRING]: (b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("utf8"),
  [TAG.PRINTABLE_STRING]: (b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1"),
  [TAG.IA5_STRING]: (b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1"),
};

/**
 * parseName and nameToString of a DER Name whose values are UTF8, Printable or IA5 strings (what
 * every CSR tool writes); undefined for anything else, which the schema library then reads.
 */
export function readNameDer(der: Uint8Array): { subject: SubjectName; text: string } | undefined {
  try {
    const subject: SubjectName = {};
    const parts: string[] = [];
    for (const rdn of children(der, readOnly(der, TAG.SEQUENCE))) {
      if (rdn.tag !== TAG.SET) return undefined;
      for (const atv of children(der, rdn)) {
        const [type, value, extra] = children(der, atv);
        if (atv.tag !== TAG.SEQUENCE || type?.tag !== TAG.OID || !value || extra) return undefined;
        const decode = STRING_DECODERS[value.tag];
        const bytes = content(der, value);
        // Not valid UTF-8, or not ASCII where only ASCII belongs: the schema library decides.
        if (!decode || (value.tag !== TAG.UTF8_STRING && bytes.some((b) => b > 0x7f))) return undefined;
        const text = decode(bytes);
        if (value.tag === TAG.UTF8_STRING && text.includes("\uFFFD")) return undefined;
        const dotted = decodeOid(content(der, type));
        const short = SHORT_NAMES[dotted] ?? dotted;
        parts.push(`${short}=${escapeValue(text)}`);
        if (short === "OU") (subject.OU ??= []).push(text);
        else if (short in UPPER_BOUND) subject[short as Exclude<keyof SubjectName, "OU">] = text;
      }
    }
    return { subject, text: parts.join(", ") };
  } catch {
    return undefined;
  }
}
