/**
 * The OFD container (GB/T 33190 §7.1) is a ZIP file. This reads and writes the plain kind OFD
 * producers make: stored or deflated entries, no encryption, no ZIP64. Reading is bounded before
 * anything is inflated (entry count, declared sizes, and each inflate capped at its declared size),
 * so a small hostile file cannot take the process's memory. A name given twice is refused: a
 * viewer and a verifier that each picked a different copy would disagree about what was signed.
 */
import { crc32, deflateRawSync, inflateRawSync } from "node:zlib";
import { DomainError } from "../../domain/errors.js";

export const ZIP_LIMITS = {
  entries: 10_000,
  /** all entries inflated together */
  totalBytes: 256 * 1024 * 1024,
};

export interface ZipEntry {
  /** the path inside the package, without a leading "/" */
  name: string;
  data: Uint8Array;
}

const SIG = { local: 0x04034b50, central: 0x02014b50, end: 0x06054b50 } as const;

const invalid = (what: string): DomainError => new DomainError("ofd.zip_invalid", { what });

function findEnd(buf: Buffer): number {
  // The end record is 22 bytes plus a comment of up to 65535.
  const stop = Math.max(0, buf.length - 22 - 0xffff);
  for (let at = buf.length - 22; at >= stop; at--) if (buf.readUInt32LE(at) === SIG.end) return at;
  throw invalid("no end of central directory");
}

/** Reads every file of the archive (directories are skipped). Throws ofd.zip_invalid / ofd.too_large. */
export function readZip(bytes: Uint8Array, limits = ZIP_LIMITS): ZipEntry[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 22) throw invalid("too short");
  const end = findEnd(buf);
  const count = buf.readUInt16LE(end + 10);
  const cdSize = buf.readUInt32LE(end + 12);
  const cdOffset = buf.readUInt32LE(end + 16);
  if (count === 0xffff || cdOffset === 0xffffffff) throw invalid("ZIP64 is not supported");
  if (count > limits.entries) throw new DomainError("ofd.too_large", { limitMb: limits.totalBytes >> 20 });
  if (cdOffset + cdSize > end) throw invalid("central directory out of bounds");
  const seen = new Set<string>();
  const headers: {
    name: string;
    method: number;
    crc: number;
    csize: number;
    usize: number;
    local: number;
  }[] = [];
  let total = 0;
  let at = cdOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > end || buf.readUInt32LE(at) !== SIG.central) throw invalid("central directory entry");
    const flags = buf.readUInt16LE(at + 8);
    const method = buf.readUInt16LE(at + 10);
    const crc = buf.readUInt32LE(at + 16);
    const csize = buf.readUInt32LE(at + 20);
    const usize = buf.readUInt32LE(at + 24);
    const nameLen = buf.readUInt16LE(at + 28);
    const extraLen = buf.readUInt16LE(at + 30);
    const commentLen = buf.readUInt16LE(at + 32);
    const local = buf.readUInt32LE(at + 42);
    const name = buf.toString(flags & 0x800 ? "utf8" : "latin1", at + 46, at + 46 + nameLen);
    at += 46 + nameLen + extraLen + commentLen;
    if (flags & 1) throw invalid(`${name} is encrypted`);
    if (csize === 0xffffffff || usize === 0xffffffff || local === 0xffffffff)
      throw invalid("ZIP64 is not supported");
    if (name.endsWith("/")) continue;
    const clean = name.replace(/^\/+/, "");
    if (clean.split("/").some((part) => part === ".." || part === "") || name.includes("\\"))
      throw invalid(`entry name ${name}`);
    if (seen.has(clean)) throw invalid(`${clean} appears twice`);
    seen.add(clean);
    if (method !== 0 && method !== 8) throw invalid(`${name} uses compression method ${method}`);
    total += usize;
    if (total > limits.totalBytes)
      throw new DomainError("ofd.too_large", { limitMb: limits.totalBytes >> 20 });
    headers.push({ name: clean, method, crc, csize, usize, local });
  }
  return headers.map((h) => {
    if (h.local + 30 > buf.length || buf.readUInt32LE(h.local) !== SIG.local)
      throw invalid(`${h.name} header`);
    const start = h.local + 30 + buf.readUInt16LE(h.local + 26) + buf.readUInt16LE(h.local + 28);
    if (start + h.csize > buf.length) throw invalid(`${h.name} is cut short`);
    const raw = buf.subarray(start, start + h.csize);
    let data: Buffer;
    try {
      // Never more than the declared size: a lying header cannot inflate past it.
      data = h.method === 0 ? raw : inflateRawSync(raw, { maxOutputLength: Math.max(1, h.usize) });
    } catch {
      throw invalid(`${h.name} does not inflate to its declared size`);
    }
    if (data.length !== h.usize) throw invalid(`${h.name} does not inflate to its declared size`);
    if (crc32(data) !== h.crc) throw invalid(`${h.name} fails its CRC`);
    return { name: h.name, data: new Uint8Array(data) };
  });
}

/** MS-DOS date and time, as ZIP headers keep them (local time has no meaning here: UTC). */
function dosTime(d: Date): { time: number; date: number } {
  return {
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1),
    date: (Math.max(0, d.getUTCFullYear() - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
  };
}

/** Writes the entries in order, each deflated unless storing is smaller; names in UTF-8. */
export function writeZip(entries: readonly ZipEntry[], modified: Date): Uint8Array {
  const { time, date } = dosTime(modified);
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, "utf8");
    const deflated = deflateRawSync(e.data);
    const stored = deflated.length >= e.data.length;
    const body = stored ? Buffer.from(e.data) : deflated;
    const crc = crc32(e.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(SIG.local, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x800, 6);
    local.writeUInt16LE(stored ? 0 : 8, 8);
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(SIG.central, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x800, 8);
    central.writeUInt16LE(stored ? 0 : 8, 10);
    central.writeUInt16LE(time, 12);
    central.writeUInt16LE(date, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(e.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(SIG.end, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...locals, cd, end]));
}
