/**
 * A small DER writer and reader. The schema library (@peculiar/asn1-schema) builds certificates;
 * this module covers what it is slow or awkward for: SM2 keys and signatures, and the CRL entry
 * list, which at a million entries must be written straight into one buffer.
 */
import { DomainError } from "../domain/errors.js";

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  ENUMERATED: 0x0a,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Context-specific tag number n, constructed (EXPLICIT or a constructed IMPLICIT type). */
export const contextConstructed = (n: number): number => 0xa0 | n;
/** Context-specific tag number n, primitive (IMPLICIT of a primitive type). */
export const contextPrimitive = (n: number): number => 0x80 | n;

export function lengthOctets(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

/** Size of tag + length octets for a content of the given length (single-byte tags only). */
export function headerSize(contentLength: number): number {
  if (contentLength < 0x80) return 2;
  let n = 0;
  for (let l = contentLength; l > 0; l = Math.floor(l / 256)) n++;
  return 2 + n;
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function tlv(tag: number, ...content: Uint8Array[]): Uint8Array {
  const body = content.length === 1 ? content[0]! : concat(content);
  return concat([Uint8Array.of(tag), lengthOctets(body.length), body]);
}

export const sequence = (...items: Uint8Array[]): Uint8Array => tlv(TAG.SEQUENCE, ...items);
export const octetString = (bytes: Uint8Array): Uint8Array => tlv(TAG.OCTET_STRING, bytes);
export const bitString = (bytes: Uint8Array): Uint8Array => tlv(TAG.BIT_STRING, Uint8Array.of(0), bytes);
export const derNull = (): Uint8Array => Uint8Array.of(TAG.NULL, 0);
export const utf8String = (s: string): Uint8Array => tlv(TAG.UTF8_STRING, new TextEncoder().encode(s));
export const explicit = (n: number, inner: Uint8Array): Uint8Array => tlv(contextConstructed(n), inner);

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;
export function isPrintableString(s: string): boolean {
  return PRINTABLE.test(s);
}

export function printableString(s: string): Uint8Array {
  if (!isPrintableString(s)) throw new DomainError("pki.value_not_printable", { value: s });
  return tlv(TAG.PRINTABLE_STRING, new TextEncoder().encode(s));
}

/** Content octets of a non-negative INTEGER given as unsigned big-endian magnitude. */
export function unsignedIntegerContent(magnitude: Uint8Array): Uint8Array {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = magnitude.subarray(start);
  if (trimmed.length === 0) return Uint8Array.of(0);
  // A set top bit would read as negative: DER needs a leading zero octet.
  if (trimmed[0]! & 0x80) return concat([Uint8Array.of(0), trimmed]);
  return trimmed;
}

export const unsignedInteger = (magnitude: Uint8Array): Uint8Array =>
  tlv(TAG.INTEGER, unsignedIntegerContent(magnitude));

export function bigintToBytes(n: bigint, length?: number): Uint8Array {
  if (n < 0n) throw new RangeError("negative");
  let hex = n.toString(16);
  if (hex.length % 2) hex = "0" + hex;
  const raw = Buffer.from(hex, "hex");
  if (length === undefined) return new Uint8Array(raw);
  if (raw.length > length) throw new RangeError("value too large");
  const out = new Uint8Array(length);
  out.set(raw, length - raw.length);
  return out;
}

export const bytesToBigint = (bytes: Uint8Array): bigint =>
  bytes.length === 0 ? 0n : BigInt("0x" + Buffer.from(bytes).toString("hex"));

export const integerFromBigint = (n: bigint): Uint8Array => unsignedInteger(bigintToBytes(n));

export function smallInteger(n: number): Uint8Array {
  return integerFromBigint(BigInt(n));
}

export function oid(dotted: string): Uint8Array {
  const arcs = dotted.split(".").map((a) => BigInt(a));
  if (arcs.length < 2) throw new RangeError(`bad OID ${dotted}`);
  const out: number[] = [];
  const push = (v: bigint): void => {
    const chunk: number[] = [Number(v & 0x7fn)];
    for (let x = v >> 7n; x > 0n; x >>= 7n) chunk.unshift(Number(x & 0x7fn) | 0x80);
    out.push(...chunk);
  };
  push(arcs[0]! * 40n + arcs[1]!);
  for (const a of arcs.slice(2)) push(a);
  return tlv(TAG.OID, Uint8Array.from(out));
}

export function decodeOid(content: Uint8Array): string {
  const arcs: bigint[] = [];
  let v = 0n;
  for (const b of content) {
    v = (v << 7n) | BigInt(b & 0x7f);
    if (!(b & 0x80)) {
      arcs.push(v);
      v = 0n;
    }
  }
  const first = arcs.shift() ?? 0n;
  const head = first < 80n ? [first / 40n, first % 40n] : [2n, first - 80n];
  return [...head, ...arcs].join(".");
}

const pad2 = (n: number): string => (n < 10 ? "0" : "") + n;

/** RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050; always Z, no fractions. */
export function time(date: Date): Uint8Array {
  const y = date.getUTCFullYear();
  const rest =
    pad2(date.getUTCMonth() + 1) +
    pad2(date.getUTCDate()) +
    pad2(date.getUTCHours()) +
    pad2(date.getUTCMinutes()) +
    pad2(date.getUTCSeconds()) +
    "Z";
  if (y >= 1950 && y <= 2049) return tlv(TAG.UTC_TIME, Buffer.from(pad2(y % 100) + rest, "latin1"));
  return generalizedTime(date);
}

/** GeneralizedTime without fractional seconds (RFC 5280 4.1.2.5.2, RFC 6960 uses the same). */
export function generalizedTime(date: Date): Uint8Array {
  const s =
    String(date.getUTCFullYear()).padStart(4, "0") +
    pad2(date.getUTCMonth() + 1) +
    pad2(date.getUTCDate()) +
    pad2(date.getUTCHours()) +
    pad2(date.getUTCMinutes()) +
    pad2(date.getUTCSeconds()) +
    "Z";
  return tlv(TAG.GENERALIZED_TIME, Buffer.from(s, "latin1"));
}

// ---------------------------------------------------------------------------------------------
// Reader

export interface Tlv {
  tag: number;
  /** offset of the tag octet */
  start: number;
  /** offset of the first content octet */
  contentStart: number;
  /** offset just past the content */
  end: number;
}

function malformed(what: string): DomainError {
  return new DomainError("pki.der_malformed", { what }, `malformed DER: ${what}`);
}

/** Reads one TLV at offset; definite lengths only, as DER requires. */
export function readTlv(bytes: Uint8Array, offset = 0, limit = bytes.length): Tlv {
  if (offset + 2 > limit) throw malformed("truncated header");
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f) throw malformed("multi-byte tag");
  let at = offset + 1;
  const first = bytes[at++]!;
  let length: number;
  if (first < 0x80) {
    length = first;
  } else {
    const n = first & 0x7f;
    if (n === 0 || n > 4) throw malformed("length form");
    if (at + n > limit) throw malformed("truncated length");
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + bytes[at++]!;
    if (length < 0x80 || (n > 1 && bytes[at - n] === 0)) throw malformed("non-minimal length");
  }
  const end = at + length;
  if (end > limit) throw malformed("truncated content");
  return { tag, start: offset, contentStart: at, end };
}

export const content = (bytes: Uint8Array, t: Tlv): Uint8Array => bytes.subarray(t.contentStart, t.end);
export const whole = (bytes: Uint8Array, t: Tlv): Uint8Array => bytes.subarray(t.start, t.end);

/** The TLVs directly inside a constructed TLV. */
export function children(bytes: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.contentStart; at < parent.end;) {
    const t = readTlv(bytes, at, parent.end);
    out.push(t);
    at = t.end;
  }
  return out;
}

/** Parses a whole buffer as one TLV of the expected tag, with nothing after it. */
export function readOnly(bytes: Uint8Array, tag: number): Tlv {
  const t = readTlv(bytes, 0);
  if (t.tag !== tag) throw malformed(`expected tag 0x${tag.toString(16)}, got 0x${t.tag.toString(16)}`);
  if (t.end !== bytes.length) throw malformed("trailing data");
  return t;
}

export function expectTag(t: Tlv | undefined, tag: number, what: string): Tlv {
  if (!t || t.tag !== tag) throw malformed(what);
  return t;
}

/** A positive or zero DER INTEGER's magnitude; rejects negatives and non-minimal encodings. */
export function readUnsignedInteger(bytes: Uint8Array, t: Tlv): Uint8Array {
  if (t.tag !== TAG.INTEGER) throw malformed("expected INTEGER");
  const c = content(bytes, t);
  if (c.length === 0) throw malformed("empty INTEGER");
  if (c[0]! & 0x80) throw malformed("negative INTEGER");
  if (c.length > 1 && c[0] === 0 && !(c[1]! & 0x80)) throw malformed("non-minimal INTEGER");
  return c[0] === 0 && c.length > 1 ? c.subarray(1) : c;
}

/** UTCTime (years 1950-2049, RFC 5280 4.1.2.5.1) or GeneralizedTime, the Z forms DER allows. */
export function readTime(bytes: Uint8Array, t: Tlv): Date {
  const s = Buffer.from(content(bytes, t)).toString("latin1");
  const m =
    t.tag === TAG.UTC_TIME
      ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s)
      : t.tag === TAG.GENERALIZED_TIME
        ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s)
        : null;
  if (!m) throw malformed(`time ${s}`);
  const [, y, mo, d, h, mi, se] = m.map(Number) as [number, number, number, number, number, number, number];
  const year = t.tag === TAG.UTC_TIME ? (y >= 50 ? 1900 + y : 2000 + y) : y;
  return new Date(Date.UTC(year, mo - 1, d, h, mi, se));
}

export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");
export const fromHex = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, "hex"));

/**
 * A standalone copy as an ArrayBuffer, for the schema library, which wants ArrayBuffers. Never
 * `bytes.buffer` or `Buffer#slice().buffer`: a node Buffer is a view into a shared pool.
 */
export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return copy.buffer;
}
