/**
 * What signing and verifying PDFs share: the name of certdesk's private entry in the signature
 * dictionary, PDF dates and text strings (ISO 32000-1 sections 7.9.2 and 7.9.4).
 */

/**
 * The signature dictionary entry that carries the SESeal (GB/T 38540) whose picture is the visible
 * stamp. The dictionary lies inside the signed ByteRange, so the seal is covered by the signature;
 * readers that do not know the key ignore it (ISO 32000-1 section 7.3.7).
 */
export const SEAL_ENTRY = "CertdeskSeal";

/** Millimetres to PDF points (1/72 inch). */
export const mmToPt = (mm: number): number => (mm * 72) / 25.4;

const pad = (n: number, width = 2): string => String(n).padStart(width, "0");

/** D:YYYYMMDDHHmmSSZ, in UTC. */
export function pdfDate(d: Date): string {
  return (
    `D:${pad(d.getUTCFullYear(), 4)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}` +
    `${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`
  );
}

/** Reads D:YYYY[MM[DD[HH[mm[SS]]]]][Z|+HH'mm'|-HH'mm']; undefined when it is not a date. */
export function parsePdfDate(s: string): Date | undefined {
  const m = /^(?:D:)?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:(Z)|([+-])(\d{2})'?(\d{2})?'?)?/.exec(
    s.trim(),
  );
  if (!m) return undefined;
  const n = (v: string | undefined, fallback: number): number => (v === undefined ? fallback : Number(v));
  const utc = Date.UTC(n(m[1], 0), n(m[2], 1) - 1, n(m[3], 1), n(m[4], 0), n(m[5], 0), n(m[6], 0));
  const offsetMinutes = m[8] ? (m[8] === "-" ? -1 : 1) * (n(m[9], 0) * 60 + n(m[10], 0)) : 0;
  const d = new Date(utc - offsetMinutes * 60_000);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** A text string as a hex string: UTF-16BE with its byte order mark, so Chinese survives any reader. */
export function textStringHex(s: string): string {
  const utf16 = Buffer.from(s, "utf16le").swap16();
  return `<FEFF${utf16.toString("hex").toUpperCase()}>`;
}

/** Decodes the bytes of a PDF text string: UTF-16BE with BOM, UTF-8 with BOM (PDF 2.0) or PDFDocEncoding. */
export function decodeTextString(bytes: Uint8Array): string {
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    const body = bytes.subarray(2, 2 + ((bytes.length - 2) & ~1));
    return Buffer.from(body).swap16().toString("utf16le");
  }
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return Buffer.from(bytes.subarray(3)).toString("utf8");
  }
  // PDFDocEncoding equals Latin-1 for the printable characters that matter here.
  return Buffer.from(bytes).toString("latin1");
}
