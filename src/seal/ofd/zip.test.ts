/** The OFD container's ZIP reader: what it writes reads back, and a hostile archive is refused before it costs memory. */
import { deflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { translate } from "../../i18n/catalogue.js";
import { readZip, writeZip } from "./zip.js";

const entries = [
  { name: "OFD.xml", data: new TextEncoder().encode("<ofd:OFD/>".repeat(50)) },
  { name: "Doc_0/Res/image.png", data: new Uint8Array([0x89, 0x50, 1, 2, 3]) },
];

describe("OFD zip", () => {
  it("reads back what it writes, stored and deflated", () => {
    expect(readZip(writeZip(entries, new Date("2026-01-01T00:00:00Z")))).toEqual(entries);
  });

  it("refuses a name given twice, a path out of the package, and a file inflating past its declared size", () => {
    const twice = writeZip([entries[0]!, entries[0]!], new Date());
    expect(() => readZip(twice)).toThrow(expect.objectContaining({ code: "ofd.zip_invalid" }));
    const escape = writeZip([{ name: "../evil.xml", data: new Uint8Array([1]) }], new Date());
    expect(() => readZip(escape)).toThrow(expect.objectContaining({ code: "ofd.zip_invalid" }));
    // A deflated megabyte of zeros whose headers claim 10 bytes: inflating stops at the claim.
    const bomb = Buffer.from(writeZip([{ name: "a.xml", data: new Uint8Array(1 << 20) }], new Date()));
    expect(deflateRawSync(new Uint8Array(1 << 20)).length).toBeLessThan(2000);
    const local = 0;
    const central = bomb.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    bomb.writeUInt32LE(10, local + 22);
    bomb.writeUInt32LE(10, central + 24);
    expect(() => readZip(bomb)).toThrow(expect.objectContaining({ code: "ofd.zip_invalid" }));
  });

  it("refuses archives whose entries add up past the limit, before inflating them", () => {
    const big = writeZip([{ name: "a.xml", data: new Uint8Array(4096) }], new Date());
    expect(() => readZip(big, { entries: 10, totalBytes: 1024 })).toThrow(
      expect.objectContaining({ code: "ofd.too_large" }),
    );
  });

  it("every ofd.* code in src/seal/ofd has a zh-CN and an en message", () => {
    const dir = fileURLToPath(new URL(".", import.meta.url));
    const used = new Set<string>();
    for (const f of [
      "zip.ts",
      "xml.ts",
      "package.ts",
      "signature-xml.ts",
      "verify.ts",
      "sign.ts",
      "render.ts",
      "render-png.ts",
      "describe.ts",
    ])
      for (const m of readFileSync(dir + f, "utf8").matchAll(/"(ofd\.[a-z_.A-Z]+)"/g)) used.add(m[1]!);
    expect(used.size).toBeGreaterThan(20);
    for (const code of used) {
      expect(translate(code, "zh-CN"), code).not.toBe(code);
      expect(translate(code, "en"), code).not.toBe(code);
    }
  });
});
