/**
 * Full CRLs (RFC 5280 section 5), v2, with CRL number and authority key identifier. The list of
 * revoked certificates is written straight into one growing buffer, entry by entry, without a
 * schema object per entry: a CA with a million revocations must still publish in seconds.
 */
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier, AuthorityKeyIdentifier, Extension, KeyIdentifier } from "@peculiar/asn1-x509";
import { DomainError } from "../domain/errors.js";
import { parseCertificate, signTbs } from "./certificate.js";
import {
  TAG,
  children,
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
import { keyIdentifier } from "./extensions.js";
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
  /** monotonically increasing per CA (RFC 5280 5.2.3) */
  crlNumber: bigint;
  thisUpdate: Date;
  nextUpdate: Date;
  /** any iterable, sync or async, so that a store can stream rows without holding them all */
  entries: Iterable<RevokedEntry> | AsyncIterable<RevokedEntry>;
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

const HEX = /^[0-9a-f]+$/;

/** Writes revoked entries into one buffer; grows by doubling. */
class EntryWriter {
  private buf: Buffer;
  private at: number;
  count = 0;
  // Room kept in front for the SEQUENCE header, which is known only at the end.
  private static readonly HEAD = 6;

  constructor(expected = 1024) {
    this.buf = Buffer.allocUnsafe(EntryWriter.HEAD + expected * 52);
    this.at = EntryWriter.HEAD;
  }

  private ensure(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(bigger, 0, 0, this.at);
    this.buf = bigger;
  }

  add(entry: RevokedEntry): void {
    // Fast path for the canonical form the store keeps; anything else goes through normalizeSerial.
    let hex = entry.serialNumber;
    if (!(hex.length % 2 === 0 && HEX.test(hex) && !hex.startsWith("00"))) hex = normalizeSerial(hex);
    if (hex.length > 40) throw new DomainError("pki.serial_invalid", { serial: entry.serialNumber });
    const serialLength = hex.length / 2 + (hex.charCodeAt(0) >= 0x38 ? 1 : 0); // sign octet when the first nibble >= 8
    const code = entry.reason === undefined ? 0 : REASON_CODES[entry.reason];
    if (code === REASON_CODES.removeFromCRL)
      throw new DomainError("pki.crl_reason_invalid", { reason: "removeFromCRL" });
    const ext = code === 0 ? undefined : REASON_EXTENSIONS.get(code)!;
    const ms = entry.revokedAt.getTime();
    if (Number.isNaN(ms)) throw new DomainError("pki.crl_entry_invalid", { serial: entry.serialNumber });
    const d = new Date(ms);
    const year = d.getUTCFullYear();
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
    if (serialLength > hex.length / 2) b[p++] = 0;
    p += b.write(hex, p, "hex");
    b[p++] = utc ? TAG.UTC_TIME : TAG.GENERALIZED_TIME;
    b[p++] = timeLength;
    if (utc) p = digits2(b, p, year % 100);
    else {
      p = digits2(b, p, Math.floor(year / 100));
      p = digits2(b, p, year % 100);
    }
    p = digits2(b, p, d.getUTCMonth() + 1);
    p = digits2(b, p, d.getUTCDate());
    p = digits2(b, p, d.getUTCHours());
    p = digits2(b, p, d.getUTCMinutes());
    p = digits2(b, p, d.getUTCSeconds());
    b[p++] = 0x5a; // 'Z'
    if (ext) {
      b.set(ext, p);
      p += ext.length;
    }
    this.at = p;
    this.count++;
  }

  /** The SEQUENCE OF RevokedCertificate, or undefined when empty (RFC 5280: then absent). */
  finish(): Uint8Array | undefined {
    if (this.count === 0) return undefined;
    const length = this.at - EntryWriter.HEAD;
    const header = headerSize(length);
    const start = EntryWriter.HEAD - header;
    let p = start;
    this.buf[p++] = TAG.SEQUENCE;
    if (length < 0x80) this.buf[p++] = length;
    else {
      const n = header - 2;
      this.buf[p++] = 0x80 | n;
      for (let i = n - 1; i >= 0; i--) this.buf[p++] = Math.floor(length / 256 ** i) % 256;
    }
    return new Uint8Array(this.buf.buffer, this.buf.byteOffset + start, this.at - start);
  }
}

function digits2(b: Buffer, p: number, v: number): number {
  b[p] = 0x30 + Math.floor(v / 10);
  b[p + 1] = 0x30 + (v % 10);
  return p + 2;
}

const extension = (id: string, value: ArrayBuffer): Extension =>
  new Extension({ extnID: id, critical: false, extnValue: new OctetString(value) });

export async function buildCrl(input: BuildCrlInput): Promise<Uint8Array> {
  const issuer = parseCertificate(input.issuerCertificate);
  if (Buffer.compare(issuer.spki, input.signer.publicKeySpki) !== 0)
    throw new DomainError("pki.signer_key_mismatch");
  if (!(input.nextUpdate > input.thisUpdate)) throw new DomainError("pki.validity_invalid");
  if (input.crlNumber < 0n || input.crlNumber >= 1n << 159n) throw new DomainError("pki.crl_number_invalid");

  const writer = new EntryWriter();
  const entries = input.entries;
  if (Symbol.iterator in entries) for (const e of entries) writer.add(e);
  else for await (const e of entries) writer.add(e);
  const revoked = writer.finish();

  const aki = issuer.extensions.subjectKeyIdentifier
    ? Buffer.from(issuer.extensions.subjectKeyIdentifier, "hex")
    : keyIdentifier(issuer.spki);
  const akiValue = new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(toArrayBuffer(aki)) });
  const extensions = [
    extension(OID.authorityKeyIdentifier, AsnConvert.serialize(akiValue)),
    // The schema's CRLNumber is a JS number; CRL numbers may use up to 20 octets (RFC 5280 5.2.3).
    extension(OID.crlNumber, toArrayBuffer(integerFromBigint(input.crlNumber))),
  ];
  const extensionsDer = sequence(...extensions.map((e) => new Uint8Array(AsnConvert.serialize(e))));

  const tbs = sequence(
    smallInteger(1), // v2
    new Uint8Array(AsnConvert.serialize(input.signer.algorithm)),
    issuer.subjectDer,
    time(new Date(Math.floor(input.thisUpdate.getTime() / 1000) * 1000)),
    time(new Date(Math.floor(input.nextUpdate.getTime() / 1000) * 1000)),
    ...(revoked ? [revoked] : []),
    explicit(0, extensionsDer),
  );
  return signTbs(tbs, input.signer);
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
