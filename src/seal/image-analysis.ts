/**
 * Finding the imprint in a photographed seal: white balance, redness, Otsu's threshold, resampling,
 * the imprint's bounds and its edge width.
 */
import { DomainError } from "../domain/errors.js";

// ---------------------------------------------------------------------------------------------
// Decoding

export interface Rgba {
  width: number;
  height: number;
  data: Uint8Array;
}

// ---------------------------------------------------------------------------------------------
// Finding the ink

export type Gains = readonly [number, number, number];

/**
 * The paper's colour is the average of the brighter pixels (the paper dominates a photo of an
 * imprint); per-channel gains make it neutral white, whatever the lamp's colour.
 */
export function whiteBalance(image: Rgba): Gains {
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
export function redness(r0: number, g0: number, b0: number, gains: Gains): number {
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

export function rednessMap(image: Rgba, gains: Gains): Float32Array {
  const out = new Float32Array(image.width * image.height);
  const d = image.data;
  for (let p = 0; p < out.length; p++) out[p] = redness(d[p * 4]!, d[p * 4 + 1]!, d[p * 4 + 2]!, gains);
  return out;
}

/** Otsu's threshold on the redness histogram, kept where ink and paper could plausibly split. */
export function otsuThreshold(values: Float32Array): number {
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
export function downscale(image: Rgba, side: number): Rgba {
  const factor = Math.max(image.width, image.height) / side;
  if (factor <= 1) return image;
  const W = Math.max(1, Math.round(image.width / factor));
  const H = Math.max(1, Math.round(image.height / factor));
  return resample(image, 0, 0, image.width, image.height, W, H);
}

/** Area average (or bilinear when enlarging) of the source rectangle into a W×H image. */
export function resample(
  image: Rgba,
  sx: number,
  sy: number,
  sw: number,
  sh: number,
  W: number,
  H: number,
): Rgba {
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

export function bilinear(image: Rgba, x: number, y: number, c: number): number {
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

export interface Imprint {
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
export function findImprint(ink: Uint8Array, w: number, h: number): Imprint {
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
export function dilate(mask: Uint8Array, w: number, h: number, radius: number): Uint8Array {
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
export function edgeWidthMm(
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
