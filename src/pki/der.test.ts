import { describe, expect, it } from "vitest";
import { TAG, decodeOid, oid, readOnly, readTime, readTlv, time, toHex, unsignedInteger } from "./der.js";
import { pemDecode, pemDecodeAll, pemEncode, toDer } from "./pem.js";

describe("DER writer and reader", () => {
  it("switches from UTCTime to GeneralizedTime at 2050 (RFC 5280 4.1.2.5)", () => {
    const last = time(new Date("2049-12-31T23:59:59Z"));
    const first = time(new Date("2050-01-01T00:00:00Z"));
    expect(last[0]).toBe(TAG.UTC_TIME);
    expect(Buffer.from(last.subarray(2)).toString()).toBe("491231235959Z");
    expect(first[0]).toBe(TAG.GENERALIZED_TIME);
    expect(Buffer.from(first.subarray(2)).toString()).toBe("20500101000000Z");
    expect(readTime(first, readTlv(first))).toEqual(new Date("2050-01-01T00:00:00Z"));
    expect(readTime(last, readTlv(last))).toEqual(new Date("2049-12-31T23:59:59Z"));
  });

  it("encodes OIDs with large arcs and reads them back", () => {
    for (const o of ["1.2.156.10197.1.501", "1.2.156.10260.4.1.4", "2.999.1.1", "1.3.6.1.5.5.7.48.1.2"]) {
      const der = oid(o);
      expect(decodeOid(der.subarray(2))).toBe(o);
    }
    expect(toHex(oid("1.2.156.10197.1.501"))).toBe("06082a811ccf55018375");
  });

  it("writes positive INTEGERs minimally, with a sign octet when needed", () => {
    expect(toHex(unsignedInteger(Uint8Array.of(0, 0, 0x7f)))).toBe("02017f");
    expect(toHex(unsignedInteger(Uint8Array.of(0x80)))).toBe("02020080");
    expect(toHex(unsignedInteger(new Uint8Array(0)))).toBe("020100");
  });

  it("refuses BER leniencies: non-minimal lengths, indefinite lengths, trailing data", () => {
    expect(() => readTlv(Uint8Array.of(0x30, 0x81, 0x01, 0x00))).toThrow();
    expect(() => readTlv(Uint8Array.of(0x30, 0x80, 0x00, 0x00))).toThrow();
    expect(() => readOnly(Uint8Array.of(0x30, 0x00, 0x00), TAG.SEQUENCE)).toThrow();
    expect(() => readTlv(Uint8Array.of(0x30, 0x05, 0x00))).toThrow();
  });
});

describe("PEM (RFC 7468)", () => {
  it("round-trips, wraps at 64 columns and finds blocks among other text", () => {
    const der = new Uint8Array(100).map((_, i) => i);
    const pem = pemEncode("CERTIFICATE", der);
    expect(pem.split("\n")[1]).toHaveLength(64);
    expect(pemDecode(`subject=CN = x\n${pem}`, "CERTIFICATE")).toEqual(der);
    expect(pemDecodeAll(pem + pemEncode("X509 CRL", der)).map((b) => b.label)).toEqual([
      "CERTIFICATE",
      "X509 CRL",
    ]);
    expect(toDer(der.slice().fill(0x30, 0, 1), "CERTIFICATE")[0]).toBe(0x30);
    expect(() => pemDecode(pem, "X509 CRL")).toThrow(expect.objectContaining({ code: "pki.pem_malformed" }));
    expect(() =>
      pemDecode("-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----", "CERTIFICATE"),
    ).toThrow();
  });
});
