/**
 * Decompression bombs for the upload tests, made in the test rather than committed: small files
 * whose headers declare huge images. The PNG's zlib stream really inflates to the size its IHDR
 * declares (all zeros), so a decoder that trusts it does all the work; the JPEG declares its size
 * in SOF0 and carries almost no data.
 */
import { constants, crc32, createDeflate } from "node:zlib";

function chunk(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, "latin1");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])), 0);
  return Buffer.concat([head, body, crc]);
}

/** An 8-bit RGB PNG of width×height black pixels: about 560 KB for 12000×12000. */
export async function pngBomb(width = 12_000, height = 12_000): Promise<Uint8Array> {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour
  const deflate = createDeflate({ level: constants.Z_BEST_COMPRESSION, memLevel: 9 });
  const parts: Buffer[] = [];
  deflate.on("data", (b: Buffer) => parts.push(b));
  const done = new Promise<void>((resolve, reject) => {
    deflate.on("end", resolve);
    deflate.on("error", reject);
  });
  // Each row: filter byte 0 and 3 bytes a pixel, all zero; written a block of rows at a time.
  const rowBytes = 1 + width * 3;
  const rowsPerBlock = Math.max(1, Math.floor((4 << 20) / rowBytes));
  const block = Buffer.alloc(rowBytes * rowsPerBlock);
  for (let y = 0; y < height; y += rowsPerBlock) {
    const rows = Math.min(rowsPerBlock, height - y);
    if (!deflate.write(rows === rowsPerBlock ? block : block.subarray(0, rows * rowBytes)))
      await new Promise((resolve) => deflate.once("drain", resolve));
  }
  deflate.end();
  await done;
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return new Uint8Array(
    Buffer.concat([
      signature,
      chunk("IHDR", ihdr),
      chunk("IDAT", Buffer.concat(parts)),
      chunk("IEND", Buffer.alloc(0)),
    ]),
  );
}

/** A baseline JPEG whose SOF0 declares width×height, three components, and nothing to decode. */
export function jpegBomb(width = 60_000, height = 60_000): Uint8Array {
  const sof = Buffer.from([
    0xff,
    0xc0,
    0x00,
    0x11,
    0x08,
    height >> 8,
    height & 0xff,
    width >> 8,
    width & 0xff,
    0x03,
    0x01,
    0x11,
    0x00,
    0x02,
    0x11,
    0x00,
    0x03,
    0x11,
    0x00,
  ]);
  return new Uint8Array(Buffer.concat([Buffer.from([0xff, 0xd8]), sof, Buffer.from([0xff, 0xd9])]));
}
