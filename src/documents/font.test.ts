import { readFile } from "node:fs/promises";
import fontkit from "@pdf-lib/fontkit";
import { PDFDocument } from "pdf-lib";
import { describe, expect, it } from "vitest";
import { cjkFontBytes, cjkFontPath, withEvenGlyphRecords } from "./font.js";
import { inkPerCharacter, pdfTextCompact, pdfWords, renderPage } from "../../test/support/documents.js";

const title = "机构数字证书申请表";

/** A page with one line of Chinese, the font embedded as a subset the way the documents do. */
async function pdfWithTitle(fontBytes: Uint8Array): Promise<Uint8Array> {
  const doc = await PDFDocument.create({ updateMetadata: false });
  doc.registerFontkit(fontkit);
  const font = await doc.embedFont(fontBytes, { subset: true });
  doc.addPage([400, 200]).drawText(title, { x: 20, y: 100, size: 24, font });
  return doc.save();
}

function glyphRecordLengths(font: Uint8Array): number[] {
  const view = new DataView(font.buffer, font.byteOffset, font.byteLength);
  const tables = new Map<string, number>();
  for (let i = 0; i < view.getUint16(4); i++) {
    const at = 12 + 16 * i;
    tables.set(String.fromCharCode(...font.subarray(at, at + 4)), view.getUint32(at + 8));
  }
  const head = tables.get("head") ?? 0;
  const loca = tables.get("loca") ?? 0;
  const long = view.getInt16(head + 50) === 1;
  const count = view.getUint16((tables.get("maxp") ?? 0) + 4);
  const offset = (g: number) => (long ? view.getUint32(loca + 4 * g) : 2 * view.getUint16(loca + 2 * g));
  return Array.from({ length: count }, (_, g) => offset(g + 1) - offset(g));
}

describe("the CJK font", () => {
  it("resolves Noto Sans SC from node_modules and caches its bytes", async () => {
    expect(cjkFontPath()).toMatch(
      /@expo-google-fonts\/noto-sans-sc\/400Regular\/NotoSansSC_400Regular\.ttf$/,
    );
    expect(cjkFontPath("bold")).toMatch(/NotoSansSC_700Bold\.ttf$/);
    const a = await cjkFontBytes();
    expect(await cjkFontBytes()).toBe(a);
    expect(a.length).toBeGreaterThan(5_000_000);
  });

  it("pads every glyph record to an even length and leaves the outlines alone", async () => {
    const raw = new Uint8Array(await readFile(cjkFontPath()));
    const before = glyphRecordLengths(raw);
    expect(before.some((n) => n % 2 === 1)).toBe(true);
    const fixed = await cjkFontBytes();
    const after = glyphRecordLengths(fixed);
    expect(after.length).toBe(before.length);
    after.forEach((n, g) => expect(n).toBe((before[g] ?? 0) + ((before[g] ?? 0) % 2)));
    expect(withEvenGlyphRecords(fixed)).toBe(fixed);
    // fontkit still reads it, with the same glyph outlines.
    const a = fontkit
      .create(raw)
      .layout(title)
      .glyphs.map((g) => g.path.toSVG());
    const b = fontkit
      .create(fixed)
      .layout(title)
      .glyphs.map((g) => g.path.toSVG());
    expect(b).toEqual(a);
  });

  it("renders every subset glyph, where the unpadded font loses most of them (ink check, not text)", async () => {
    const check = async (bytes: Uint8Array) => {
      const pdf = await pdfWithTitle(bytes);
      const word = pdfWords(pdf).find((w) => w.text === title);
      if (!word) throw new Error("title not found");
      return { text: pdfTextCompact(pdf), ink: inkPerCharacter(renderPage(pdf, { dpi: 50 }), word, 50) };
    };
    const broken = await check(new Uint8Array(await readFile(cjkFontPath())));
    const fixed = await check(await cjkFontBytes());
    // pdftotext cannot tell them apart ...
    expect(broken.text).toBe(title);
    expect(fixed.text).toBe(title);
    // ... the rendered ink can.
    expect(broken.ink.filter((n) => n === 0).length).toBeGreaterThan(3);
    expect(fixed.ink.every((n) => n >= 3)).toBe(true);
  });
});
