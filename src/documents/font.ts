/**
 * The Simplified Chinese font the documents embed: Noto Sans SC (SIL OFL 1.1) as static TrueType
 * files from the npm package @expo-google-fonts/noto-sans-sc, so a plain `npm install` brings it and
 * no system font is assumed. The files are about 10 MB each; PDFs embed only the glyphs they use.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";

export type FontWeight = "regular" | "bold";

export const cjkFontPackage = "@expo-google-fonts/noto-sans-sc";

const fontFiles: Record<FontWeight, string> = {
  regular: `${cjkFontPackage}/400Regular/NotoSansSC_400Regular.ttf`,
  bold: `${cjkFontPackage}/700Bold/NotoSansSC_700Bold.ttf`,
};

const require = createRequire(import.meta.url);
const cache = new Map<FontWeight, Promise<Uint8Array>>();

/** The absolute path of the font file, resolved through node_modules like any dependency. */
export function cjkFontPath(weight: FontWeight = "regular"): string {
  return require.resolve(fontFiles[weight]);
}

/**
 * The font's bytes, ready for pdf-lib's subsetting embedder; read and prepared once per process
 * and weight. A failed read is not cached, so the next call tries again.
 */
export function cjkFontBytes(weight: FontWeight = "regular"): Promise<Uint8Array> {
  let bytes = cache.get(weight);
  if (!bytes) {
    bytes = readFile(cjkFontPath(weight)).then((b) => withEvenGlyphRecords(new Uint8Array(b)));
    bytes.catch(() => cache.delete(weight));
    cache.set(weight, bytes);
  }
  return bytes;
}

/**
 * Rewrites a TrueType font so that every glyph record in `glyf` has an even length (a zero byte
 * pads odd ones) and `loca` uses the long format; the outlines are unchanged.
 *
 * Why: @pdf-lib/fontkit 1.1.1 writes a subset's `loca` in the short format (offsets halved) when
 * the subset is small, without padding the glyph records it copies. Noto Sans SC has odd-length
 * records, so every glyph after the first odd one is read from the wrong offset and renders blank,
 * while pdftotext still extracts the text. Upstream fontkit fixed this (foliojs/fontkit#191);
 * the pdf-lib fork never took the fix. With even records the halved offsets stay exact.
 */
export function withEvenGlyphRecords(font: Uint8Array): Uint8Array {
  const src = new DataView(font.buffer, font.byteOffset, font.byteLength);
  const tables = readTableDirectory(src);
  const head = tables.get("head");
  const maxp = tables.get("maxp");
  const loca = tables.get("loca");
  const glyf = tables.get("glyf");
  if (!head || !maxp || !loca || !glyf) throw new Error("not a TrueType font with glyf outlines");

  const longLoca = src.getInt16(head.offset + 50) === 1;
  const glyphCount = src.getUint16(maxp.offset + 4);
  const offsetOf = (gid: number): number =>
    longLoca ? src.getUint32(loca.offset + 4 * gid) : 2 * src.getUint16(loca.offset + 2 * gid);

  let odd = 0;
  for (let gid = 0; gid < glyphCount; gid++) if ((offsetOf(gid + 1) - offsetOf(gid)) % 2 !== 0) odd++;
  if (odd === 0) return font;

  const newGlyf = new Uint8Array(glyf.length + odd);
  const newLoca = new DataView(new ArrayBuffer(4 * (glyphCount + 1)));
  let at = 0;
  for (let gid = 0; gid < glyphCount; gid++) {
    const start = offsetOf(gid);
    const end = offsetOf(gid + 1);
    newLoca.setUint32(4 * gid, at);
    newGlyf.set(font.subarray(glyf.offset + start, glyf.offset + end), at);
    at += end - start + ((end - start) % 2);
  }
  newLoca.setUint32(4 * glyphCount, at);

  const newHead = font.slice(head.offset, head.offset + head.length);
  const headView = new DataView(newHead.buffer);
  headView.setUint32(8, 0); // checkSumAdjustment, recomputed below
  headView.setInt16(50, 1); // indexToLocFormat: long

  const contents = new Map<string, Uint8Array>();
  for (const [tag, t] of tables) contents.set(tag, font.subarray(t.offset, t.offset + t.length));
  contents.set("head", newHead);
  contents.set("loca", new Uint8Array(newLoca.buffer));
  contents.set("glyf", newGlyf.subarray(0, at));
  return writeFont(src.getUint32(0), contents);
}

interface TableRecord {
  offset: number;
  length: number;
}

function readTableDirectory(view: DataView): Map<string, TableRecord> {
  const count = view.getUint16(4);
  const tables = new Map<string, TableRecord>();
  for (let i = 0; i < count; i++) {
    const at = 12 + 16 * i;
    const tag = String.fromCharCode(
      view.getUint8(at),
      view.getUint8(at + 1),
      view.getUint8(at + 2),
      view.getUint8(at + 3),
    );
    tables.set(tag, { offset: view.getUint32(at + 8), length: view.getUint32(at + 12) });
  }
  return tables;
}

/** An sfnt file from its tables: records sorted by tag, tables 4-byte aligned, checksums set. */
function writeFont(sfntVersion: number, contents: Map<string, Uint8Array>): Uint8Array {
  const tags = [...contents.keys()].sort();
  const headerLength = 12 + 16 * tags.length;
  let total = headerLength;
  for (const tag of tags) total += align4(contents.get(tag)?.length ?? 0);

  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  const entrySelector = Math.floor(Math.log2(tags.length));
  view.setUint32(0, sfntVersion);
  view.setUint16(4, tags.length);
  view.setUint16(6, 16 * 2 ** entrySelector);
  view.setUint16(8, entrySelector);
  view.setUint16(10, 16 * tags.length - 16 * 2 ** entrySelector);

  let offset = headerLength;
  let headOffset = -1;
  tags.forEach((tag, i) => {
    const data = contents.get(tag) ?? new Uint8Array(0);
    out.set(data, offset);
    const at = 12 + 16 * i;
    for (let k = 0; k < 4; k++) view.setUint8(at + k, tag.charCodeAt(k));
    view.setUint32(at + 4, checksum(view, offset, data.length));
    view.setUint32(at + 8, offset);
    view.setUint32(at + 12, data.length);
    if (tag === "head") headOffset = offset;
    offset += align4(data.length);
  });
  if (headOffset >= 0) view.setUint32(headOffset + 8, (0xb1b0afba - checksum(view, 0, total)) >>> 0);
  return out;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

/** The sfnt checksum: the sum of big-endian uint32 words, the tail zero-padded (it is, in `out`). */
function checksum(view: DataView, offset: number, length: number): number {
  let sum = 0;
  const end = offset + align4(length);
  for (let i = offset; i < end; i += 4) sum = (sum + view.getUint32(i)) >>> 0;
  return sum;
}
