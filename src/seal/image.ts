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

// ---------------------------------------------------------------------------------------------
// Decoding

interface Rgba {
  width: number;
  height: number;
  data: Uint8Array;
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
// Finding the ink

type Gains = readonly [number, number, number];

/**
 * The paper's colour is the average of the brighter pixels (the paper dominates a photo of an
 * imprint); per-channel gains make it neutral white, whatever the lamp's colour.
 */
function whiteBalance(image: Rgba): Gains {
  const d = image.data;
  const step = Math.max(1, Math.floor((image.width * image.height) / 250_000));
  const histogram = new Uint32Array(256);
  for (let p = 0; p < d.length / 4; p += step) {
    const i = p * 4;
    histogram[Math.round((d[i]! + d[i + 1]! + d[i + 2]!) / 3)]!++;
  }
  let total = 0;
  for (const n of histogram) total += n;
  // The brightest 40% of the pixels.
  let cut = 255;
  for (let seen = 0; cut > 0 && seen < total * 0.4; cut--) seen += histogram[cut]!;
  const sum = [0, 0, 0];
  let n = 0;
  for (let p = 0; p < d.length / 4; p += step) {
    const i = p * 4;
    if ((d[i]! + d[i + 1]! + d[i + 2]!) / 3 < cut) continue;
    sum[0]! += d[i]!;
    sum[1]! += d[i + 1]!;
    sum[2]! += d[i + 2]!;
    n++;
  }
  const gain = (c: number): number => Math.min(3, Math.max(0.5, 245 / Math.max(1, sum[c]! / Math.max(1, n))));
  return [gain(0), gain(1), gain(2)];
}

/**
 * How red a colour is, 0 to 1: red's lead over green and blue relative to red itself (so it does
 * not change with shade), for hues from crimson to red-orange only; dark pixels count as not red.
 */
function redness(r0: number, g0: number, b0: number, gains: Gains): number {
  const r = r0 * gains[0];
  const g = g0 * gains[1];
  const b = b0 * gains[2];
  if (r < 45) return 0;
  const other = Math.max(g, b);
  if (other >= r) return 0;
  const chroma = r - Math.min(g, b);
  // Hue in degrees around red: green pulls towards orange (+), blue towards crimson (-).
  const hue = (60 * (g - b)) / chroma;
  if (hue > 32 || hue < -40) return 0;
  return Math.min(1, (r - other) / r);
}

function rednessMap(image: Rgba, gains: Gains): Float32Array {
  const out = new Float32Array(image.width * image.height);
  const d = image.data;
  for (let p = 0; p < out.length; p++) out[p] = redness(d[p * 4]!, d[p * 4 + 1]!, d[p * 4 + 2]!, gains);
  return out;
}

/** Otsu's threshold on the redness histogram, kept where ink and paper could plausibly split. */
function otsuThreshold(values: Float32Array): number {
  const bins = 100;
  const histogram = new Float64Array(bins);
  for (const v of values) histogram[Math.min(bins - 1, Math.floor(v * bins))]!++;
  const total = values.length;
  let sumAll = 0;
  for (let i = 0; i < bins; i++) sumAll += i * histogram[i]!;
  let weightB = 0;
  let sumB = 0;
  let best = 0;
  let threshold = 0.3;
  for (let t = 0; t < bins; t++) {
    weightB += histogram[t]!;
    if (weightB === 0) continue;
    const weightF = total - weightB;
    if (weightF === 0) break;
    sumB += t * histogram[t]!;
    const meanB = sumB / weightB;
    const meanF = (sumAll - sumB) / weightF;
    const between = weightB * weightF * (meanB - meanF) ** 2;
    if (between > best) {
      best = between;
      threshold = (t + 1) / bins;
    }
  }
  return Math.min(0.4, Math.max(0.2, threshold));
}

/** An area-averaging copy whose longer side is at most `side` pixels. */
function downscale(image: Rgba, side: number): Rgba {
  const factor = Math.max(image.width, image.height) / side;
  if (factor <= 1) return image;
  const W = Math.max(1, Math.round(image.width / factor));
  const H = Math.max(1, Math.round(image.height / factor));
  return resample(image, 0, 0, image.width, image.height, W, H);
}

/** Area average (or bilinear when enlarging) of the source rectangle into a W×H image. */
function resample(image: Rgba, sx: number, sy: number, sw: number, sh: number, W: number, H: number): Rgba {
  const out = new Uint8Array(W * H * 4);
  const fx = sw / W;
  const fy = sh / H;
  const { width, height, data } = image;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const o = (y * W + x) * 4;
      if (fx >= 1 && fy >= 1) {
        const x0 = Math.floor(sx + x * fx);
        const x1 = Math.max(x0 + 1, Math.floor(sx + (x + 1) * fx));
        const y0 = Math.floor(sy + y * fy);
        const y1 = Math.max(y0 + 1, Math.floor(sy + (y + 1) * fy));
        let r = 0;
        let g = 0;
        let b = 0;
        let n = 0;
        for (let yy = y0; yy < y1; yy++) {
          for (let xx = x0; xx < x1; xx++) {
            if (xx < 0 || yy < 0 || xx >= width || yy >= height) {
              r += 255;
              g += 255;
              b += 255; // outside the photo: paper
            } else {
              const i = (yy * width + xx) * 4;
              r += data[i]!;
              g += data[i + 1]!;
              b += data[i + 2]!;
            }
            n++;
          }
        }
        out[o] = r / n;
        out[o + 1] = g / n;
        out[o + 2] = b / n;
      } else {
        const px = sx + (x + 0.5) * fx - 0.5;
        const py = sy + (y + 0.5) * fy - 0.5;
        for (let c = 0; c < 3; c++) out[o + c] = bilinear(image, px, py, c);
      }
      out[o + 3] = 255;
    }
  }
  return { width: W, height: H, data: out };
}

function bilinear(image: Rgba, x: number, y: number, c: number): number {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const ax = x - x0;
  const ay = y - y0;
  const at = (xx: number, yy: number): number =>
    xx < 0 || yy < 0 || xx >= image.width || yy >= image.height
      ? 255
      : image.data[(yy * image.width + xx) * 4 + c]!;
  return (
    at(x0, y0) * (1 - ax) * (1 - ay) +
    at(x0 + 1, y0) * ax * (1 - ay) +
    at(x0, y0 + 1) * (1 - ax) * ay +
    at(x0 + 1, y0 + 1) * ax * ay
  );
}

interface Imprint {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  /** the grown region of the imprint at analysis scale: ink outside it is stray */
  mask: Uint8Array;
}

/**
 * Groups the ink into imprints: grow the ink so the strokes of one imprint (ring, characters, star)
 * touch, label the regions, and fold regions lying inside another's box (the star inside the ring).
 * Regions with little ink are specks; two substantial ones are two imprints.
 */
function findImprint(ink: Uint8Array, w: number, h: number): Imprint {
  const radius = Math.max(2, Math.round(Math.max(w, h) * 0.012));
  const grown = dilate(ink, w, h, radius);
  const labels = new Int32Array(w * h);
  const regions: { x0: number; y0: number; x1: number; y1: number; ink: number; label: number }[] = [];
  const stack: number[] = [];
  for (let start = 0; start < grown.length; start++) {
    if (!grown[start] || labels[start]) continue;
    const label = regions.length + 1;
    const region = { x0: w, y0: h, x1: -1, y1: -1, ink: 0, label };
    labels[start] = label;
    stack.push(start);
    while (stack.length > 0) {
      const p = stack.pop()!;
      const x = p % w;
      const y = (p - x) / w;
      if (ink[p]) {
        region.ink++;
        if (x < region.x0) region.x0 = x;
        if (x > region.x1) region.x1 = x;
        if (y < region.y0) region.y0 = y;
        if (y > region.y1) region.y1 = y;
      }
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          const ny = y + dy;
          if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
          const q = ny * w + nx;
          if (grown[q] && !labels[q]) {
            labels[q] = label;
            stack.push(q);
          }
        }
      }
    }
    regions.push(region);
  }
  regions.sort((a, b) => b.ink - a.ink);
  const largest = regions[0]!;
  const substantial = regions.filter((r) => r.ink >= largest.ink * 0.15);
  // Fold a region into a bigger one whose box holds its centre.
  const groups: (typeof regions)[] = [];
  for (const r of substantial) {
    const cx = (r.x0 + r.x1) / 2;
    const cy = (r.y0 + r.y1) / 2;
    const home = groups.find((g) => cx >= g[0]!.x0 && cx <= g[0]!.x1 && cy >= g[0]!.y0 && cy <= g[0]!.y1);
    if (home) home.push(r);
    else groups.push([r]);
  }
  if (groups.length > 1) throw new DomainError("seal.image_multiple_imprints", { count: groups.length });
  const group = groups[0]!;
  // Small specks inside the imprint's box belong to it (dots of the characters).
  const box = {
    x0: Math.min(...group.map((r) => r.x0)),
    y0: Math.min(...group.map((r) => r.y0)),
    x1: Math.max(...group.map((r) => r.x1)),
    y1: Math.max(...group.map((r) => r.y1)),
  };
  const members = new Set(group.map((r) => r.label));
  for (const r of regions) {
    if (r.x0 >= box.x0 && r.x1 <= box.x1 && r.y0 >= box.y0 && r.y1 <= box.y1) members.add(r.label);
  }
  const margin = 1;
  if (box.x0 <= margin || box.y0 <= margin || box.x1 >= w - 1 - margin || box.y1 >= h - 1 - margin) {
    const edge =
      box.x0 <= margin ? "left" : box.x1 >= w - 1 - margin ? "right" : box.y0 <= margin ? "top" : "bottom";
    throw new DomainError("seal.image_cut_off", { edge });
  }
  const mask = new Uint8Array(w * h);
  for (let p = 0; p < mask.length; p++) if (members.has(labels[p]!)) mask[p] = 1;
  return { ...box, mask };
}

/** Square dilation by `radius`, through a summed-area table. */
function dilate(mask: Uint8Array, w: number, h: number, radius: number): Uint8Array {
  const sat = new Int32Array((w + 1) * (h + 1));
  for (let y = 0; y < h; y++) {
    let row = 0;
    for (let x = 0; x < w; x++) {
      row += mask[y * w + x]!;
      sat[(y + 1) * (w + 1) + x + 1] = sat[y * (w + 1) + x + 1]! + row;
    }
  }
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const y0 = Math.max(0, y - radius);
    const y1 = Math.min(h, y + radius + 1);
    for (let x = 0; x < w; x++) {
      const x0 = Math.max(0, x - radius);
      const x1 = Math.min(w, x + radius + 1);
      const sum =
        sat[y1 * (w + 1) + x1]! - sat[y0 * (w + 1) + x1]! - sat[y1 * (w + 1) + x0]! + sat[y0 * (w + 1) + x0]!;
      if (sum > 0) out[y * w + x] = 1;
    }
  }
  return out;
}

/**
 * How wide the ink's edges are, in millimetres of the seal: pixels partway between paper and ink,
 * per pixel of edge. A sharp scan has edges a pixel or two wide; an out-of-focus photo has wide ones.
 */
function edgeWidthMm(
  image: Rgba,
  gains: Gains,
  box: { x0: number; y0: number; x1: number; y1: number },
  threshold: number,
  sizeMm: number,
): number {
  const across = Math.max(box.x1 - box.x0, box.y1 - box.y0);
  // Judge at up to 800 pixels across: enough to see a 0.1 mm edge on a 40 mm seal.
  const factor = Math.max(1, across / 800);
  const W = Math.max(1, Math.round((box.x1 - box.x0) / factor));
  const H = Math.max(1, Math.round((box.y1 - box.y0) / factor));
  const crop = resample(image, box.x0, box.y0, box.x1 - box.x0, box.y1 - box.y0, W, H);
  const red = rednessMap(crop, gains);
  const inkValues: number[] = [];
  for (const v of red) if (v >= threshold) inkValues.push(v);
  if (inkValues.length === 0) return 0;
  inkValues.sort((a, b) => a - b);
  const inkLevel = inkValues[Math.floor(inkValues.length * 0.75)]!;
  const low = inkLevel * 0.2;
  const high = inkLevel * 0.8;
  const mid = inkLevel * 0.5;
  let transitional = 0;
  let boundary = 0;
  for (let y = 1; y < H - 1; y++) {
    for (let x = 1; x < W - 1; x++) {
      const p = y * W + x;
      const v = red[p]!;
      if (v > low && v < high) transitional++;
      if (v >= mid && (red[p - 1]! < mid || red[p + 1]! < mid || red[p - W]! < mid || red[p + W]! < mid))
        boundary++;
    }
  }
  if (boundary === 0) return 0;
  // Each edge pixel stands for one side of a stroke; the band runs across it.
  const edgePx = (transitional / boundary) * factor;
  return (edgePx * sizeMm) / across;
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
