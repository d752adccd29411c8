/**
 * The size of an uploaded image is read from its header (PNG IHDR, JPEG SOFn) and an image over the
 * limit is refused at once, before any decoder runs: a 12000×12000 PNG bomb in well under a second
 * and without the memory its pixels would take.
 */
import { describe, expect, it } from "vitest";
import { DomainError } from "../domain/errors.js";
import { jpegBomb, pngBomb } from "../../test/support/bombs.js";
import { processSealImage } from "./image.js";
import { MAX_IMAGE_PIXELS, assertImageWithinLimits, readImageHeader } from "./image-header.js";
import { drawPhoto, toJpeg, toPng } from "../../test/support/seal-images.js";

const photo = drawPhoto({ width: 640, height: 480, stamps: [{ cx: 320, cy: 240, radius: 200 }] });

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    if (e instanceof DomainError) return e.code;
    throw e;
  }
  return "no refusal";
}

describe("image header", () => {
  it("reads a PNG's size from IHDR and a JPEG's from SOF0", () => {
    expect(readImageHeader(toPng(photo))).toEqual({ type: "image/png", width: 640, height: 480 });
    expect(readImageHeader(toJpeg(photo))).toEqual({ type: "image/jpeg", width: 640, height: 480 });
    expect(readImageHeader(jpegBomb(65_000, 30_000))).toEqual({
      type: "image/jpeg",
      width: 65_000,
      height: 30_000,
    });
  });

  it("finds the JPEG frame after APPn segments and fill bytes, and not in a file with no frame", () => {
    const jpeg = toJpeg(photo);
    const app = Buffer.from([0xff, 0xe2, 0x00, 0x06, 1, 2, 3, 4, 0xff, 0xff]);
    const padded = Buffer.concat([jpeg.subarray(0, 2), app, jpeg.subarray(2)]);
    expect(readImageHeader(padded)).toMatchObject({ width: 640, height: 480 });
    expect(readImageHeader(Buffer.from([0xff, 0xd8, 0xff, 0xda, 0x00, 0x02, 0xff, 0xd9]))).toBeUndefined();
    expect(codeOf(() => assertImageWithinLimits(Buffer.from([0xff, 0xd8, 0xff, 0xd9])))).toBe(
      "upload.image_header_invalid",
    );
  });

  it("lets other files and images within the limit pass", () => {
    expect(assertImageWithinLimits(Buffer.from("%PDF-1.7\n"))).toBeUndefined();
    expect(assertImageWithinLimits(toPng(photo))).toMatchObject({ width: 640 });
    expect(codeOf(() => assertImageWithinLimits(toPng(photo), 640 * 480 - 1))).toBe("upload.image_too_large");
  });

  it("refuses a 12000×12000 PNG bomb (a ~420 KB zlib stream of zeros) in under a second, without decoding it", async () => {
    const bomb = await pngBomb(12_000, 12_000);
    expect(bomb.length).toBeLessThan(1_000_000);
    const rss = process.memoryUsage().rss;
    const started = performance.now();
    let refusal: DomainError | undefined;
    try {
      assertImageWithinLimits(bomb);
    } catch (e) {
      if (e instanceof DomainError) refusal = e;
    }
    expect(performance.now() - started).toBeLessThan(50);
    expect(refusal?.code).toBe("upload.image_too_large");
    expect(refusal?.params).toMatchObject({ widthPx: 12_000, heightPx: 12_000, megapixels: 144 });
    expect(MAX_IMAGE_PIXELS).toBeLessThan(12_000 * 12_000);
    // The seal picture's own entry point judges the header first too.
    const seal = performance.now();
    expect(codeOf(() => processSealImage(bomb, { sizeMm: 40, dpi: 300 }))).toBe("upload.image_too_large");
    expect(performance.now() - seal).toBeLessThan(1_000);
    expect(process.memoryUsage().rss - rss).toBeLessThan(100 * 1024 * 1024);
  });

  it("refuses a JPEG that declares 60000×60000 at once", () => {
    const started = performance.now();
    expect(codeOf(() => processSealImage(jpegBomb(), { sizeMm: 40, dpi: 300 }))).toBe(
      "upload.image_too_large",
    );
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});
