/**
 * A PDF's compressed structure, bounded before it is parsed. pdf-lib decodes every object stream
 * (/Type /ObjStm) and cross-reference stream (/Type /XRef) whole while it loads a file, into
 * buffers outside the V8 heap that no heap limit stops: 500 KB of PDF can hold an object stream of
 * 512 MB. Those streams are inflated here first with a cap on what they may add up to, and a file
 * over the cap is refused before pdf-lib sees it. Content and image streams are not decoded to
 * verify signatures, so they are not counted.
 */
import { inflateSync } from "node:zlib";
import { DomainError } from "../domain/errors.js";

/** Object and cross-reference streams of a real document take a few megabytes at most. */
export const MAX_PDF_STRUCTURE_BYTES = 32 * 1024 * 1024;

const STRUCTURE_TYPE = /\/Type\s*\/(ObjStm|XRef)\b/;

export function assertPdfWithinLimits(pdf: Uint8Array, maxBytes = MAX_PDF_STRUCTURE_BYTES): void {
  const bytes = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength);
  let left = maxBytes;
  for (let at = bytes.indexOf("stream"); at >= 0; at = bytes.indexOf("stream", at + 6)) {
    // "endstream" is the end of one, not the start of another.
    if (at >= 3 && bytes.toString("latin1", at - 3, at) === "end") continue;
    const open = bytes.lastIndexOf("<<", at);
    const dictionary = bytes.toString("latin1", Math.max(0, open, bytes.lastIndexOf("obj", at)), at);
    if (!STRUCTURE_TYPE.test(dictionary) || !dictionary.includes("/FlateDecode")) continue;
    let start = at + 6;
    if (bytes[start] === 0x0d) start++;
    if (bytes[start] === 0x0a) start++;
    const end = bytes.indexOf("endstream", start);
    const data = bytes.subarray(start, end < 0 ? bytes.length : end);
    try {
      // Up to one byte past what is left: reaching it means the file is over the limit.
      left -= inflateSync(data, { maxOutputLength: left + 1, finishFlush: 2 /* Z_SYNC_FLUSH */ }).length;
    } catch (e) {
      if ((e as { code?: string }).code !== "ERR_BUFFER_TOO_LARGE") continue; // damaged: pdf-lib reports it
      left = -1;
    }
    if (left < 0) throw new DomainError("upload.pdf_too_complex", { limitMb: maxBytes / 1048576 });
  }
}
