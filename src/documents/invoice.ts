/**
 * A VAT general invoice (增值税普通发票) rendered from an invoice record, laid out like the
 * printed form: buyer, items with amount before tax, rate and tax, the total in capitals and in
 * digits, seller, remarks. Prices in the record include tax, as the desk charges them; each line
 * is split into amount and tax with taxFromInclusiveTotal, and the totals are the lines' sums.
 *
 * This draws the document; issuing a legally valid invoice goes through the tax authority's
 * system, which assigns the number the record carries.
 */
import { rgb } from "pdf-lib";
import { z } from "zod";
import { DomainError } from "../domain/errors.js";
import { type Box, Sheet, type TextStyle } from "./layout.js";
import {
  amountInChineseCapitals,
  formatTaxRate,
  formatUnitPrice,
  formatYuan,
  taxFromInclusiveTotal,
} from "./money.js";

export {
  amountInChineseCapitals,
  formatTaxRate,
  formatYuan,
  taxFromInclusiveTotal,
  type TaxRateBasisPoints,
  type TaxSplit,
} from "./money.js";

const text = z.string().trim().min(1);
const optionalText = z
  .string()
  .trim()
  .nullish()
  .transform((s) => (s ? s : undefined));
const fen = z.int().min(0).max(Number.MAX_SAFE_INTEGER);

const partySchema = z.object({
  name: text,
  taxNumber: optionalText,
  address: optionalText,
  phone: optionalText,
  bank: optionalText,
  bankAccount: optionalText,
});

const itemSchema = z
  .object({
    name: text,
    spec: optionalText,
    unit: optionalText,
    quantity: z.int().min(1),
    /** Tax-inclusive price of one unit. */
    unitPriceFen: fen.optional(),
    /** Tax-inclusive amount of the line; unitPriceFen × quantity when absent. */
    amountFen: fen.optional(),
  })
  .superRefine((item, ctx) => {
    if (item.amountFen === undefined && item.unitPriceFen === undefined) {
      ctx.addIssue({ code: "custom", path: ["amountFen"], message: "amountFen or unitPriceFen is required" });
    }
    if (
      item.amountFen !== undefined &&
      item.unitPriceFen !== undefined &&
      item.amountFen !== item.unitPriceFen * item.quantity
    ) {
      ctx.addIssue({ code: "custom", path: ["amountFen"], message: "is not unitPriceFen × quantity" });
    }
  });

export const invoiceRecordSchema = z.object({
  /** 发票号码: 8 digits on older invoices, 20 on fully digital ones. */
  number: z.string().regex(/^\d{8,20}$/, "expected 8 to 20 digits"),
  /** 发票代码, on invoices that have one. */
  code: optionalText,
  /** 校验码, on invoices that have one. */
  checkCode: optionalText,
  issuedOn: z.iso.date(),
  seller: partySchema.extend({ taxNumber: text }),
  buyer: partySchema,
  items: z.array(itemSchema).min(1),
  /** Basis points of a percent: 600 = 6%. */
  taxRate: z.int().min(0).max(10000),
  remarks: optionalText,
  payee: optionalText,
  reviewer: optionalText,
  drawer: optionalText,
});
export type InvoiceRecord = z.input<typeof invoiceRecordSchema>;

export interface PricedLine {
  name: string;
  spec?: string | undefined;
  unit?: string | undefined;
  quantity: number;
  /** Unit price before tax, as printed: up to 8 decimals. */
  unitPrice: string;
  netFen: number;
  taxFen: number;
  totalFen: number;
}

export interface PricedInvoice {
  lines: PricedLine[];
  netFen: number;
  taxFen: number;
  totalFen: number;
  totalInCapitals: string;
}

/** Splits each tax-inclusive line into amount and tax, and adds them up. */
export function priceInvoice(input: InvoiceRecord): PricedInvoice {
  const record = parseInvoice(input);
  const lines = record.items.map((item): PricedLine => {
    const amount = item.amountFen ?? (item.unitPriceFen ?? 0) * item.quantity;
    const split = taxFromInclusiveTotal(amount, record.taxRate);
    return {
      name: item.name,
      spec: item.spec,
      unit: item.unit,
      quantity: item.quantity,
      unitPrice: formatUnitPrice(split.netFen, item.quantity),
      ...split,
    };
  });
  const sum = (f: (l: PricedLine) => number) => lines.reduce((a, l) => a + f(l), 0);
  const totalFen = sum((l) => l.totalFen);
  return {
    lines,
    netFen: sum((l) => l.netFen),
    taxFen: sum((l) => l.taxFen),
    totalFen,
    totalInCapitals: amountInChineseCapitals(totalFen),
  };
}

function parseInvoice(input: InvoiceRecord): z.output<typeof invoiceRecordSchema> {
  const result = invoiceRecordSchema.safeParse(input);
  if (!result.success) {
    const detail = result.error.issues
      .map((i) => `${i.path.map(String).join(".") || "(invoice)"}: ${i.message}`)
      .join("; ");
    throw new DomainError("documents.invoice_invalid", { detail });
  }
  return result.data;
}

/** The printed form's colour for rules and captions; the filled-in values are black. */
const formColour = rgb(0.55, 0.3, 0.14);
const page = { width: 240, height: 140 };

/** Renders the invoice on one page the size of the printed form (240 × 140 mm). */
export async function renderInvoice(input: InvoiceRecord): Promise<Uint8Array> {
  const record = parseInvoice(input);
  const priced = priceInvoice(record);
  const sheet = await Sheet.create(
    {
      title: `增值税普通发票 ${record.number}`,
      subject: `${record.seller.name} → ${record.buyer.name}`,
      keywords: [
        record.number,
        record.seller.taxNumber,
        ...(record.buyer.taxNumber ? [record.buyer.taxNumber] : []),
      ],
    },
    page,
    { top: 8, right: 10, bottom: 6, left: 10 },
  );
  const caption: TextStyle = { size: 8, color: formColour };
  const val: TextStyle = { size: 8.5 };
  const left = sheet.left;
  const width = sheet.contentWidth;
  const border = { stroke: formColour, lineWidth: 0.7 };

  // ---- Title and the invoice's identifiers ----
  const titleStyle: TextStyle = { size: 18, bold: true, color: formColour };
  sheet.text("增值税普通发票", left, 8, { ...titleStyle, align: "center", width });
  const titleWidth = sheet.textWidth("增值税普通发票", titleStyle) + 8;
  const tx = left + (width - titleWidth) / 2;
  sheet.line(tx, 17.5, tx + titleWidth, 17.5, { color: formColour, lineWidth: 0.7 });
  sheet.line(tx, 18.5, tx + titleWidth, 18.5, { color: formColour, lineWidth: 0.7 });

  const ids: [string, string][] = [
    ...(record.code ? ([["发票代码", record.code]] as [string, string][]) : []),
    ["发票号码", record.number],
    ["开票日期", chineseDate(record.issuedOn)],
    ...(record.checkCode ? ([["校验码", record.checkCode]] as [string, string][]) : []),
  ];
  const idX = left + width - 62;
  ids.forEach(([k, v], i) => {
    const y = 7 + i * 4.4;
    sheet.text(`${k}：`, idX, y, caption);
    sheet.text(v, idX + 15, y, { ...val, bold: k === "发票号码" });
  });

  // ---- Buyer ----
  const top = 26;
  const sideW = 7;
  const partyW = 122;
  const partyBox = (y: number, h: number): Box => ({ x: left + sideW, y, width: partyW, height: h });
  const restX = left + sideW + partyW + sideW;
  const restW = left + width - restX;
  const buyerH = 19;
  drawVerticalLabel(sheet, { x: left, y: top, width: sideW, height: buyerH }, "购买方", caption, border);
  drawParty(sheet, partyBox(top, buyerH), record.buyer, caption, val, border);
  drawVerticalLabel(
    sheet,
    { x: restX - sideW, y: top, width: sideW, height: buyerH },
    "密码区",
    caption,
    border,
  );
  sheet.rect({ x: restX, y: top, width: restW, height: buyerH }, border);

  // ---- Items ----
  const cols: [string, number, "left" | "center" | "right"][] = [
    ["货物或应税劳务、服务名称", 78, "left"],
    ["规格型号", 16, "center"],
    ["单位", 10, "center"],
    ["数量", 12, "right"],
    ["单价", 26, "right"],
    ["金额", 28, "right"],
    ["税率", 12, "center"],
  ];
  const taxW = width - cols.reduce((a, [, w]) => a + w, 0);
  cols.push(["税额", taxW, "right"]);
  const itemsTop = top + buyerH;
  const headH = 6;
  const itemsH = 52;
  sheet.rect({ x: left, y: itemsTop, width, height: itemsH }, border);
  let cx = left;
  for (const [name, w] of cols) {
    sheet.text(name, cx, itemsTop + 0.8, { ...caption, align: "center", width: w });
    cx += w;
  }
  const lh = sheet.lineHeight(val);
  let y = itemsTop + headH;
  const bodyBottom = itemsTop + itemsH - headH;
  const nameWidth = (cols[0]?.[1] ?? 60) - 3;
  const needed = priced.lines.reduce((h, l) => h + sheet.wrap(l.name, nameWidth, val).length * lh, 0);
  if (y + needed > bodyBottom) {
    throw new DomainError("documents.invoice_invalid", {
      detail: `${priced.lines.length} items do not fit on one invoice; split them across invoices`,
    });
  }
  for (const line of priced.lines) {
    const cells = [
      line.name,
      line.spec ?? "",
      line.unit ?? "",
      String(line.quantity),
      line.unitPrice,
      formatYuan(line.netFen),
      formatTaxRate(record.taxRate),
      formatYuan(line.taxFen),
    ];
    const nameLines = sheet.wrap(line.name, nameWidth, val);
    cx = left;
    cells.forEach((cell, i) => {
      const [, w, align] = cols[i] ?? ["", 10, "left"];
      if (i === 0) nameLines.forEach((l, k) => sheet.text(l, cx + 1.5, y + k * lh, val));
      else sheet.text(cell, cx + 1.5, y, { ...val, align, width: w - 3 });
      cx += w;
    });
    y += nameLines.length * lh;
  }
  // 合计
  const sumY = bodyBottom;
  sheet.line(left, sumY, left + width, sumY, { color: formColour, lineWidth: 0.4, dash: [1.5, 1.5] });
  sheet.text("合　　计", left, sumY + 0.8, { ...caption, align: "center", width: cols[0]?.[1] ?? 60 });
  const amountX = left + cols.slice(0, 5).reduce((a, [, w]) => a + w, 0);
  sheet.text(`¥${formatYuan(priced.netFen)}`, amountX + 1.5, sumY + 0.8, {
    ...val,
    align: "right",
    width: (cols[5]?.[1] ?? 30) - 3,
  });
  sheet.text(`¥${formatYuan(priced.taxFen)}`, left + width - taxW + 1.5, sumY + 0.8, {
    ...val,
    align: "right",
    width: taxW - 3,
  });

  // ---- Total in capitals and digits ----
  const totalTop = itemsTop + itemsH;
  const totalH = 8;
  sheet.rect({ x: left, y: totalTop, width, height: totalH }, border);
  const capLabelW = 36;
  sheet.line(left + capLabelW, totalTop, left + capLabelW, totalTop + totalH, {
    color: formColour,
    lineWidth: 0.7,
  });
  const midY = totalTop + (totalH - sheet.lineHeight(val)) / 2;
  sheet.text("价税合计（大写）", left, midY, { ...caption, align: "center", width: capLabelW });
  sheet.text(`⊗ ${priced.totalInCapitals}`, left + capLabelW + 3, midY, { ...val, bold: true });
  const small = `¥${formatYuan(priced.totalFen)}`;
  const smallW = sheet.textWidth(small, { ...val, bold: true });
  sheet.text(small, left + width - 4 - smallW, midY, { ...val, bold: true });
  sheet.text("（小写）", left + width - 4 - smallW - sheet.textWidth("（小写）", caption), midY, caption);

  // ---- Seller and remarks ----
  const sellerTop = totalTop + totalH;
  const sellerH = 19;
  drawVerticalLabel(
    sheet,
    { x: left, y: sellerTop, width: sideW, height: sellerH },
    "销售方",
    caption,
    border,
  );
  drawParty(sheet, partyBox(sellerTop, sellerH), record.seller, caption, val, border);
  drawVerticalLabel(
    sheet,
    { x: restX - sideW, y: sellerTop, width: sideW, height: sellerH },
    "备注",
    caption,
    border,
  );
  sheet.rect({ x: restX, y: sellerTop, width: restW, height: sellerH }, border);
  if (record.remarks) sheet.paragraph(record.remarks, restX + 2, sellerTop + 1.5, restW - 4, val);

  // ---- Signatures ----
  const signY = sellerTop + sellerH + 1.5;
  const signs: [string, string | undefined][] = [
    ["收款人", record.payee],
    ["复核", record.reviewer],
    ["开票人", record.drawer],
  ];
  signs.forEach(([k, v], i) => {
    const x = left + 4 + i * 48;
    sheet.text(`${k}：`, x, signY, caption);
    if (v) sheet.text(v, x + sheet.textWidth(`${k}：`, caption) + 1, signY, val);
  });
  sheet.text("销售方：（章）", left + 4 + 3 * 48, signY, caption);

  return sheet.save();
}

function chineseDate(iso: string): string {
  const [y, m, d] = iso.split("-");
  return `${y}年${m}月${d}日`;
}

function drawVerticalLabel(
  sheet: Sheet,
  box: Box,
  label: string,
  style: TextStyle,
  border: { stroke: ReturnType<typeof rgb>; lineWidth: number },
): void {
  sheet.rect(box, border);
  const chars = [...label];
  const lh = sheet.lineHeight(style);
  const top = box.y + (box.height - chars.length * lh) / 2;
  chars.forEach((ch, i) =>
    sheet.text(ch, box.x, top + i * lh, { ...style, align: "center", width: box.width }),
  );
}

function drawParty(
  sheet: Sheet,
  box: Box,
  party: z.output<typeof partySchema>,
  caption: TextStyle,
  val: TextStyle,
  border: { stroke: ReturnType<typeof rgb>; lineWidth: number },
): void {
  sheet.rect(box, border);
  const rows: [string, string][] = [
    ["名　　称", party.name],
    ["纳税人识别号", party.taxNumber ?? ""],
    ["地 址、电 话", [party.address, party.phone].filter(Boolean).join(" ")],
    ["开户行及账号", [party.bank, party.bankAccount].filter(Boolean).join(" ")],
  ];
  const labelW = 22;
  const lh = (box.height - 1.5) / rows.length;
  rows.forEach(([k, v], i) => {
    const y = box.y + 0.75 + i * lh + (lh - sheet.lineHeight(val)) / 2;
    sheet.text(k, box.x + 1.5, y, { ...caption, align: "left" });
    sheet.text("：", box.x + labelW - 1, y, caption);
    // One line per field: shrink a long value to fit rather than overflow the box.
    const room = box.width - labelW - 3;
    let size = val.size ?? 8.5;
    while (size > 6 && sheet.textWidth(v, { ...val, size }) > room) size -= 0.25;
    sheet.text(v, box.x + labelW + 1.5, y, { ...val, size, bold: i === 0 });
  });
}
