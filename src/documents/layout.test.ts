import { beforeAll, describe, expect, it } from "vitest";
import { Sheet } from "./layout.js";

let sheet: Sheet;
const style = { size: 10 };

beforeAll(async () => {
  sheet = await Sheet.create({ title: "wrap" });
});

/** The width of n full-width characters at 10 pt, in mm (1 em each). */
const em = (n: number) => (n * 10 * 25.4) / 72;

describe("Sheet.wrap", () => {
  it("breaks Chinese between any two characters and never exceeds the width", () => {
    const text = "示例国际供应链管理与数字科技发展股份有限公司浦东新区张江高科技园区第一分公司";
    const lines = sheet.wrap(text, em(10) + 0.01, style);
    expect(lines.join("")).toBe(text);
    expect(lines.slice(0, -1).every((l) => [...l].length === 10)).toBe(true);
    for (const l of lines) expect(sheet.textWidth(l, style)).toBeLessThanOrEqual(em(10) + 0.01);
  });

  it("keeps a Latin word or number on one line and drops the space at the break", () => {
    const lines = sheet.wrap("统一社会信用代码 91310115591693856A 已核对", em(12), style);
    expect(lines).toEqual(["统一社会信用代码", "91310115591693856A 已", "核对"]);
    expect(lines.every((l) => l === l.trim())).toBe(true);
  });

  it("breaks a token wider than the line per character", () => {
    const account = "6222000011112222333344445555666677778888";
    const lines = sheet.wrap(account, em(8), style);
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.join("")).toBe(account);
  });

  it("does not start a line with closing punctuation nor end one with an opening bracket", () => {
    // 9 characters, then a comma in the 10th place of a 9-character line.
    const lines = sheet.wrap("一二三四五六七八九，十", em(9) + 0.01, style);
    expect(lines[1]?.startsWith("，")).toBe(false);
    expect(lines.join("")).toBe("一二三四五六七八九，十");
    const bracket = sheet.wrap("一二三四五六七八（九十）", em(9) + 0.01, style);
    expect(bracket[0]?.endsWith("（")).toBe(false);
    expect(bracket.join("")).toBe("一二三四五六七八（九十）");
  });

  it("keeps a paragraph's indent and breaks at newlines", () => {
    const lines = sheet.wrap("\u3000\u3000第一段\n第二段", em(20), style);
    expect(lines).toEqual(["\u3000\u3000第一段", "第二段"]);
  });
});
