/**
 * Full CRLs (RFC 5280 section 5), v2, with CRL number and authority key identifier. The list of
 * revoked certificates is written straight into one growing buffer, entry by entry, without a
 * schema object per entry: a CA with a million revocations must still publish in seconds.
 */
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier, AuthorityKeyIdentifier, Extension, KeyIdentifier } from "@peculiar/asn1-x509";
import { DomainError } from "../domain/errors.js";
import { parseCertificate } from "./certificate.js";
import {
  TAG,
  bitString,
  children,
  concat,
  content,
  contextConstructed,
  decodeOid,
  explicit,
  headerSize,
  integerFromBigint,
  readOnly,
  readTime,
  sequence,
  smallInteger,
  time,
  toArrayBuffer,
  toHex,
  whole,
} from "./der.js";
import type { Tlv } from "./der.js";
import { distributionPoints, keyIdentifier } from "./extensions.js";
import { OID } from "./oids.js";
import { toDer } from "./pem.js";
import { normalizeSerial, serialFromIntegerContent } from "./serial.js";
import { SIGNATURE_ALGORITHM_NAMES, verifySignature } from "./signer.js";
import type { Signer, VerifyOptions } from "./signer.js";

/** RFC 5280 5.3.1 CRLReason. */
export const REASON_CODES = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  removeFromCRL: 8,
  privilegeWithdrawn: 9,
  aACompromise: 10,
} as const;

export type RevocationReason = keyof typeof REASON_CODES;

const REASON_BY_CODE: ReadonlyMap<number, RevocationReason> = new Map(
  Object.entries(REASON_CODES).map(([name, code]) => [code, name as RevocationReason]),
);
export const reasonFromCode = (code: number): RevocationReason | undefined => REASON_BY_CODE.get(code);

export interface RevokedEntry {
  /** serial hex, see serial.ts */
  serialNumber: string;
  revokedAt: Date;
  /** absent or "unspecified": no reasonCode extension (RFC 5280 5.3.1 says to leave it out) */
  reason?: RevocationReason;
}

export interface BuildCrlInput {
  /** the CA certificate whose key signs: its subject is the CRL issuer, its SKI the AKI */
  issuerCertificate: Uint8Array;
  signer: Signer;
  /** monotonically increasing per CA, shared by complete and delta CRLs (RFC 5280 5.2.3, 5.2.4) */
  crlNumber: bigint;
  thisUpdate: Date;
  nextUpdate: Date;
  /**
   * Any iterable, sync or async, so that a store can stream rows without holding them all; or the
   * entries packed as text by the store (PackedEntries), written without an object per entry.
   */
  entries: Iterable<RevokedEntry> | AsyncIterable<RevokedEntry> | PackedEntries;
  /** RFC 5280 5.2.4: makes this a delta CRL of the complete CRL with that number */
  baseCrlNumber?: bigint;
  /** RFC 5280 5.2.6: where this CA's delta CRLs are published (complete CRLs only) */
  freshestCrl?: string[];
}

/**
 * Revoked entries as one text, "serialHex YYYYMMDDHHMMSS reason" joined by ",": the serial as the
 * store keeps it (lowercase hex, no leading zero octet), the revocation time in UTC, the reason's
 * name or nothing. A million entries are read by one pass over the text.
 */
export interface PackedEntries {
  packed: string;
}

// Each entry's reasonCode extension is one of ten fixed byte strings: make them once.
//   SEQUENCE OF Extension { SEQUENCE { OID 2.5.29.21, OCTET STRING { ENUMERATED code } } }
const REASON_EXTENSIONS: ReadonlyMap<number, Uint8Array> = new Map(
  Object.values(REASON_CODES).map((code) => [
    code,
    Uint8Array.from([
      0x30,
      0x0c,
      0x30,
      0x0a,
      0x06,
      0x03,
      0x55,
      0x1d,
      0x15,
      0x04,
      0x03,
      TAG.ENUMERATED,
      0x01,
      code,
    ]),
  ]),
);

/**
 * The reasonCode a stored reason is listed with: none for unspecified (RFC 5280 5.3.1 says to leave
 * it out), for removeFromCRL (only delta CRLs may carry it) and for text that names no reason.
 */
function listedReason(name: string): Uint8Array | undefined {
  if (!name || !Object.hasOwn(REASON_CODES, name)) return undefined;
  const code = REASON_CODES[name as RevocationReason];
  return code === REASON_CODES.unspecified || code === REASON_CODES.removeFromCRL
    ? undefined
    : REASON_EXTENSIONS.get(code);
}

const HEX = /^[0-9a-f]+$/;
/** Nibble values of ASCII hex digits (lowercase, as stored), -1 for anything else. */
const NIBBLE = Int8Array.from({ length: 128 }, (_, c) =>
  c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1,
);
/** Room before the entries for the CRL's and TBSCertList's headers and the fields before the list. */
const MAX_HEADER = 6;

/**
 * Writes a whole CertificateList into one buffer, entries first: room is kept in front for the
 * fields before the list and the headers, which are known only once the list is; the extensions,
 * the signature algorithm and the signature follow it. The entries are never copied.
 */
class CrlWriter {
  private buf: Buffer;
  private at: number;
  count = 0;

  constructor(
    private readonly head: number,
    expectedBytes: number,
  ) {
    this.buf = Buffer.allocUnsafe(head + expectedBytes);
    this.at = head;
  }

  ensure(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(bigger, 0, 0, this.at);
    this.buf = bigger;
  }

  add(entry: RevokedEntry): void {
    // Fast path for the canonical form the store keeps; anything else goes through normalizeSerial.
    let hex = entry.serialNumber;
    if (!(hex.length % 2 === 0 && HEX.test(hex) && !hex.startsWith("00"))) hex = normalizeSerial(hex);
    const code = entry.reason === undefined ? 0 : REASON_CODES[entry.reason];
    if (code === REASON_CODES.removeFromCRL)
      throw new DomainError("pki.crl_reason_invalid", { reason: "removeFromCRL" });
    const ms = entry.revokedAt.getTime();
    if (Number.isNaN(ms)) throw new DomainError("pki.crl_entry_invalid", { serial: entry.serialNumber });
    this.#entry(hex, 0, hex.length, new Date(ms), 0, code === 0 ? undefined : REASON_EXTENSIONS.get(code));
  }

  /** PackedEntries, read in one pass. */
  addPacked(text: string): void {
    this.ensure(text.length + 64);
    let pos = 0;
    while (pos < text.length) {
      const serialEnd = text.indexOf(" ", pos);
      const timeEnd = serialEnd < 0 ? -1 : text.indexOf(" ", serialEnd + 1);
      if (timeEnd !== serialEnd + 15)
        throw new DomainError("pki.crl_entry_invalid", { serial: text.slice(pos, pos + 42) });
      let entryEnd = text.indexOf(",", timeEnd + 1);
      if (entryEnd < 0) entryEnd = text.length;
      const ext = entryEnd > timeEnd + 1 ? listedReason(text.slice(timeEnd + 1, entryEnd)) : undefined;
      this.#entry(text, pos, serialEnd, text, serialEnd + 1, ext);
      pos = entryEnd + 1;
    }
  }

  /**
   * One RevokedCertificate: the serial as hex in serialText[from, to); the time as a Date, or as 14
   * digits (YYYYMMDDHHMMSS, UTC) at timeAt in a text.
   */
  #entry(
    serialText: string,
    from: number,
    to: number,
    time: string | Date,
    timeAt: number,
    ext?: Uint8Array,
  ) {
    const hexLength = to - from;
    if (hexLength === 0 || hexLength % 2 !== 0 || hexLength > 40 || serialText.startsWith("00", from))
      throw new DomainError("pki.serial_invalid", { serial: serialText.slice(from, to) });
    const first = NIBBLE[serialText.charCodeAt(from)] ?? -1;
    const serialLength = hexLength / 2 + (first >= 8 ? 1 : 0); // sign octet when the first nibble >= 8
    const year = typeof time === "string" ? Number(time.slice(timeAt, timeAt + 4)) : time.getUTCFullYear();
    const utc = year >= 1950 && year <= 2049;
    const timeLength = utc ? 13 : 15;
    const bodyLength = 2 + serialLength + 2 + timeLength + (ext ? ext.length : 0);
    // Serial <= 21 octets and time <= 15: the body stays < 128, one length octet.
    this.ensure(2 + bodyLength);
    const b = this.buf;
    let p = this.at;
    b[p++] = TAG.SEQUENCE;
    b[p++] = bodyLength;
    b[p++] = TAG.INTEGER;
    b[p++] = serialLength;
    if (serialLength > hexLength / 2) b[p++] = 0;
    for (let i = from; i < to; i += 2) {
      const hi = NIBBLE[serialText.charCodeAt(i)] ?? -1;
      const lo = NIBBLE[serialText.charCodeAt(i + 1)] ?? -1;
      if (hi < 0 || lo < 0)
        throw new DomainError("pki.serial_invalid", { serial: serialText.slice(from, to) });
      b[p++] = (hi << 4) | lo;
    }
    b[p++] = utc ? TAG.UTC_TIME : TAG.GENERALIZED_TIME;
    b[p++] = timeLength;
    if (typeof time === "string") {
      for (let i = timeAt + (utc ? 2 : 0); i < timeAt + 14; i++) {
        const c = time.charCodeAt(i);
        if (!(c >= 0x30 && c <= 0x39))
          throw new DomainError("pki.crl_entry_invalid", { serial: serialText.slice(from, to) });
        b[p++] = c;
      }
    } else {
      if (!utc) p = digits2(b, p, Math.floor(year / 100));
      p = digits2(b, p, year % 100);
      p = digits2(b, p, time.getUTCMonth() + 1);
      p = digits2(b, p, time.getUTCDate());
      p = digits2(b, p, time.getUTCHours());
      p = digits2(b, p, time.getUTCMinutes());
      p = digits2(b, p, time.getUTCSeconds());
    }
    b[p++] = 0x5a; // 'Z'
    if (ext) {
      b.set(ext, p);
      p += ext.length;
    }
    this.at = p;
    this.count++;
  }

  /**
   * Closes the list and the TBSCertList around it: `before` (version to nextUpdate) in front,
   * `after` (the [0] extensions) behind. Returns where the TBSCertList starts; it ends at `at`.
   */
  closeTbs(before: Uint8Array, after: Uint8Array): number {
    let start = this.head;
    const listLength = this.at - this.head;
    // RFC 5280: an empty list is left out.
    if (this.count > 0) start = this.#headerBefore(start, TAG.SEQUENCE, listLength);
    if (start < before.length + 2 * MAX_HEADER) throw new Error("CRL writer: too little room in front");
    start -= before.length;
    this.buf.set(before, start);
    this.ensure(after.length);
    this.buf.set(after, this.at);
    this.at += after.length;
    return this.#headerBefore(start, TAG.SEQUENCE, this.at - start);
  }

  /** Appends the signature algorithm and signature, closes the CertificateList, returns its DER. */
  closeCrl(tbsStart: number, algorithm: Uint8Array, signature: Uint8Array): Uint8Array {
    const signatureBits = bitString(signature);
    this.ensure(algorithm.length + signatureBits.length);
    this.buf.set(algorithm, this.at);
    this.buf.set(signatureBits, this.at + algorithm.length);
    this.at += algorithm.length + signatureBits.length;
    const start = this.#headerBefore(tbsStart, TAG.SEQUENCE, this.at - tbsStart);
    return new Uint8Array(this.buf.buffer, this.buf.byteOffset + start, this.at - start);
  }

  tbs(start: number): Uint8Array {
    return new Uint8Array(this.buf.buffer, this.buf.byteOffset + start, this.at - start);
  }

  /** Writes a tag and length ending at `end`; returns where they start. */
  #headerBefore(end: number, tag: number, length: number): number {
    const size = headerSize(length);
    let p = end - size;
    const start = p;
    this.buf[p++] = tag;
    if (length < 0x80) this.buf[p] = length;
    else {
      const n = size - 2;
      this.buf[p++] = 0x80 | n;
      for (let i = n - 1; i >= 0; i--) this.buf[p++] = Math.floor(length / 256 ** i) % 256;
    }
    return start;
  }
}

function digits2(b: Buffer, p: number, v: number): number {
  b[p] = 0x30 + Math.floor(v / 10);
  b[p + 1] = 0x30 + (v % 10);
  return p + 2;
}

const extension = (id: string, value: ArrayBuffer, critical = false): Extension =>
  new Extension({ extnID: id, critical, extnValue: new OctetString(value) });

const isPacked = (entries: BuildCrlInput["entries"]): entries is PackedEntries =>
  typeof (entries as Partial<PackedEntries>).packed === "string";

/** Builds and signs a complete CRL, or a delta CRL when baseCrlNumber is given. */
export async function buildCrl(input: BuildCrlInput): Promise<Uint8Array> {
  const issuer = parseCertificate(input.issuerCertificate);
  if (Buffer.compare(issuer.spki, input.signer.publicKeySpki) !== 0)
    throw new DomainError("pki.signer_key_mismatch");
  if (!(input.nextUpdate > input.thisUpdate)) throw new DomainError("pki.validity_invalid");
  const validNumber = (n: bigint) => n >= 0n && n < 1n << 159n;
  if (!validNumber(input.crlNumber)) throw new DomainError("pki.crl_number_invalid");
  if (
    input.baseCrlNumber !== undefined &&
    !(validNumber(input.baseCrlNumber) && input.baseCrlNumber < input.crlNumber)
  )
    throw new DomainError("pki.crl_number_invalid");

  const algorithm = new Uint8Array(AsnConvert.serialize(input.signer.algorithm));
  const before = concat([
    smallInteger(1), // v2
    algorithm,
    issuer.subjectDer,
    time(new Date(Math.floor(input.thisUpdate.getTime() / 1000) * 1000)),
    time(new Date(Math.floor(input.nextUpdate.getTime() / 1000) * 1000)),
  ]);
  const entries = input.entries;
  const writer = new CrlWriter(before.length + 3 * MAX_HEADER, isPacked(entries) ? 0 : 1024 * 52);
  if (isPacked(entries)) writer.addPacked(entries.packed);
  else if (Symbol.iterator in entries) for (const e of entries) writer.add(e);
  else for await (const e of entries) writer.add(e);

  const aki = issuer.extensions.subjectKeyIdentifier
    ? Buffer.from(issuer.extensions.subjectKeyIdentifier, "hex")
    : keyIdentifier(issuer.spki);
  const akiValue = new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(toArrayBuffer(aki)) });
  const extensions = [
    extension(OID.authorityKeyIdentifier, AsnConvert.serialize(akiValue)),
    // The schema's CRLNumber is a JS number; CRL numbers may use up to 20 octets (RFC 5280 5.2.3).
    extension(OID.crlNumber, toArrayBuffer(integerFromBigint(input.crlNumber))),
    // RFC 5280 5.2.4: deltaCRLIndicator is critical and holds the BaseCRLNumber.
    ...(input.baseCrlNumber === undefined
      ? []
      : [extension(OID.deltaCrlIndicator, toArrayBuffer(integerFromBigint(input.baseCrlNumber)), true)]),
    // RFC 5280 5.2.6: freshestCRL is non-critical, with the syntax of cRLDistributionPoints.
    ...(input.freshestCrl?.length && input.baseCrlNumber === undefined
      ? [extension(OID.freshestCrl, distributionPoints(input.freshestCrl))]
      : []),
  ];
  const extensionsDer = explicit(
    0,
    sequence(...extensions.map((e) => new Uint8Array(AsnConvert.serialize(e)))),
  );
  const tbsStart = writer.closeTbs(before, extensionsDer);
  const signature = await input.signer.sign(writer.tbs(tbsStart));
  return writer.closeCrl(tbsStart, algorithm, signature);
}

// ---------------------------------------------------------------------------------------------
// Reading (tests, and checking what was published)

export interface CrlView {
  der: Uint8Array;
  issuerDer: Uint8Array;
  thisUpdate: Date;
  nextUpdate?: Date;
  crlNumber?: bigint;
  authorityKeyIdentifier?: string;
  entries: { serialNumber: string; revokedAt: Date; reason?: RevocationReason }[];
  signatureAlgorithmName: string;
  tbs: Uint8Array;
  signature: Uint8Array;
  verify(issuerSpki: Uint8Array, options?: VerifyOptions): boolean;
}

/**
 * Reads a CRL by walking the DER: the schema library caps its node count far below what a CRL
 * with a million entries needs, and a walk is much faster anyway.
 */
export function parseCrl(input: Uint8Array | string): CrlView {
  const der = toDer(input, "X509 CRL");
  const top = readOnly(der, TAG.SEQUENCE);
  const [tbsTlv, algTlv, sigTlv] = children(der, top);
  if (!tbsTlv || !algTlv || sigTlv?.tag !== TAG.BIT_STRING)
    throw new DomainError("pki.der_malformed", { what: "CertificateList" });
  const fields = children(der, tbsTlv);
  let i = fields[0]?.tag === TAG.INTEGER ? 1 : 0;
  i++; // signature AlgorithmIdentifier (the outer one is what we verify with)
  const issuerDer = whole(der, fields[i++]!);
  const thisUpdate = readTime(der, fields[i++]!);
  let nextUpdate: Date | undefined;
  const next = fields[i];
  if (next && (next.tag === TAG.UTC_TIME || next.tag === TAG.GENERALIZED_TIME)) {
    nextUpdate = readTime(der, next);
    i++;
  }
  const entries: CrlView["entries"] = [];
  if (fields[i]?.tag === TAG.SEQUENCE) {
    for (const entry of children(der, fields[i++]!)) {
      const [serial, date, exts] = children(der, entry);
      const reasonCode = exts ? readExtensions(der, exts).get(OID.crlReason) : undefined;
      const reason = reasonCode ? reasonFromCode(reasonCode[2] ?? 0) : undefined;
      entries.push({
        serialNumber: serialFromIntegerContent(content(der, serial!)),
        revokedAt: readTime(der, date!),
        ...(reason ? { reason } : {}),
      });
    }
  }
  let crlNumber: bigint | undefined;
  let aki: string | undefined;
  if (fields[i]?.tag === contextConstructed(0)) {
    const exts = readExtensions(der, children(der, fields[i]!)[0]!);
    const number = exts.get(OID.crlNumber);
    if (number) crlNumber = BigInt("0x" + (toHex(number.subarray(2)) || "0"));
    const akiValue = exts.get(OID.authorityKeyIdentifier);
    const kid = akiValue ? AsnConvert.parse(akiValue, AuthorityKeyIdentifier).keyIdentifier : undefined;
    if (kid) aki = toHex(new Uint8Array(kid.buffer));
  }
  const tbs = whole(der, tbsTlv);
  const signature = content(der, sigTlv).subarray(1);
  const algorithm = AsnConvert.parse(whole(der, algTlv), AlgorithmIdentifier);
  return {
    der,
    issuerDer,
    thisUpdate,
    ...(nextUpdate ? { nextUpdate } : {}),
    ...(crlNumber !== undefined ? { crlNumber } : {}),
    ...(aki ? { authorityKeyIdentifier: aki } : {}),
    entries,
    signatureAlgorithmName: SIGNATURE_ALGORITHM_NAMES[algorithm.algorithm] ?? algorithm.algorithm,
    tbs,
    signature,
    verify: (issuerSpki, options) => verifySignature(issuerSpki, algorithm, tbs, signature, options),
  };
}

/** Extensions SEQUENCE -> extnID to extnValue contents. */
function readExtensions(der: Uint8Array, seq: Tlv): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const ext of children(der, seq)) {
    const parts = children(der, ext);
    const id = parts[0]!;
    const value = parts[parts.length - 1]!;
    out.set(decodeOid(content(der, id)), content(der, value));
  }
  return out;
}
