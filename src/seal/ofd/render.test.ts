/**
 * `certdesk ofd render`'s drawing: a page stamped here and ofdrw's stamped page, rasterised by the
 * machine's Chromium, read back as pixels: the page's size, the seal's red inside the stamp's
 * boundary and nowhere else, the text in black where the page puts it.
 */
import { existsSync } from "node:fs";
import { PNG } from "pngjs";
import { beforeAll, describe, expect, it } from "vitest";
import { isRed } from "../../../test/support/seal-pdfs.js";
import { DEFAULT_CHROMIUM, renderOfdPage, type RenderedPage } from "./render-png.js";
import { signOfd } from "./sign.js";
import { DATES, readOfdrw, sm2SealSigner } from "../../../test/support/seal-ofd.js";

const haveChromium = existsSync(DEFAULT_CHROMIUM);
if (!haveChromium) console.warn(`skipped: no Chromium at ${DEFAULT_CHROMIUM} to draw OFD pages with`);

/** Red and dark pixels inside and outside a box in pixels. */
function census(page: RenderedPage, box: [number, number, number, number]) {
  const png = PNG.sync.read(Buffer.from(page.png));
  const [bx, by, bw, bh] = box;
  const n = { redIn: 0, redOut: 0, dark: 0, width: png.width, height: png.height };
  for (let y = 0; y < png.height; y++)
    for (let x = 0; x < png.width; x++) {
      const i = (y * png.width + x) * 4;
      const [r, g, b] = [png.data[i]!, png.data[i + 1]!, png.data[i + 2]!];
      const inside = x >= bx && x < bx + bw && y >= by && y < by + bh;
      if (isRed(r, g, b)) n[inside ? "redIn" : "redOut"]++;
      else if (r < 80 && g < 80 && b < 80) n.dark++;
    }
  return n;
}

describe.skipIf(!haveChromium)("drawing OFD pages with their stamps", () => {
  let stamped: Uint8Array;

  beforeAll(async () => {
    const party = await sm2SealSigner();
    stamped = (
      await signOfd({
        ofd: readOfdrw("helloworld.ofd"),
        seal: party.seal,
        signer: party.signer,
        stamp: { page: 1, xMm: 120, yMm: 200 },
        signedAt: DATES.checkAt,
      })
    ).ofd;
  });

  it("a page stamped by certdesk: A4 at 96 dpi, the seal's red inside its boundary only, the text drawn", async () => {
    const page = await renderOfdPage(stamped, { page: 1, dpi: 96 });
    expect([page.width, page.height]).toEqual([794, 1123]);
    expect(page.stampBoxes).toEqual([[454, 756, 151, 151]]);
    const n = census(page, page.stampBoxes[0]!);
    expect([n.width, n.height]).toEqual([794, 1123]);
    expect(n.redIn).toBeGreaterThan(2000);
    expect(n.redOut).toBe(0);
    // 你好呀，OFD Reader&Writer！ at 31.7 mm, 25.4 mm: dark pixels, none of them red.
    expect(n.dark).toBeGreaterThan(50);
  }, 120_000);

  it("ofdrw's stamped page: its seal picture at 50, 50 mm, 40 × 40 mm", async () => {
    const page = await renderOfdPage(readOfdrw("SESV4SignDoc.ofd"), { page: 1, dpi: 96 });
    expect(page.stampBoxes).toEqual([[189, 189, 151, 151]]);
    const n = census(page, page.stampBoxes[0]!);
    expect(n.redIn).toBeGreaterThan(2000);
    expect(n.redOut).toBe(0);
  }, 120_000);

  it("an unsigned page has no red; a page the document lacks is refused", async () => {
    const page = await renderOfdPage(readOfdrw("helloworld.ofd"), { page: 1, dpi: 48 });
    expect(page.stamps).toBe(0);
    expect(census(page, [0, 0, 0, 0]).redOut).toBe(0);
    await expect(renderOfdPage(stamped, { page: 2, dpi: 96 })).rejects.toMatchObject({
      code: "ofd.page_not_found",
    });
  }, 120_000);
});
