/**
 * Distinguished names as the CA uses them: a structured subject in, an X.501 Name out, and back.
 * Text attributes are UTF8String (RFC 5280 4.1.2.6) so that Chinese organisation names survive;
 * countryName and serialNumber are PrintableString because X.520 defines them so.
 */
import { AsnConvert } from "@peculiar/asn1-schema";
import { AttributeTypeAndValue, AttributeValue, Name, RelativeDistinguishedName } from "@peculiar/asn1-x509";
import { DomainError } from "../domain/errors.js";
import { isPrintableString } from "./der.js";
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
