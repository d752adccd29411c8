/**
 * An uploaded image's size, read from its header before anything is decoded: a PNG's IHDR, a
 * JPEG's SOFn. A few hundred kilobytes of PNG can declare 12000×12000 pixels and inflate to 432 MB,
 * so the size is judged here, in microseconds, and an image over the limit is refused before any
 * decoder sees it. Every upload path that may decode an image asks this first.
 */
import { DomainError } from "../domain/errors.js";

export interface ImageHeader {
  type: "image/png" | "image/jpeg";
  width: number;
  height: number;
}

/**
 * The most pixels an image decoded on the server may have: a 24-megapixel phone photo (6000×4000,
 * or an iPhone's 5712×4284). Decoding costs about 27 bytes a pixel with jpeg-js and the analysis:
 * a 48 MP JPEG took 42 s and 1.3 GB here, so this bounds a decode's memory and time.
 */
export const MAX_IMAGE_PIXELS = 25_000_000;

/**
 * The most pixels of an image that is only stored (a material, a receipt): the reviewer's browser
 * decodes it. An A4 page scanned at 600 dpi is 35 MP.
 */
export const MAX_STORED_IMAGE_PIXELS = 100_000_000;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b);
}

export function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

const u16 = (b: Uint8Array, at: number): number => (b[at]! << 8) | b[at + 1]!;
const u32 = (b: Uint8Array, at: number): number =>
  ((b[at]! << 24) | (b[at + 1]! << 16) | u16(b, at + 2)) >>> 0;

/** PNG (ISO/IEC 15948 §11.2.2): IHDR must be the first chunk, width and height its first fields. */
function pngHeader(bytes: Uint8Array): ImageHeader | undefined {
  if (bytes.length < 8 + 8 + 13) return undefined;
  const type = String.fromCharCode(...bytes.subarray(12, 16));
  if (u32(bytes, 8) !== 13 || type !== "IHDR") return undefined;
  return { type: "image/png", width: u32(bytes, 16), height: u32(bytes, 20) };
}

/**
 * JPEG (ITU T.81 B.2): markers up to the frame header SOFn (C0–CF but C4 DHT, C8 JPG, CC DAC),
 * which gives lines (height) and samples per line (width). A scan before any frame is no image.
 */
function jpegHeader(bytes: Uint8Array): ImageHeader | undefined {
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) return undefined;
    const marker = bytes[at + 1]!;
    // Fill bytes, and markers that stand alone (TEM, RSTn).
    if (marker === 0xff) {
      at++;
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2;
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return undefined;
    const length = u16(bytes, at + 2);
    if (length < 2) return undefined;
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) {
      if (at + 9 > bytes.length) return undefined;
      return { type: "image/jpeg", height: u16(bytes, at + 5), width: u16(bytes, at + 7) };
    }
    at += 2 + length;
  }
  return undefined;
}

/** The image's type and size from its header; undefined when it is not a PNG or JPEG with a readable one. */
export function readImageHeader(bytes: Uint8Array): ImageHeader | undefined {
  if (isPng(bytes)) return pngHeader(bytes);
  if (isJpeg(bytes)) return jpegHeader(bytes);
  return undefined;
}

/**
 * Refuses at once a PNG or JPEG whose header is unreadable, declares no size (a JPEG whose height
 * comes later, in a DNL segment) or declares more than `maxPixels`. Other files pass: this judges
 * images only. Returns the header of an image that may be decoded.
 */
export function assertImageWithinLimits(
  bytes: Uint8Array,
  maxPixels = MAX_IMAGE_PIXELS,
): ImageHeader | undefined {
  if (!isPng(bytes) && !isJpeg(bytes)) return undefined;
  const header = readImageHeader(bytes);
  if (!header || header.width === 0 || header.height === 0)
    throw new DomainError("upload.image_header_invalid");
  if (header.width * header.height > maxPixels) {
    throw new DomainError("upload.image_too_large", {
      widthPx: header.width,
      heightPx: header.height,
      megapixels: Math.round((header.width * header.height) / 1e6),
      limitMegapixels: Math.floor(maxPixels / 1e6),
    });
  }
  return header;
}
