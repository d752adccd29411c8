/** The lenient time reader: the forms seal makers write, and the ones refused. */
import { describe, expect, it } from "vitest";
import { TAG, readTlv, tlv } from "../pki/der.js";
import { readSealTime } from "./asn1.js";

const read = (tag: number, s: string): Date => {
  const der = tlv(tag, new TextEncoder().encode(s));
  return readSealTime(der, readTlv(der, 0), "t");
};

describe("readSealTime", () => {
  it.each([
    [TAG.UTC_TIME, "200422021807Z", "2020-04-22T02:18:07.000Z"],
    [TAG.UTC_TIME, "2004220218Z", "2020-04-22T02:18:00.000Z"],
    [TAG.UTC_TIME, "491231235959Z", "2049-12-31T23:59:59.000Z"],
    [TAG.UTC_TIME, "500101000000Z", "1950-01-01T00:00:00.000Z"],
    [TAG.UTC_TIME, "200422101807+0800", "2020-04-22T02:18:07.000Z"],
    [TAG.GENERALIZED_TIME, "20200422020900Z", "2020-04-22T02:09:00.000Z"],
    [TAG.GENERALIZED_TIME, "20200422020900.123456Z", "2020-04-22T02:09:00.123Z"],
    [TAG.GENERALIZED_TIME, "20200422100900,5+0800", "2020-04-22T02:09:00.500Z"],
    [TAG.GENERALIZED_TIME, "20200421210900-0500", "2020-04-22T02:09:00.000Z"],
    [TAG.GENERALIZED_TIME, "202004220209Z", "2020-04-22T02:09:00.000Z"],
  ])("tag 0x%s %s", (tag, text, iso) => {
    expect(read(tag, text).toISOString()).toBe(iso);
  });

  it.each([
    [TAG.GENERALIZED_TIME, "20200422020900"], // no zone: the maker's local time is a guess
    [TAG.GENERALIZED_TIME, "20200431020900Z"], // 31 April
    [TAG.GENERALIZED_TIME, "20201322020900Z"],
    [TAG.GENERALIZED_TIME, "20200422250900Z"],
    [TAG.UTC_TIME, "20200422020900Z"], // four-digit year in a UTCTime
    [TAG.GENERALIZED_TIME, "200422020900Z"],
    [TAG.OCTET_STRING, "20200422020900Z"],
  ])("refuses tag 0x%s %s", (tag, text) => {
    expect(() => read(tag, text)).toThrowError(expect.objectContaining({ code: "seal.structure_invalid" }));
  });
});
