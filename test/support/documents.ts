/**
 * For the documents' tests: look at a PDF the way a person would, through poppler. pdftotext
 * says what text a PDF claims to hold and where (-bbox); pdftoppm draws it, and the ink counted in
 * the drawing says whether the glyphs are really there. Text extraction alone passes when glyphs
 * render blank (it reads the ToUnicode map, not the outlines), so the tests need both.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inflateSync } from "node:zlib";

export interface GrayImage {
  width: number;
  height: number;
  /** One byte per pixel, 0 = black, 255 = white, row after row. */
  data: Uint8Array;
}

/** A word as pdftotext -bbox reports it, in points from the page's top-left corner. */
export interface Word {
  text: string;
  page: number;
  xMin: number;
  yMin: number;
  xMax: number;
  yMax: number;
}

/** Runs `fn` with the PDF written to a temporary file, removed afterwards. */
export function withPdfFile<T>(pdf: Uint8Array, fn: (path: string, dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "certdesk-pdf-"));
  try {
    const path = join(dir, "document.pdf");
    writeFileSync(path, pdf);
    return fn(path, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function pdfText(pdf: Uint8Array): string {
  return withPdfFile(pdf, (path) =>
    execFileSync("pdftotext", ["-enc", "UTF-8", path, "-"], { encoding: "utf8" }),
  );
}

/** The text with all white space removed, so that wrapped lines read as one. */
export function pdfTextCompact(pdf: Uint8Array): string {
  return pdfText(pdf).replace(/\s+/g, "");
}

export function pdfPageCount(pdf: Uint8Array): number {
  return withPdfFile(pdf, (path) => {
    const info = execFileSync("pdfinfo", [path], { encoding: "utf8" });
    return Number(/^Pages:\s+(\d+)/m.exec(info)?.[1] ?? "0");
  });
}

export function pdfWords(pdf: Uint8Array): Word[] {
  const html = withPdfFile(pdf, (path) =>
    execFileSync("pdftotext", ["-bbox", "-enc", "UTF-8", path, "-"], { encoding: "utf8" }),
  );
  const words: Word[] = [];
  let page = 0;
  for (const line of html.split("\n")) {
    if (line.includes("<page ")) page++;
    const m = /<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*)<\/word>/.exec(line);
    if (!m) continue;
    words.push({
      page,
      xMin: Number(m[1]),
      yMin: Number(m[2]),
      xMax: Number(m[3]),
      yMax: Number(m[4]),
      text: unescapeHtml(m[5] ?? ""),
    });
  }
  return words;
}

function unescapeHtml(s: string): string {
  return s
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
}

/** The first word on page 1 whose text is exactly `text`. */
export function findWord(words: Word[], text: string): Word {
  const word = words.find((w) => w.text === text);
  if (!word) throw new Error(`no word “${text}” in the PDF; words: ${words.map((w) => w.text).join(" | ")}`);
  return word;
}

/**
 * Draws one page in grey levels with pdftoppm at `dpi`; `crop` (in points) renders only that
 * part of the page, for a closer look at high resolution.
 */
export function renderPage(
  pdf: Uint8Array,
  options: { dpi: number; page?: number; crop?: { x: number; y: number; width: number; height: number } },
): GrayImage {
  const page = String(options.page ?? 1);
  const args = ["-gray", "-png", "-r", String(options.dpi), "-f", page, "-l", page, "-singlefile"];
  if (options.crop) {
    const px = (pt: number) => String(Math.round((pt * options.dpi) / 72));
    const { x, y, width, height } = options.crop;
    args.push("-x", px(x), "-y", px(y), "-W", px(width), "-H", px(height));
  }
  return withPdfFile(pdf, (path, dir) => {
    const out = join(dir, "page");
    execFileSync("pdftoppm", [...args, path, out]);
    return decodePng(readFileSync(`${out}.png`));
  });
}

const pngSignature = [137, 80, 78, 71, 13, 10, 26, 10];

/**
 * A minimal PNG decoder for what pdftoppm writes: 8-bit greyscale, grey+alpha, RGB or RGBA,
 * not interlaced. The IDAT chunks are one zlib stream; each row starts with its filter type.
 * Colour is reduced to grey (Rec. 601 luma).
 */
export function decodePng(png: Uint8Array): GrayImage {
  if (!pngSignature.every((b, i) => png[i] === b)) throw new Error("not a PNG");
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Uint8Array[] = [];
  for (let at = 8; at < png.length;) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    const body = png.subarray(at + 8, at + 8 + length);
    if (type === "IHDR") {
      const bodyView = new DataView(body.buffer, body.byteOffset, body.byteLength);
      width = bodyView.getUint32(0);
      height = bodyView.getUint32(4);
      const bitDepth = body[8];
      const colourType = body[9];
      const interlace = body[12];
      const byType: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };
      channels = byType[colourType ?? -1] ?? 0;
      if (bitDepth !== 8 || channels === 0 || interlace !== 0) {
        throw new Error(
          `unsupported PNG: bit depth ${bitDepth}, colour type ${colourType}, interlace ${interlace}`,
        );
      }
    } else if (type === "IDAT") {
      idat.push(body);
    } else if (type === "IEND") {
      break;
    }
    at += 12 + length;
  }

  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = pixels.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? pixels.subarray((y - 1) * stride, y * stride) : new Uint8Array(stride);
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? (out[i - channels] ?? 0) : 0;
      const b = prev[i] ?? 0;
      const c = i >= channels ? (prev[i - channels] ?? 0) : 0;
      const x = line[i] ?? 0;
      let v: number;
      switch (filter) {
        case 0:
          v = x;
          break;
        case 1:
          v = x + a;
          break;
        case 2:
          v = x + b;
          break;
        case 3:
          v = x + ((a + b) >> 1);
          break;
        case 4:
          v = x + paeth(a, b, c);
          break;
        default:
          throw new Error(`bad PNG filter ${filter} on row ${y}`);
      }
      out[i] = v & 0xff;
    }
  }

  if (channels === 1) return { width, height, data: pixels };
  const grey = new Uint8Array(width * height);
  for (let p = 0; p < width * height; p++) {
    const o = p * channels;
    grey[p] =
      channels >= 3
        ? Math.round(0.299 * (pixels[o] ?? 0) + 0.587 * (pixels[o + 1] ?? 0) + 0.114 * (pixels[o + 2] ?? 0))
        : (pixels[o] ?? 0);
  }
  return { width, height, data: grey };
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Pixels darker than `threshold` inside a box given in points, on an image drawn at `dpi`. */
export function inkIn(
  image: GrayImage,
  box: { xMin: number; yMin: number; xMax: number; yMax: number },
  dpi: number,
  threshold = 160,
): number {
  const s = dpi / 72;
  const x0 = Math.max(0, Math.floor(box.xMin * s));
  const x1 = Math.min(image.width, Math.ceil(box.xMax * s));
  const y0 = Math.max(0, Math.floor(box.yMin * s));
  const y1 = Math.min(image.height, Math.ceil(box.yMax * s));
  let n = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) if ((image.data[y * image.width + x] ?? 255) < threshold) n++;
  }
  return n;
}

/**
 * Ink under each character of a word set in full-width (CJK) characters only: the word's box is
 * cut into equal slices, one per character. A glyph that renders blank shows as a slice with no ink.
 */
export function inkPerCharacter(image: GrayImage, word: Word, dpi: number, threshold = 160): number[] {
  const chars = [...word.text];
  const step = (word.xMax - word.xMin) / chars.length;
  return chars.map((_, i) =>
    inkIn(image, { ...word, xMin: word.xMin + i * step, xMax: word.xMin + (i + 1) * step }, dpi, threshold),
  );
}
