/**
 * Seal pictures from synthetic photos of imprints: the output's pixels are checked (transparent
 * outside the ink, seal red inside, the size in pixels the millimetres and dpi ask for), and every
 * unusable photo is refused with its reason.
 */
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { DomainError } from "../domain/errors.js";
import { SEAL_RED, exifOrientation, processSealImage } from "./image.js";
import {
  BLUE_INK,
  drawPhoto,
  rotateCounterClockwise,
  toJpeg,
  toPng,
  withExifOrientation,
} from "../../test/support/seal-images.js";
import type { PhotoOptions } from "../../test/support/seal-images.js";

const OPTIONS = { sizeMm: 40, dpi: 300 };
/** 40 mm at 300 dpi */
const PX = 472;

/** A 1200×900 photo with one 640-pixel imprint a little off centre. */
const photo = (extra: Partial<PhotoOptions> = {}): PhotoOptions => ({
  width: 1200,
  height: 900,
  stamps: [{ cx: 640, cy: 430, radius: 320 }],
  ...extra,
});

function refusal(bytes: Uint8Array, options = OPTIONS): DomainError {
  try {
    processSealImage(bytes, options);
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error("expected a refusal");
}

function decoded(png: Uint8Array) {
  return PNG.sync.read(Buffer.from(png));
}

const alphaAt = (img: PNG, x: number, y: number): number => img.data[(y * img.width + x) * 4 + 3]!;

describe("seal picture from a photo of a red imprint", () => {
  const result = processSealImage(toPng(drawPhoto(photo({ text: true }))), OPTIONS);
  const img = decoded(result.png);

  it("is a square PNG of 40 mm at 300 dpi: 472 pixels, with the resolution recorded (pHYs)", () => {
    expect([result.widthPx, result.heightPx, img.width, img.height]).toEqual([PX, PX, PX, PX]);
    expect([result.widthMm, result.heightMm, result.dpi]).toEqual([40, 40, 300]);
    const at = Buffer.from(result.png).indexOf("pHYs");
    expect(at).toBeGreaterThan(0);
    expect(Buffer.from(result.png).readUInt32BE(at + 4)).toBe(Math.round(300 / 0.0254));
  });

  it("is transparent outside the imprint: the corners, the gap between ring and characters, the black text is gone", () => {
    for (const [x, y] of [
      [0, 0],
      [PX - 1, 0],
      [0, PX - 1],
      [PX - 1, PX - 1],
      [5, PX / 2],
    ] as const) {
      expect(alphaAt(img, x, y), `${x},${y}`).toBe(0);
    }
    // Between the ring (outer 7%) and the character band (62-82% of the radius): 88% out.
    const c = (PX - 1) / 2;
    const r = (PX / 2 / 1.04) * 0.88;
    expect(alphaAt(img, Math.round(c), Math.round(c - r))).toBe(0);
  });

  it("is opaque seal red on the ring, and every visible pixel is the one seal red", () => {
    // Without the form's text: where black print crosses the ink there is no red to keep.
    const img = decoded(processSealImage(toPng(drawPhoto(photo())), OPTIONS).png);
    const c = (PX - 1) / 2;
    // The ring's middle: 3.5% in from the imprint's edge; the picture has a 2% margin round the imprint.
    const ringR = (PX / 2 / 1.04) * (1 - 0.035);
    let opaque = 0;
    for (let k = 0; k < 36; k++) {
      const a = (k / 36) * 2 * Math.PI;
      const x = Math.round(c + ringR * Math.cos(a));
      const y = Math.round(c + ringR * Math.sin(a));
      if (alphaAt(img, x, y) === 255) opaque++;
    }
    expect(opaque).toBe(36);
    let visible = 0;
    for (let p = 0; p < PX * PX; p++) {
      if (img.data[p * 4 + 3]! === 0) continue;
      visible++;
      expect([img.data[p * 4], img.data[p * 4 + 1], img.data[p * 4 + 2]]).toEqual([
        SEAL_RED.r,
        SEAL_RED.g,
        SEAL_RED.b,
      ]);
    }
    // Ring, characters and star: a real share of the picture, far from all of it.
    expect(visible / (PX * PX)).toBeGreaterThan(0.08);
    expect(visible / (PX * PX)).toBeLessThan(0.5);
  });

  it("the star in the middle survives", () => {
    const c = Math.round((PX - 1) / 2);
    expect(alphaAt(img, c, c)).toBe(255);
  });

  it("reports what it saw", () => {
    expect(result.sourceType).toBe("image/png");
    expect(result.analysis.imprintPx).toBeGreaterThan(600);
    expect(result.analysis.imprintPx).toBeLessThan(660);
    expect(result.analysis.edgeMm).toBeLessThan(0.2);
  });
});

describe("lighting and formats", () => {
  it("a yellow lamp, a deep shadow across the page and heavy grain still give the same picture", () => {
    const warm = processSealImage(
      toPng(drawPhoto(photo({ paper: [250, 228, 180], shade: 0.55, noise: 14 }))),
      OPTIONS,
    );
    const plain = decoded(processSealImage(toPng(drawPhoto(photo())), OPTIONS).png);
    const other = decoded(warm.png);
    let differ = 0;
    for (let p = 0; p < PX * PX; p++) {
      if (plain.data[p * 4 + 3]! > 127 !== other.data[p * 4 + 3]! > 127) differ++;
    }
    expect(differ / (PX * PX)).toBeLessThan(0.01);
  });

  it("a JPEG phone photo stored sideways (EXIF orientation 6) is turned upright first", () => {
    const upright = drawPhoto(photo());
    const stored = withExifOrientation(toJpeg(rotateCounterClockwise(upright)), 6);
    expect(exifOrientation(stored)).toBe(6);
    const fromJpeg = processSealImage(stored, OPTIONS);
    expect(fromJpeg.sourceType).toBe("image/jpeg");
    expect(fromJpeg.analysis.sourceWidth).toBe(1200);
    const a = decoded(fromJpeg.png);
    const b = decoded(processSealImage(toPng(upright), OPTIONS).png);
    let differ = 0;
    for (let p = 0; p < PX * PX; p++) if (a.data[p * 4 + 3]! > 127 !== b.data[p * 4 + 3]! > 127) differ++;
    // The bottom of the seal has no characters: upside down or sideways would differ by far more.
    expect(differ / (PX * PX)).toBeLessThan(0.02);
  });

  it("other sizes and resolutions: 42 mm at 600 dpi is 992 pixels", () => {
    const big = drawPhoto({ width: 1400, height: 1300, stamps: [{ cx: 700, cy: 650, radius: 560 }] });
    const r = processSealImage(toPng(big), { sizeMm: 42, dpi: 600 });
    expect([r.widthPx, decoded(r.png).width]).toEqual([992, 992]);
  });
});

describe("unusable images are refused with the reason", () => {
  it("a blue stamp: no red ink", () => {
    const e = refusal(
      toPng(drawPhoto(photo({ stamps: [{ cx: 640, cy: 430, radius: 320, ink: BLUE_INK }] }))),
    );
    expect(e.code).toBe("seal.image_no_red_ink");
  });

  it("a blank page with black text: no red ink", () => {
    expect(refusal(toPng(drawPhoto(photo({ stamps: [], text: true })))).code).toBe("seal.image_no_red_ink");
  });

  it("a stamp cut off by the photo's edge", () => {
    const e = refusal(toPng(drawPhoto(photo({ stamps: [{ cx: 1000, cy: 430, radius: 320 }] }))));
    expect(e.code).toBe("seal.image_cut_off");
    expect(e.params.edge).toBe("right");
  });

  it("two imprints on one photo", () => {
    const two = drawPhoto({
      width: 1600,
      height: 900,
      stamps: [
        { cx: 420, cy: 450, radius: 300 },
        { cx: 1180, cy: 450, radius: 300 },
      ],
    });
    const e = refusal(toPng(two));
    expect(e.code).toBe("seal.image_multiple_imprints");
    expect(e.params.count).toBe(2);
  });

  it("a blurred photo", () => {
    const e = refusal(toPng(drawPhoto(photo({ blur: 9 }))));
    expect(e.code).toBe("seal.image_blurred");
  });

  it("an imprint too small in the photo to make 472 pixels", () => {
    const e = refusal(toPng(drawPhoto(photo({ stamps: [{ cx: 600, cy: 450, radius: 120 }] }))));
    expect(e.code).toBe("seal.image_imprint_too_small");
    expect(e.params.needPx).toBe(PX);
  });

  it("an image smaller than the picture it should make", () => {
    const e = refusal(
      toPng(drawPhoto({ width: 400, height: 400, stamps: [{ cx: 200, cy: 200, radius: 180 }] })),
    );
    expect(e.code).toBe("seal.image_too_small");
    expect(e.params).toMatchObject({ widthPx: 400, needPx: PX });
  });

  it("not an image, and a size or resolution out of range", () => {
    expect(refusal(new TextEncoder().encode("%PDF-1.7")).code).toBe("seal.image_unreadable");
    expect(refusal(Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0, 1, 2)).code).toBe(
      "seal.image_unreadable",
    );
    const png = toPng(drawPhoto(photo()));
    expect(refusal(png, { sizeMm: 400, dpi: 300 }).code).toBe("seal.image_options_invalid");
    expect(refusal(png, { sizeMm: 40, dpi: 30 }).code).toBe("seal.image_options_invalid");
  });
});
