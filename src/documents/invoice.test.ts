import { beforeAll, describe, expect, it } from "vitest";
import { amountInChineseCapitals, type InvoiceRecord, priceInvoice, renderInvoice } from "./invoice.js";
import { sampleInvoice } from "./samples.js";
import {
  findWord,
  type GrayImage,
  inkIn,
  inkPerCharacter,
  pdfPageCount,
  pdfTextCompact,
  pdfWords,
  renderPage,
  type Word,
} from "../../test/support/documents.js";

const dpi = 50;

describe("priceInvoice", () => {
  it("splits each tax-inclusive line at the rate and adds the lines up", () => {
    const priced = priceInvoice(sampleInvoice);
    expect(priced.lines.map((l) => [l.netFen, l.taxFen, l.totalFen, l.unitPrice])).toEqual([
      [113208, 6792, 120000, "566.04"],
      [4717, 283, 5000, "47.17"],
    ]);
    expect(priced).toMatchObject({ netFen: 117925, taxFen: 7075, totalFen: 125000 });
    expect(priced.totalInCapitals).toBe("壹仟贰佰伍拾元整");
  });

  it("takes the amount from unit price × quantity when the line gives no amount", () => {
    const priced = priceInvoice({
      ...sampleInvoice,
      items: [{ name: "*信息技术服务*数字证书服务费", quantity: 3, unitPriceFen: 20000 }],
      taxRate: 0,
    });
    expect(priced).toMatchObject({ netFen: 60000, taxFen: 0, totalFen: 60000 });
  });

  it("refuses a line whose amount is not unit price × quantity, and an empty invoice", () => {
    expect(() =>
      priceInvoice({
        ...sampleInvoice,
        items: [{ name: "x", quantity: 2, unitPriceFen: 100, amountFen: 300 }],
      }),
    ).toThrow(expect.objectContaining({ code: "documents.invoice_invalid" }));
    expect(() => priceInvoice({ ...sampleInvoice, items: [] })).toThrow(
      expect.objectContaining({ code: "documents.invoice_invalid" }),
    );
  });
});

describe("renderInvoice", () => {
  let pdf: Uint8Array;
  let text: string;
  let words: Word[];
  let image: GrayImage;

  beforeAll(async () => {
    pdf = await renderInvoice(sampleInvoice);
    text = pdfTextCompact(pdf);
    words = pdfWords(pdf);
    image = renderPage(pdf, { dpi });
  });

  it("pdftotext finds the parties, the number, the date and every amount", () => {
    for (const v of [
      "增值税普通发票",
      "26442000000012345678",
      "2026年03月06日",
      "示例新能源发电有限公司",
      "91440101MA5CJQ4N59",
      "示例证书代理服务有限公司（演示）",
      "91310110666007217T",
      "6200000000000000000",
      "*信息技术服务*数字证书服务费（组合资费3年）",
      "566.04",
      "1,132.08",
      "67.92",
      "47.17",
      "2.83",
      "6%",
      "¥1,179.25",
      "¥70.75",
      "价税合计（大写）",
      "壹仟贰佰伍拾元整",
      "¥1,250.00",
      "订单号CD20260302000125",
      "赵示例",
    ]) {
      expect(text, v).toContain(v);
    }
  });

  it("is one page of the printed form's size, 240 × 140 mm", () => {
    expect(pdfPageCount(pdf)).toBe(1);
    // pdftoppm rounds the pixel size up.
    expect(image.width).toBe(Math.ceil((240 / 25.4) * dpi));
    expect(image.height).toBe(Math.ceil((140 / 25.4) * dpi));
  });

  it("draws the Chinese glyphs: ink under every character of the title and the total in capitals", () => {
    for (const w of [findWord(words, "增值税普通发票"), findWord(words, "壹仟贰佰伍拾元整")]) {
      const perChar = inkPerCharacter(image, w, dpi);
      expect(
        perChar.every((n) => n >= 3),
        `${w.text}: ${perChar.join(",")}`,
      ).toBe(true);
    }
    // The empty 密码区 stays white.
    const cipher = findWord(words, "密");
    expect(
      inkIn(
        image,
        { xMin: cipher.xMax + 10, xMax: cipher.xMax + 100, yMin: cipher.yMin, yMax: cipher.yMax },
        dpi,
      ),
    ).toBe(0);
  });

  it("prints capitals for any total, at any rate", async () => {
    const record: InvoiceRecord = {
      ...sampleInvoice,
      items: [{ name: "*信息技术服务*数字证书服务费", quantity: 1, amountFen: 100005 }],
      taxRate: 1300,
    };
    const t = pdfTextCompact(await renderInvoice(record));
    expect(t).toContain(amountInChineseCapitals(100005));
    expect(t).toContain("壹仟元零伍分");
    expect(t).toContain("13%");
    expect(t).toContain("115.05"); // 100005 × 13 / 113 = 11504.87… → 115.05
  });

  it("refuses more lines than the form holds", async () => {
    const items = Array.from({ length: 20 }, (_, i) => ({
      name: `*信息技术服务*服务费 ${i + 1}`,
      quantity: 1,
      amountFen: 100,
    }));
    await expect(renderInvoice({ ...sampleInvoice, items })).rejects.toMatchObject({
      code: "documents.invoice_invalid",
    });
  });
});
