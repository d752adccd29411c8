/**
 * The seal picture, made from an applicant's scan or phone photo of the physical imprint on white
 * paper: find the red ink, keep the one imprint, make the paper transparent, recolour the ink a clean
 * seal red and scale it to the seal's size in millimetres at the stated resolution (a 40 mm official
 * seal at 300 dpi is 472 pixels across).
 *
 * Red is judged after white balance (the paper's colour under the lamp becomes neutral), by hue and
 * by how much red stands out over green and blue relative to its own brightness, so shadows and a
 * yellow cast do not move it. An image that cannot make a good seal is refused with the reason:
 * no red ink, more than one imprint, an imprint cut off at the edge, too small or too blurred.
 */
import { crc32 } from "node:zlib";
import jpeg from "jpeg-js";
import { PNG } from "pngjs";
import { DomainError } from "../domain/errors.js";
import { MAX_IMAGE_PIXELS, assertImageWithinLimits } from "./image-header.js";
import {
  type Rgba,
  type Gains,
  whiteBalance,
  redness,
  rednessMap,
  otsuThreshold,
  downscale,
  resample,
  findImprint,
  edgeWidthMm,
} from "./image-analysis.js";

export interface SealImageOptions {
  /** the imprint's size across, in millimetres (its diameter for a round seal) */
  sizeMm: number;
  /** output resolution in dots per inch */
  dpi: number;
}

export interface SealPicture {
  /** RGBA PNG: seal red on transparency, with its resolution recorded (pHYs) */
  png: Uint8Array;
  widthPx: number;
  heightPx: number;
  widthMm: number;
  heightMm: number;
  dpi: number;
  sourceType: "image/png" | "image/jpeg";
  analysis: SealImageAnalysis;
}

export interface SealImageAnalysis {
  /** the source image, after EXIF orientation */
  sourceWidth: number;
  sourceHeight: number;
  /** red ink pixels found at the analysis scale */
  inkPixels: number;
  /** the imprint's extent across in source pixels */
  imprintPx: number;
  /** width of the ink's edges, in millimetres of the seal */
  edgeMm: number;
  /** the redness above which a pixel is ink */
  threshold: number;
}

/** The clean seal red the picture is painted in. */
export const SEAL_RED = { r: 0xdc, g: 0x14, b: 0x1e } as const;

/** Below this share of the needed pixels the picture would be upscaled too far. */
const MIN_IMPRINT_SHARE = 0.75;
/** Ink edges wider than this (millimetres of the seal) are a blurred photo. */
const MAX_EDGE_MM = 0.4;
/** The working copy the imprint is found on: its longer side, in pixels. */
const ANALYSIS_SIDE = 1024;

export function processSealImage(bytes: Uint8Array, options: SealImageOptions): SealPicture {
  const { sizeMm, dpi } = options;
  if (!Number.isInteger(sizeMm) || sizeMm < 10 || sizeMm > 100) refuseOption("sizeMm", sizeMm);
  if (!Number.isInteger(dpi) || dpi < 150 || dpi > 1200) refuseOption("dpi", dpi);
  const targetPx = Math.round((sizeMm / 25.4) * dpi);

  const source = decode(bytes);
  const { width, height } = source.image;
  if (Math.min(width, height) < targetPx) {
    throw new DomainError("seal.image_too_small", {
      widthPx: width,
      heightPx: height,
      needPx: targetPx,
      sizeMm,
      dpi,
    });
  }

  const gains = whiteBalance(source.image);
  const work = downscale(source.image, ANALYSIS_SIDE);
  const redness = rednessMap(work, gains);
  const threshold = otsuThreshold(redness);
  const ink = new Uint8Array(redness.length);
  let inkPixels = 0;
  for (let i = 0; i < redness.length; i++) {
    if (redness[i]! >= threshold) {
      ink[i] = 1;
      inkPixels++;
    }
  }
  if (inkPixels < Math.max(40, work.width * work.height * 0.0005))
    throw new DomainError("seal.image_no_red_ink");

  const imprint = findImprint(ink, work.width, work.height);
  const scale = width / work.width;
  const box = {
    x0: imprint.x0 * scale,
    y0: imprint.y0 * scale,
    x1: (imprint.x1 + 1) * scale,
    y1: (imprint.y1 + 1) * scale,
  };
  const imprintPx = Math.max(box.x1 - box.x0, box.y1 - box.y0);
  if (imprintPx < targetPx * MIN_IMPRINT_SHARE) {
    throw new DomainError("seal.image_imprint_too_small", {
      imprintPx: Math.round(imprintPx),
      needPx: targetPx,
    });
  }

  const edgeMm = edgeWidthMm(source.image, gains, box, threshold, sizeMm);
  if (edgeMm > MAX_EDGE_MM)
    throw new DomainError("seal.image_blurred", { edgeMm: edgeMm.toFixed(2), limitMm: MAX_EDGE_MM });

  const rgba = paint(source.image, gains, box, imprint.mask, work.width, scale, threshold, targetPx);
  return {
    png: encodePng(rgba, targetPx, targetPx, dpi),
    widthPx: targetPx,
    heightPx: targetPx,
    widthMm: sizeMm,
    heightMm: sizeMm,
    dpi,
    sourceType: source.type,
    analysis: {
      sourceWidth: width,
      sourceHeight: height,
      inkPixels,
      imprintPx: Math.round(imprintPx),
      edgeMm: Math.round(edgeMm * 100) / 100,
      threshold: Math.round(threshold * 1000) / 1000,
    },
  };
}

function refuseOption(option: string, value: number): never {
  throw new DomainError("seal.image_options_invalid", { option, value });
}

function decode(bytes: Uint8Array): { type: SealPicture["sourceType"]; image: Rgba } {
  // The size from the header first: a bomb is refused before the decoder allocates its pixels.
  const header = assertImageWithinLimits(bytes);
  try {
    if (header?.type === "image/png") {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      const image = { width: png.width, height: png.height, data: png.data as Uint8Array };
      flattenOnWhite(image);
      return { type: "image/png", image };
    }
    if (header?.type === "image/jpeg") {
      const raw = jpeg.decode(bytes, {
        useTArray: true,
        formatAsRGBA: true,
        maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6,
        maxMemoryUsageInMB: 1024,
      });
      return { type: "image/jpeg", image: orient(raw, exifOrientation(bytes)) };
    }
  } catch (e) {
    throw new DomainError("seal.image_unreadable", { detail: e instanceof Error ? e.message : String(e) });
  }
  throw new DomainError("seal.image_unreadable", { detail: "not a PNG or JPEG image" });
}

/** Transparent parts of a PNG are paper. */
function flattenOnWhite(image: Rgba): void {
  const d = image.data;
  for (let i = 0; i < d.length; i += 4) {
    const a = d[i + 3]!;
    if (a === 255) continue;
    for (let c = 0; c < 3; c++) d[i + c] = Math.round((d[i + c]! * a + 255 * (255 - a)) / 255);
    d[i + 3] = 255;
  }
}

/** The EXIF Orientation (1 to 8) of a JPEG, 1 when absent: phone photos are stored sideways. */
export function exifOrientation(bytes: Uint8Array): number {
  let at = 2;
  while (at + 4 <= bytes.length && bytes[at] === 0xff) {
    const marker = bytes[at + 1]!;
    const length = (bytes[at + 2]! << 8) | bytes[at + 3]!;
    if (marker === 0xda) break; // start of scan: no more metadata
    const app1 =
      marker === 0xe1 && Buffer.from(bytes.subarray(at + 4, at + 10)).toString("latin1") === "Exif\0\0";
    if (app1) {
      const tiff = at + 10;
      const little = bytes[tiff] === 0x49;
      const u16 = (o: number): number =>
        little ? bytes[o]! | (bytes[o + 1]! << 8) : (bytes[o]! << 8) | bytes[o + 1]!;
      const u32 = (o: number): number =>
        little
          ? (bytes[o]! | (bytes[o + 1]! << 8) | (bytes[o + 2]! << 16) | (bytes[o + 3]! << 24)) >>> 0
          : ((bytes[o]! << 24) | (bytes[o + 1]! << 16) | (bytes[o + 2]! << 8) | bytes[o + 3]!) >>> 0;
      const ifd = tiff + u32(tiff + 4);
      const entries = ifd + 2 <= bytes.length ? u16(ifd) : 0;
      for (let i = 0; i < entries; i++) {
        const entry = ifd + 2 + i * 12;
        if (entry + 12 > bytes.length) break;
        if (u16(entry) === 0x0112) {
          const value = u16(entry + 8);
          return value >= 1 && value <= 8 ? value : 1;
        }
      }
      return 1;
    }
    at += 2 + length;
  }
  return 1;
}

/** Applies an EXIF orientation so the image stands as the photographer saw it. */
function orient(image: Rgba, orientation: number): Rgba {
  if (orientation === 1) return image;
  const { width: w, height: h, data } = image;
  const swap = orientation >= 5;
  const W = swap ? h : w;
  const H = swap ? w : h;
  const out = new Uint8Array(W * H * 4);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      // Where output (x, y) comes from in the stored image (EXIF 2.32, tag 0x0112).
      let sx: number;
      let sy: number;
      switch (orientation) {
        case 2:
          [sx, sy] = [w - 1 - x, y];
          break;
        case 3:
          [sx, sy] = [w - 1 - x, h - 1 - y];
          break;
        case 4:
          [sx, sy] = [x, h - 1 - y];
          break;
        case 5:
          [sx, sy] = [y, x];
          break;
        case 6:
          [sx, sy] = [y, h - 1 - x];
          break;
        case 7:
          [sx, sy] = [w - 1 - y, h - 1 - x];
          break;
        default:
          [sx, sy] = [w - 1 - y, x];
          break; // 8
      }
      out.set(data.subarray((sy * w + sx) * 4, (sy * w + sx) * 4 + 4), (y * W + x) * 4);
    }
  }
  return { width: W, height: H, data: out };
}

// ---------------------------------------------------------------------------------------------
// Painting the seal

/**
 * The output square: centred on the imprint with a small margin, each pixel's ink strength (its
 * redness between paper and ink) becomes alpha over seal red; paper and stray red are transparent.
 */
function paint(
  image: Rgba,
  gains: Gains,
  box: { x0: number; y0: number; x1: number; y1: number },
  mask: Uint8Array,
  maskWidth: number,
  maskScale: number,
  threshold: number,
  size: number,
): Uint8Array {
  const across = Math.max(box.x1 - box.x0, box.y1 - box.y0) * 1.04;
  const cx = (box.x0 + box.x1) / 2;
  const cy = (box.y0 + box.y1) / 2;
  const sx = cx - across / 2;
  const sy = cy - across / 2;
  const sampled = resample(image, sx, sy, across, across, size, size);
  const maskHeight = mask.length / maskWidth;
  const out = new Uint8Array(size * size * 4);
  const low = threshold * 0.6;
  const high = Math.min(0.95, threshold * 1.6);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const p = y * size + x;
      const mx = Math.floor((sx + ((x + 0.5) * across) / size) / maskScale);
      const my = Math.floor((sy + ((y + 0.5) * across) / size) / maskScale);
      const inside =
        mx >= 0 && my >= 0 && mx < maskWidth && my < maskHeight && mask[my * maskWidth + mx] === 1;
      const v = inside
        ? redness(sampled.data[p * 4]!, sampled.data[p * 4 + 1]!, sampled.data[p * 4 + 2]!, gains)
        : 0;
      const t = Math.min(1, Math.max(0, (v - low) / (high - low)));
      const alpha = Math.round(255 * t * t * (3 - 2 * t));
      out[p * 4] = SEAL_RED.r;
      out[p * 4 + 1] = SEAL_RED.g;
      out[p * 4 + 2] = SEAL_RED.b;
      out[p * 4 + 3] = alpha;
    }
  }
  return out;
}

/** RGBA PNG with a pHYs chunk giving the resolution, so the picture prints at its size in millimetres. */
function encodePng(rgba: Uint8Array, width: number, height: number, dpi: number): Uint8Array {
  const png = new PNG({ width, height, colorType: 6 });
  png.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  const bytes = PNG.sync.write(png, { colorType: 6 });
  const perMetre = Math.round(dpi / 0.0254);
  const body = Buffer.alloc(9);
  body.writeUInt32BE(perMetre, 0);
  body.writeUInt32BE(perMetre, 4);
  body[8] = 1; // unit: metre
  const type = Buffer.from("pHYs", "latin1");
  const chunk = Buffer.alloc(4 + 4 + 9 + 4);
  chunk.writeUInt32BE(9, 0);
  type.copy(chunk, 4);
  body.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(Buffer.concat([type, body])), 17);
  // After the signature (8) and IHDR (4 + 4 + 13 + 4).
  const at = 8 + 25;
  return new Uint8Array(Buffer.concat([bytes.subarray(0, at), chunk, bytes.subarray(at)]));
}
