/**
 * The parts every printed form shares: header with QR code, instructions, page footers, choices,
 * signature rows with handwriting blanks and stamp boxes.
 */
import type { z } from "zod";
import { A4, type Box, type Cell, colours, Sheet } from "./layout.js";
import { formatAmount } from "./money.js";
import type { programmeSchema, materialSchema, organisationSchema } from "./form-data.js";
import type { FormTemplateId } from "./form-data.js";

export const defaultTitles: Record<FormTemplateId, string> = {
  "certificate-application": "机构数字证书申请表",
  "seal-application": "电子印章申请表",
  "enterprise-certificate-application": "企业证书申请表",
  "authorisation-letter": "授权书",
  "refund-application": "退费申请表",
};

// ---------------------------------------------------------------------------------------------
// Parts every form shares
// ---------------------------------------------------------------------------------------------

export interface CommonData {
  programme: z.output<typeof programmeSchema>;
  material: z.output<typeof materialSchema>;
  organisation: z.output<typeof organisationSchema>;
  order: { number: string; serviceName?: string | undefined };
}

export function amountText(totalFen: number): string {
  return totalFen === 0 ? "免费（¥0.00）" : formatAmount(totalFen);
}

/** Header, body, instructions and page footers around a form's own tables. */
export async function drawForm(
  template: FormTemplateId,
  data: CommonData,
  body: (sheet: Sheet) => void,
  extraInstructions: string[] = [],
): Promise<Uint8Array> {
  const title = data.material.title ?? defaultTitles[template];
  const orderNumber = data.order.number;
  const sheet = await Sheet.create({
    title: `${title} ${orderNumber}`,
    subject: `${data.programme.name} · ${data.organisation.name}`,
    keywords: [orderNumber, data.organisation.uscc, template],
  });
  drawHeader(sheet, data, title);
  body(sheet);
  drawInstructions(sheet, data, extraInstructions);
  drawPageFooters(sheet, orderNumber);
  return sheet.save();
}

/**
 * Where the order number's QR code sits on every form, in mm from the page's top-left corner,
 * quiet zone included: the top-right corner, reaching into the margins.
 */
export const formQrCode = { x: A4.width - 15 - 24 + 3, y: 8, size: 24 } as const;

export function drawHeader(sheet: Sheet, data: CommonData, title: string): void {
  const { programme } = data;
  const { x: qrX, y: top, size: qrSize } = formQrCode;
  sheet.qr(data.order.number, qrX, top, qrSize);
  sheet.text(data.order.number, qrX, top + qrSize - 2.5, {
    size: 7.5,
    align: "center",
    width: qrSize,
  });

  const lines = [
    `业务平台：${programme.platformName ?? programme.name}`,
    `证书颁发机构（CA）：${programme.caName}`,
    ...(programme.agentName ? [`代理机构：${programme.agentName}`] : []),
  ];
  const headWidth = qrX - sheet.left - 4;
  let y = sheet.margins.top;
  y += sheet.paragraph(programme.name, sheet.left, y, headWidth, { size: 10, bold: true });
  for (const line of lines)
    y += sheet.paragraph(line, sheet.left, y, headWidth, { size: 8.5, color: colours.muted });

  sheet.y = Math.max(y, top + qrSize) + 1;
  const titleStyle = { size: 18, bold: true };
  sheet.text(title, sheet.left, sheet.y, { ...titleStyle, align: "center", width: sheet.contentWidth });
  sheet.y += sheet.lineHeight(titleStyle) + 1;

  const meta = { size: 9.5 };
  sheet.text(`订单号：${data.order.number}`, sheet.left, sheet.y, { ...meta, bold: true });
  if (data.order.serviceName) {
    sheet.text(`业务：${data.order.serviceName}`, sheet.left, sheet.y, {
      ...meta,
      align: "right",
      width: sheet.contentWidth,
    });
  }
  sheet.y += sheet.lineHeight(meta) + 1;
}

export function drawInstructions(sheet: Sheet, data: CommonData, extra: string[]): void {
  const items = [...data.material.instructions, ...extra];
  if (data.material.handwrittenFields.length > 0) {
    items.push(`标有“手写”的${data.material.handwrittenFields.join("、")}须手写，不得打印。`);
  }
  if (data.programme.contact) {
    const { phone, hours } = data.programme.contact;
    items.push(`咨询电话：${phone}${hours ? `，${hours}` : ""}。`);
  }
  const style = { size: 8.5, leading: 1.4 };
  sheet.y += 2.5;
  sheet.ensureSpace(sheet.lineHeight(style) * 3);
  sheet.flow("填写与提交须知", { size: 9.5, bold: true, leading: 1.4 });
  items.forEach((item, i) => sheet.flow(item, { ...style, hanging: `${i + 1}. ` }));
}

export function drawPageFooters(sheet: Sheet, orderNumber: string): void {
  const total = sheet.pages.length;
  sheet.pages.forEach((page, i) => {
    sheet.page = page;
    const y = sheet.size.height - sheet.margins.bottom + 5;
    sheet.line(sheet.left, y, sheet.right, y, { color: colours.faint, lineWidth: 0.4 });
    const style = { size: 7.5, color: colours.muted };
    sheet.text(`订单号 ${orderNumber}`, sheet.left, y + 1, style);
    sheet.text("本表由系统按订单预填，预填内容请勿涂改；信息有误请在线修改后重新下载", sheet.left, y + 1, {
      ...style,
      align: "center",
      width: sheet.contentWidth,
    });
    sheet.text(`第 ${i + 1} 页，共 ${total} 页`, sheet.left, y + 1, {
      ...style,
      align: "right",
      width: sheet.contentWidth,
    });
  });
}

/** A row of tick boxes with their labels. */
export function choices(options: { text: string; checked: boolean }[], span = 1): Cell {
  return {
    kind: "custom",
    span,
    height: 8.5,
    draw: (sheet, box) => {
      const size = 3.6;
      let x = box.x + 3;
      const top = box.y + (box.height - size) / 2;
      for (const option of options) {
        sheet.checkbox(x, top, size, option.checked);
        x += size + 1.5;
        const style = { size: 10 };
        sheet.text(option.text, x, box.y + (box.height - sheet.lineHeight(style)) / 2, style);
        x += sheet.textWidth(option.text, style) + 7;
      }
    },
  };
}

/**
 * The declaration with the handwritten blanks under it on the left, the stamp box on the right.
 * Date fields get 年 月 日 blanks; the stamp box carries its own date blank when the form has no
 * handwritten date.
 */
export function signatureRow(declaration: string, fields: string[], stampLabel: string): Cell[] {
  const hasDate = fields.some(isDateField);
  const fieldGap = 12;
  const pad = 3;
  const style = { size: 10 };
  const declarationHeight = (sheet: Sheet, width: number) =>
    sheet.wrap(declaration, width - 2 * pad, style).length * sheet.lineHeight(style);
  return [
    {
      kind: "custom",
      span: 3,
      height: (sheet, width) =>
        Math.max(stampCellHeight, pad + declarationHeight(sheet, width) + fields.length * fieldGap + 2),
      draw: (sheet, box) => {
        const used = sheet.paragraph(declaration, box.x + pad, box.y + pad, box.width - 2 * pad, style);
        const room = box.y + box.height - (box.y + pad + used);
        const gap = fields.length > 0 ? Math.min(16, room / fields.length) : 0;
        fields.forEach((field, i) =>
          drawHandwritingBlank(sheet, box, field, box.y + pad + used + (i + 0.5) * gap - 3),
        );
      },
    },
    {
      kind: "custom",
      height: stampCellHeight,
      draw: (sheet, box) => drawStampBox(sheet, box, stampLabel, !hasDate),
    },
  ];
}

export const stampCellHeight = 56;

export function isDateField(name: string): boolean {
  return name.endsWith("日期");
}

export function drawHandwritingBlank(sheet: Sheet, box: Box, field: string, top: number): void {
  const style = { size: 10.5, bold: true };
  const hint = { size: 8, color: colours.handwriting };
  let x = box.x + 4;
  sheet.text(`${field}：`, x, top, style);
  x += sheet.textWidth(`${field}：`, style);
  sheet.text("（手写）", x, top + 0.6, hint);
  x += sheet.textWidth("（手写）", hint) + 3;
  const baseline = top + sheet.lineHeight(style) - 0.6;
  const end = box.x + box.width - 6;
  const rule = { color: colours.ink, lineWidth: 0.5 };
  if (!isDateField(field)) {
    sheet.line(x, baseline, end, baseline, rule);
    return;
  }
  // ____ 年 __ 月 __ 日, right-aligned in the blank.
  const parts: [number, string][] = [
    [22, "年"],
    [13, "月"],
    [13, "日"],
  ];
  const unit = sheet.textWidth("年", style);
  const width = parts.reduce((w, [blank]) => w + blank + unit + 1, 0);
  let px = Math.max(x, end - width);
  for (const [blank, char] of parts) {
    sheet.line(px, baseline, px + blank, baseline, rule);
    px += blank + 0.5;
    sheet.text(char, px, top, { size: 10.5 });
    px += unit + 0.5;
  }
}

export function drawStampBox(sheet: Sheet, box: Box, stampLabel: string, withDate: boolean): void {
  const labelStyle = { size: 10.5, bold: true };
  sheet.text(stampLabel, box.x, box.y + 1.5, { ...labelStyle, align: "center", width: box.width });
  const size = 40;
  const x = box.x + (box.width - size) / 2;
  const y = box.y + 1.5 + sheet.lineHeight(labelStyle) + 0.5;
  sheet.rect({ x, y, width: size, height: size }, { stroke: colours.ink, lineWidth: 0.8, dash: [4, 3] });
  sheet.paragraph("请加盖单位实物公章", x + 4, y + size / 2 - 2.5, size - 8, {
    size: 8,
    color: colours.faint,
    align: "center",
  });
  if (withDate) {
    sheet.text("年　　月　　日", box.x, y + size + 1.5, {
      size: 10,
      align: "right",
      width: box.width - 6,
    });
  }
}
