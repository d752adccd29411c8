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

/** The zlib stream of `head` followed by `size` zero bytes, made a block at a time. */
async function deflated(head: Buffer, size: number, fill = 0): Promise<Buffer> {
  const deflate = createDeflate({ level: constants.Z_BEST_COMPRESSION, memLevel: 9 });
  const parts: Buffer[] = [];
  deflate.on("data", (b: Buffer) => parts.push(b));
  const done = new Promise<void>((resolve, reject) => {
    deflate.on("end", resolve);
    deflate.on("error", reject);
  });
  deflate.write(head);
  const block = Buffer.alloc(4 << 20, fill);
  for (let left = size; left > 0; left -= block.length) {
    if (!deflate.write(left >= block.length ? block : block.subarray(0, left)))
      await new Promise((resolve) => deflate.once("drain", resolve));
  }
  deflate.end();
  await done;
  return Buffer.concat(parts);
}

/** An 8-bit RGB PNG of width×height black pixels: about 560 KB for 12000×12000. */
export async function pngBomb(width = 12_000, height = 12_000): Promise<Uint8Array> {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour
  // Each row: filter byte 0 and 3 bytes a pixel, all zero.
  const idat = await deflated(Buffer.alloc(0), (1 + width * 3) * height);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return new Uint8Array(
    Buffer.concat([signature, chunk("IHDR", ihdr), chunk("IDAT", idat), chunk("IEND", Buffer.alloc(0))]),
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

/**
 * A PDF whose object stream (/Type /ObjStm, FlateDecode) inflates to `inflatedBytes` of spaces
 * after its one object: a parser that decodes object streams whole holds all of it at once.
 */
export async function pdfBomb(inflatedBytes = 512 << 20): Promise<Uint8Array> {
  const content = await deflated(Buffer.from("4 0 << /Bomb true >>"), inflatedBytes, 0x20);
  const parts: Buffer[] = [];
  const offsets: number[] = [];
  let length = 0;
  const add = (b: Buffer | string) => {
    const buf = typeof b === "string" ? Buffer.from(b, "latin1") : b;
    parts.push(buf);
    length += buf.length;
  };
  add("%PDF-1.7\n");
  offsets.push(length);
  add("1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
  offsets.push(length);
  add("2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n");
  offsets.push(length);
  add(`3 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length ${content.length} >>\nstream\n`);
  add(content);
  add("\nendstream\nendobj\n");
  const xref = length;
  add(`xref\n0 4\n0000000000 65535 f \n`);
  for (const o of offsets) add(`${String(o).padStart(10, "0")} 00000 n \n`);
  add(`trailer\n<< /Root 1 0 R /Size 4 >>\nstartxref\n${xref}\n%%EOF\n`);
  return new Uint8Array(Buffer.concat(parts));
}
