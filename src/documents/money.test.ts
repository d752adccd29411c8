import { describe, expect, it } from "vitest";
import {
  amountInChineseCapitals,
  formatAmount,
  formatTaxRate,
  formatUnitPrice,
  formatYuan,
  taxFromInclusiveTotal,
} from "./money.js";

const yuan = (s: string) => Math.round(Number(s) * 100);

describe("amountInChineseCapitals (正确填写票据和结算凭证的基本规定)", () => {
  it.each([
    ["0.00", "零元整"],
    ["0.01", "壹分"],
    ["0.05", "伍分"],
    ["0.10", "壹角"],
    ["0.12", "壹角贰分"],
    ["1.00", "壹元整"],
    ["1.05", "壹元零伍分"],
    ["10.00", "壹拾元整"],
    ["10.50", "壹拾元伍角"],
    ["15.00", "壹拾伍元整"],
    ["101.00", "壹佰零壹元整"],
    ["110.00", "壹佰壹拾元整"],
    ["600.00", "陆佰元整"],
    ["600.50", "陆佰元伍角"],
    ["1001.00", "壹仟零壹元整"],
    ["1010.00", "壹仟零壹拾元整"],
    ["1200.00", "壹仟贰佰元整"],
    ["1000.05", "壹仟元零伍分"],
    ["1409.50", "壹仟肆佰零玖元伍角"],
    ["1680.32", "壹仟陆佰捌拾元叁角贰分"],
    ["10010.00", "壹万零壹拾元整"],
    ["16409.02", "壹万陆仟肆佰零玖元零贰分"],
    ["100000.00", "壹拾万元整"],
    ["107000.53", "壹拾万柒仟元伍角叁分"],
    ["100700.00", "壹拾万零柒佰元整"],
    ["1000000.00", "壹佰万元整"],
    ["6007.14", "陆仟零柒元壹角肆分"],
    ["100000000.00", "壹亿元整"],
    ["100000700.00", "壹亿零柒佰元整"],
    ["100010000.00", "壹亿零壹万元整"],
    ["110000000.00", "壹亿壹仟万元整"],
    ["325.04", "叁佰贰拾伍元零肆分"],
    ["99999999.99", "玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"],
    ["1000000000000.00", "壹万亿元整"],
  ])("%s → %s", (amount, capitals) => {
    expect(amountInChineseCapitals(yuan(amount))).toBe(capitals);
  });

  it("refuses negative, fractional and unsafe amounts of fen", () => {
    expect(() => amountInChineseCapitals(-1)).toThrow(RangeError);
    expect(() => amountInChineseCapitals(1.5)).toThrow(RangeError);
    expect(() => amountInChineseCapitals(Number.MAX_SAFE_INTEGER + 1)).toThrow(RangeError);
  });
});

describe("taxFromInclusiveTotal", () => {
  it.each([
    // total fen, rate (basis points), tax fen
    [120000, 600, 6792], // 6792.45… rounds down
    [60000, 600, 3396], // 3396.22…
    [5000, 600, 283], // 283.01…
    [9, 600, 1], // 0.509… rounds up
    [8, 600, 0], // 0.452…
    [113000, 1300, 13000], // exact at 13%
    [10300, 300, 300], // exact at 3%
    [100000, 0, 0],
    [1, 10000, 1], // 0.5 exactly: half-up
    [3, 10000, 2], // 1.5 exactly: half-up
    [Number.MAX_SAFE_INTEGER, 600, 509841467249490], // exact at the limit (…490.06)
  ])("%i fen at %i bp → tax %i fen", (total, rate, tax) => {
    const split = taxFromInclusiveTotal(total, rate);
    expect(split.taxFen).toBe(tax);
    expect(split.netFen + split.taxFen).toBe(total);
    expect(split.totalFen).toBe(total);
  });

  it("refuses rates that are not whole basis points from 0 to 100%", () => {
    expect(() => taxFromInclusiveTotal(100, 6.5)).toThrow(RangeError);
    expect(() => taxFromInclusiveTotal(100, -1)).toThrow(RangeError);
    expect(() => taxFromInclusiveTotal(100, 10001)).toThrow(RangeError);
  });
});

describe("formatting", () => {
  it("formats yuan with separators and amounts with capitals", () => {
    expect(formatYuan(0)).toBe("0.00");
    expect(formatYuan(5)).toBe("0.05");
    expect(formatYuan(123456789)).toBe("1,234,567.89");
    expect(formatAmount(120000)).toBe("¥1,200.00（壹仟贰佰元整）");
  });

  it("formats tax rates", () => {
    expect(formatTaxRate(600)).toBe("6%");
    expect(formatTaxRate(1300)).toBe("13%");
    expect(formatTaxRate(150)).toBe("1.5%");
    expect(formatTaxRate(5)).toBe("0.05%");
    expect(formatTaxRate(0)).toBe("0%");
  });

  it("prints unit prices with up to 8 decimals, half-up, at least 2", () => {
    expect(formatUnitPrice(113208, 2)).toBe("566.04");
    expect(formatUnitPrice(100000, 3)).toBe("333.33333333");
    expect(formatUnitPrice(200000, 3)).toBe("666.66666667");
    expect(formatUnitPrice(100, 1)).toBe("1.00");
    expect(formatUnitPrice(1, 8)).toBe("0.00125");
  });
});
