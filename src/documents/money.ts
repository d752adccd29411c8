/**
 * Money as printed on forms and invoices. Amounts are integer fen everywhere; these functions only
 * format and split them, always in integer arithmetic.
 */

const digits = ["零", "壹", "贰", "叁", "肆", "伍", "陆", "柒", "捌", "玖"] as const;
const placeUnits = ["", "拾", "佰", "仟"] as const;
const groupUnits = ["", "万", "亿", "万亿"] as const;

function assertFen(fen: number, what = "amount"): void {
  if (!Number.isSafeInteger(fen) || fen < 0) {
    throw new RangeError(`${what} must be a non-negative safe integer of fen, not ${fen}`);
  }
}

/**
 * The amount in Chinese capitals as banks and invoices write it (正确填写票据和结算凭证的基本规定):
 * 壹贰叁肆伍陆柒捌玖 with 拾佰仟万亿 and 元角分; 整 after 元 when there are no 角 and 分, none after
 * 角 or 分; a 1 in the tens place keeps its 壹 (100000.00 → 壹拾万元整); one 零 stands for a run of
 * zeros inside the number (1001.00 → 壹仟零壹元整) and after 元 when 角 is zero but 分 is not
 * (1000.05 → 壹仟元零伍分). Where the rule allows either, no 零 is written before 角
 * (1680.32 → 壹仟陆佰捌拾元叁角贰分), as tax invoices print it.
 */
export function amountInChineseCapitals(fen: number): string {
  assertFen(fen);
  const yuan = Math.floor(fen / 100);
  const jiao = Math.floor(fen / 10) % 10;
  const cents = fen % 10;

  let out = yuan > 0 ? `${integerInCapitals(yuan)}元` : "";
  if (jiao === 0 && cents === 0) return out === "" ? "零元整" : `${out}整`;
  if (jiao > 0) out += `${digits[jiao] ?? ""}角`;
  else if (yuan > 0) out += "零";
  if (cents > 0) out += `${digits[cents] ?? ""}分`;
  return out;
}

/** A positive whole number in capitals, read in groups of four digits (万, 亿, 万亿). */
function integerInCapitals(n: number): string {
  const groups: number[] = [];
  for (let rest = n; rest > 0; rest = Math.floor(rest / 10000)) groups.push(rest % 10000);
  if (groups.length > groupUnits.length) throw new RangeError(`amount too large: ${n}`);

  let out = "";
  let zeroPending = false;
  for (let g = groups.length - 1; g >= 0; g--) {
    const group = groups[g] ?? 0;
    if (group === 0) {
      zeroPending = out !== "";
      continue;
    }
    // A group below 1000 after a higher group starts with zeros, read as one 零 (10,0700 → 壹拾万零柒佰).
    if (out !== "" && (zeroPending || group < 1000)) out += "零";
    out += groupInCapitals(group) + (groupUnits[g] ?? "");
    zeroPending = false;
  }
  return out;
}

/** 1 to 9999: zeros between digits read as one 零, trailing zeros silent. */
function groupInCapitals(group: number): string {
  let out = "";
  let zeroPending = false;
  for (let place = 3; place >= 0; place--) {
    const d = Math.floor(group / 10 ** place) % 10;
    if (d === 0) {
      zeroPending = out !== "";
      continue;
    }
    if (zeroPending) out += "零";
    out += `${digits[d] ?? ""}${placeUnits[place] ?? ""}`;
    zeroPending = false;
  }
  return out;
}

/** "1,200.00": yuan with two decimals and thousands separators, no currency sign. */
export function formatYuan(fen: number): string {
  assertFen(fen);
  const yuan = Math.floor(fen / 100)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${yuan}.${String(fen % 100).padStart(2, "0")}`;
}

/** "¥1,200.00（壹仟贰佰元整）": how the forms print an amount. */
export function formatAmount(fen: number): string {
  return `¥${formatYuan(fen)}（${amountInChineseCapitals(fen)}）`;
}

/**
 * A tax rate in basis points of a percent: 600 = 6%, 1300 = 13%, 150 = 1.5%. Integer, so that tax
 * stays exact.
 */
export type TaxRateBasisPoints = number;

/** "6%", "1.5%", "0%" (免税 is the caller's concern). */
export function formatTaxRate(rate: TaxRateBasisPoints): string {
  assertRate(rate);
  const whole = Math.floor(rate / 100);
  const frac = String(rate % 100)
    .padStart(2, "0")
    .replace(/0+$/, "");
  return frac === "" ? `${whole}%` : `${whole}.${frac}%`;
}

function assertRate(rate: number): void {
  if (!Number.isSafeInteger(rate) || rate < 0 || rate > 10000) {
    throw new RangeError(`tax rate must be whole basis points from 0 to 10000, not ${rate}`);
  }
}

export interface TaxSplit {
  /** The amount before tax (金额). */
  netFen: number;
  /** The tax (税额). */
  taxFen: number;
  /** The tax-inclusive total, as given (价税合计). */
  totalFen: number;
}

/**
 * Splits a tax-inclusive total: tax = total × rate / (1 + rate), rounded half-up to the fen, and
 * the net amount is what remains, so net + tax is always the total charged.
 * E.g. 120000 fen at 6% → tax 6792 (6792.45…), net 113208.
 */
export function taxFromInclusiveTotal(totalFen: number, rate: TaxRateBasisPoints): TaxSplit {
  assertFen(totalFen, "total");
  assertRate(rate);
  // round(a / b) half-up for non-negative integers: floor((2a + b) / 2b), in BigInt to stay exact.
  const a = BigInt(totalFen) * BigInt(rate);
  const b = BigInt(10000 + rate);
  const taxFen = Number((2n * a + b) / (2n * b));
  return { netFen: totalFen - taxFen, taxFen, totalFen };
}

/**
 * A unit price in yuan from an amount in fen and a quantity, as invoices print it: up to 8
 * decimals (half-up), trailing zeros trimmed but at least 2 kept. 113208 fen / 2 → "566.04";
 * 100000 fen / 3 → "333.33333333".
 */
export function formatUnitPrice(amountFen: number, quantity: number): string {
  assertFen(amountFen);
  if (!Number.isSafeInteger(quantity) || quantity <= 0) {
    throw new RangeError(`quantity must be a positive integer, not ${quantity}`);
  }
  // In units of 1e-8 yuan = 1e-6 fen.
  const scaled = (BigInt(amountFen) * 2_000_000n + BigInt(quantity)) / (2n * BigInt(quantity));
  const whole = scaled / 100_000_000n;
  const frac = (scaled % 100_000_000n).toString().padStart(8, "0").replace(/0+$/, "").padEnd(2, "0");
  return `${whole}.${frac}`;
}
