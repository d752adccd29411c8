/**
 * Synthetic photos of seal imprints for the seal-image tests: off-white paper with grain and uneven
 * light, and a stamp drawn as a ring, characters around it (short strokes) and a star, in red or
 * another ink, anti-aliased, optionally blurred, as PNG or JPEG.
 */
import jpeg from "jpeg-js";
import { PNG } from "pngjs";

export interface Stamp {
  cx: number;
  cy: number;
  /** outer radius in pixels */
  radius: number;
  ink?: readonly [number, number, number];
}

export interface PhotoOptions {
  width: number;
  height: number;
  stamps: Stamp[];
  /** paper colour under the lamp */
  paper?: readonly [number, number, number];
  /** light falls off to this share across the photo (1: even light) */
  shade?: number;
  /** grain amplitude, 0-255 */
  noise?: number;
  /** Gaussian blur sigma in pixels */
  blur?: number;
  /** black text lines on the page, as a form would have */
  text?: boolean;
  seed?: number;
}

export const SEAL_INK = [200, 28, 36] as const;
export const BLUE_INK = [30, 60, 170] as const;

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) % 100_000) / 100_000;
  };
}

/** Ink coverage 0..1 of the stamp at (x, y): ring, characters, star; anti-aliased over one pixel. */
function coverage(stamp: Stamp, x: number, y: number): number {
  const dx = x - stamp.cx;
  const dy = y - stamp.cy;
  const r = Math.hypot(dx, dy);
  const R = stamp.radius;
  const soft = (d: number): number => Math.min(1, Math.max(0, 0.5 - d));
  const ringWidth = R * 0.07;
  let c = soft(Math.abs(r - (R - ringWidth / 2)) - ringWidth / 2);
  // Characters: 14 blocks of strokes on a band inside the ring, leaving the bottom free.
  const angle = Math.atan2(dy, dx);
  const band = r > R * 0.62 && r < R * 0.82;
  if (band && !(angle > Math.PI * 0.3 && angle < Math.PI * 0.7)) {
    const sector = ((angle + Math.PI) / (2 * Math.PI)) * 18;
    const within = sector - Math.floor(sector);
    const radial = (r - R * 0.62) / (R * 0.2);
    // Three strokes per character: two across, one along the radius.
    const across =
      Math.abs(within - 0.5) < 0.33 && (Math.abs(radial - 0.2) < 0.09 || Math.abs(radial - 0.75) < 0.09);
    const along = Math.abs(within - 0.5) < 0.07 && radial > 0.1 && radial < 0.9;
    if (across || along) c = 1;
  }
  // A five-pointed star in the middle.
  const starR = R * 0.28;
  if (r < starR) {
    const a = (((angle + Math.PI / 2) % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI);
    const k = (a % ((2 * Math.PI) / 5)) / ((2 * Math.PI) / 5);
    const edge = starR * (0.45 + 0.55 * Math.abs(1 - 2 * k));
    c = Math.max(c, soft(r - edge));
  }
  return c;
}

export function drawPhoto(options: PhotoOptions): { width: number; height: number; data: Uint8Array } {
  const { width, height } = options;
  const paper = options.paper ?? [246, 242, 232];
  const shade = options.shade ?? 0.85;
  const noise = options.noise ?? 6;
  const random = rng(options.seed ?? 7);
  let data: Float32Array = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const light = 1 - (1 - shade) * ((x / width) * 0.7 + (y / height) * 0.3);
      let colour: number[] = [...paper];
      if (
        options.text &&
        y % 60 > 40 &&
        y % 60 < 46 &&
        x > width * 0.08 &&
        x < width * 0.92 &&
        (x >> 4) % 3 !== 0
      ) {
        colour = [40, 40, 45];
      }
      for (const stamp of options.stamps) {
        const c = coverage(stamp, x + 0.5, y + 0.5);
        if (c > 0) {
          const ink = stamp.ink ?? SEAL_INK;
          // Ink multiplies the paper's colour, as real ink does.
          colour = colour.map((v, i) => v * (1 - c) + ((v * ink[i]!) / 255) * c);
        }
      }
      const i = (y * width + x) * 3;
      for (let ch = 0; ch < 3; ch++) data[i + ch] = colour[ch]! * light + (random() - 0.5) * 2 * noise;
    }
  }
  if (options.blur) data = gaussianBlur(data, width, height, options.blur);
  const rgba = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    for (let ch = 0; ch < 3; ch++)
      rgba[p * 4 + ch] = Math.max(0, Math.min(255, Math.round(data[p * 3 + ch]!)));
    rgba[p * 4 + 3] = 255;
  }
  return { width, height, data: rgba };
}

function gaussianBlur(src: Float32Array, w: number, h: number, sigma: number): Float32Array {
  const radius = Math.ceil(sigma * 3);
  const kernel: number[] = [];
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    const v = Math.exp(-(i * i) / (2 * sigma * sigma));
    kernel.push(v);
    sum += v;
  }
  const k = kernel.map((v) => v / sum);
  const pass = (input: Float32Array, horizontal: boolean): Float32Array => {
    const out = new Float32Array(input.length);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let ch = 0; ch < 3; ch++) {
          let acc = 0;
          for (let i = -radius; i <= radius; i++) {
            const xx = horizontal ? Math.min(w - 1, Math.max(0, x + i)) : x;
            const yy = horizontal ? y : Math.min(h - 1, Math.max(0, y + i));
            acc += input[(yy * w + xx) * 3 + ch]! * k[i + radius]!;
          }
          out[(y * w + x) * 3 + ch] = acc;
        }
      }
    }
    return out;
  };
  return pass(pass(src, true), false);
}

export function toPng(image: { width: number; height: number; data: Uint8Array }): Uint8Array {
  const png = new PNG({ width: image.width, height: image.height });
  png.data = Buffer.from(image.data);
  return new Uint8Array(PNG.sync.write(png));
}

export function toJpeg(image: { width: number; height: number; data: Uint8Array }, quality = 88): Uint8Array {
  return new Uint8Array(
    jpeg.encode({ width: image.width, height: image.height, data: image.data }, quality).data,
  );
}

/** Puts an EXIF APP1 segment with the given Orientation right after the JPEG's SOI marker. */
export function withExifOrientation(jpegBytes: Uint8Array, orientation: number): Uint8Array {
  // TIFF header (big-endian "MM"), IFD0 at offset 8 with one entry: Orientation (SHORT, 1 value).
  const tiff = Buffer.from([
    0x4d,
    0x4d,
    0x00,
    0x2a,
    0x00,
    0x00,
    0x00,
    0x08,
    0x00,
    0x01,
    0x01,
    0x12,
    0x00,
    0x03,
    0x00,
    0x00,
    0x00,
    0x01,
    0x00,
    orientation,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
  ]);
  const payload = Buffer.concat([Buffer.from("Exif\0\0", "latin1"), tiff]);
  const header = Buffer.from([0xff, 0xe1, (payload.length + 2) >> 8, (payload.length + 2) & 0xff]);
  return new Uint8Array(Buffer.concat([jpegBytes.subarray(0, 2), header, payload, jpegBytes.subarray(2)]));
}

/** Rotates an RGBA image 90° clockwise (what a phone stores when the EXIF says 6 is turned back). */
export function rotateCounterClockwise(image: { width: number; height: number; data: Uint8Array }) {
  const { width: w, height: h, data } = image;
  const out = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // (x, y) in the upright image lands at (y, w - 1 - x) in the stored one (h wide, w high).
      const to = ((w - 1 - x) * h + y) * 4;
      out.set(data.subarray((y * w + x) * 4, (y * w + x) * 4 + 4), to);
    }
  }
  return { width: h, height: w, data: out };
}
