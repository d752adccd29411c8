import { readFileSync } from "node:fs";
import QRCode from "qrcode";
import { beforeAll, describe, expect, it } from "vitest";
import { DomainError } from "../domain/errors.js";
import { documentsMessages } from "../i18n/messages/documents.js";
import { formSources, renderCertificateApplicationForm, renderForm } from "./forms.js";
import { formQrCode } from "./form-drawing.js";
import { type FormTemplateId, formTemplateIds, isFormTemplateId } from "./form-data.js";
import { A4 } from "./layout.js";
import { demoProgrammes, sampleForms, sampleHandler, sampleOrganisation } from "./samples.js";
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

const mmToPt = 72 / 25.4;
const dpi = 50;
const forms = sampleForms();

/** What each sample must show: its title and the values pre-filled from its data. */
const expected: Record<FormTemplateId, { title: string; values: string[] }> = {
  "certificate-application": {
    title: "机构数字证书申请表",
    values: [
      sampleOrganisation.name,
      sampleOrganisation.uscc,
      sampleOrganisation.address.replace(/\s+/g, ""),
      sampleHandler.name,
      sampleHandler.idNumber,
      sampleHandler.mobile,
      "CD20260302000123",
      "新申请",
      "3年",
      "¥600.00（陆佰元整）",
      "supplier-0001",
      "示例省电子商务认证中心（演示）",
      "采购系统供应商数字证书",
    ],
  },
  "seal-application": {
    title: "电子印章申请表",
    values: [
      sampleOrganisation.name,
      sampleOrganisation.uscc,
      sampleHandler.name,
      sampleHandler.idNumber,
      sampleHandler.mobile,
      "CD20260302000124",
      "示例（上海）国际供应链管理与数字科技发展股份有限公司合同专用章",
      "公章",
      "合同专用章",
      "印模",
    ],
  },
  "enterprise-certificate-application": {
    title: "企业证书申请表",
    values: [
      "示例新能源发电有限公司",
      "91440101MA5CJQ4N59",
      "李示例",
      "13900000000",
      "CD20260302000125",
      "申请证书数量",
      "2个（电子钥匙）",
      "组合资费",
      "3年",
      "¥600.00/个",
      "¥1,200.00（壹仟贰佰元整）",
      "广东省广州市示例区示例大道100号示例大厦6楼证书管理部",
      "6200000000000000000",
      "示例证书代理服务有限公司（演示）",
      "示例数字认证有限公司（演示）",
    ],
  },
  "authorisation-letter": {
    title: "授权书",
    values: [
      "示例新能源发电有限公司",
      "91440101MA5CJQ4N59",
      "兹授权李示例（身份证号码：11010519491231002X）",
      "13900000000",
      "CD20260302000125",
      "被授权人签字",
      "特此授权",
    ],
  },
  "refund-application": {
    title: "退费申请表",
    values: [
      sampleOrganisation.name,
      sampleOrganisation.uscc,
      "CD20260310000201",
      "CD20260302000123",
      "¥600.00（陆佰元整）",
      "供应商资格调整",
      "示例银行上海张江支行（演示）",
      "6222000011112222333",
      "已收到电子钥匙",
      "钥匙随表寄回",
    ],
  },
};

interface Rendered {
  pdf: Uint8Array;
  text: string;
  words: Word[];
  image: GrayImage;
}

const rendered = new Map<FormTemplateId, Rendered>();
let blankPage: GrayImage;

beforeAll(async () => {
  for (const template of formTemplateIds) {
    const pdf = await renderForm(template, forms[template]);
    rendered.set(template, {
      pdf,
      text: pdfTextCompact(pdf),
      words: pdfWords(pdf),
      image: renderPage(pdf, { dpi }),
    });
  }
  const { PDFDocument } = await import("pdf-lib");
  const blank = await PDFDocument.create();
  blank.addPage([A4.width * mmToPt, A4.height * mmToPt]);
  blankPage = renderPage(await blank.save(), { dpi });
});

function get(template: FormTemplateId): Rendered {
  const r = rendered.get(template);
  if (!r) throw new Error(`${template} not rendered`);
  return r;
}

/** Every character of a word drawn in Chinese has ink under it, and the blank page has none there. */
function expectInked(r: Rendered, word: Word): void {
  const perChar = inkPerCharacter(r.image, word, dpi);
  expect(
    perChar.every((n) => n >= 3),
    `${word.text}: ${perChar.join(",")}`,
  ).toBe(true);
  expect(inkIn(blankPage, word, dpi)).toBe(0);
}

describe.each(formTemplateIds)("form %s", (template) => {
  it("pdftotext finds the title and the pre-filled values", () => {
    const { text } = get(template);
    const { title, values } = expected[template];
    expect(text).toContain(title);
    for (const v of values) expect(text, v).toContain(v.replace(/\s+/g, ""));
  });

  it("marks the official seal box and ends with the programme's instructions", () => {
    const { text } = get(template);
    expect(text).toMatch(/单位公章|授权单位（公章）/);
    expect(text).toContain("填写与提交须知");
    expect(text).toContain("咨询电话");
    for (const line of forms[template].material?.instructions ?? [])
      expect(text).toContain(line.replace(/\s+/g, ""));
  });

  it("fits on one A4 page, with every word inside the margins", () => {
    const r = get(template);
    expect(pdfPageCount(r.pdf)).toBe(1);
    const widthPt = A4.width * mmToPt;
    for (const w of r.words) {
      expect(w.xMin, w.text).toBeGreaterThanOrEqual(10 * mmToPt);
      expect(w.xMax, w.text).toBeLessThanOrEqual(widthPt - 8 * mmToPt);
    }
  });

  it("draws the Chinese glyphs: ink under every character of the title, the labels and the stamp box", () => {
    const r = get(template);
    expectInked(r, findWord(r.words, expected[template].title));
    expectInked(r, findWord(r.words, template === "authorisation-letter" ? "授权单位（公章）" : "单位公章"));
    const nameLine = r.words.find((w) => w.text.startsWith(forms[template].organisation.name.slice(0, 6)));
    if (!nameLine) throw new Error("organisation name not found");
    expectInked(r, nameLine);
  });

  it("prints the order number and draws it as a QR code that matches, module by module", () => {
    const r = get(template);
    const orderNumber = forms[template].order.number;
    expect(r.words.some((w) => w.text === orderNumber)).toBe(true);

    const { modules } = QRCode.create(orderNumber, { errorCorrectionLevel: "M" });
    const zoom = 300;
    const box = {
      x: formQrCode.x * mmToPt,
      y: formQrCode.y * mmToPt,
      width: formQrCode.size * mmToPt,
      height: formQrCode.size * mmToPt,
    };
    const image = renderPage(r.pdf, { dpi: zoom, crop: box });
    const cellPx = (formQrCode.size / (modules.size + 8)) * (zoom / 25.4);
    let mismatches = 0;
    let dark = 0;
    for (let row = 0; row < modules.size; row++) {
      for (let col = 0; col < modules.size; col++) {
        const x = Math.floor((4 + col + 0.5) * cellPx);
        const y = Math.floor((4 + row + 0.5) * cellPx);
        const isDark = (image.data[y * image.width + x] ?? 255) < 128;
        if (isDark) dark++;
        if (isDark !== Boolean(modules.get(row, col))) mismatches++;
      }
    }
    expect(mismatches).toBe(0);
    expect(dark).toBeGreaterThan(modules.size * modules.size * 0.3);
  });

  it("renders the same bytes for the same data (no clock in the document)", async () => {
    expect(await renderForm(template, forms[template])).toEqual(get(template).pdf);
  });
});

describe("certificate application form", () => {
  it("marks each handwritten field the programme lists, with 年 月 日 blanks for dates", () => {
    const { text, words } = get("certificate-application");
    for (const field of ["授权日期：", "经办人签字：", "申请日期："]) {
      expect(text).toContain(`${field}（手写）`);
      expectInked(get("certificate-application"), findWord(words, field));
    }
    expect(words.filter((w) => w.text === "年").length).toBeGreaterThanOrEqual(2);
  });

  it("tells to stamp with the physical seal and to send by courier, registered post refused (programme data)", () => {
    const { text } = get("certificate-application");
    expect(text).toContain("须加盖单位实物公章；电子章、盖章件的复印件及扫描打印件均无效。");
    expect(text).toContain("不接收挂号信");
    expect(text).toContain("示例省示例市示例区示例路1号");
  });

  it("wraps a very long organisation name inside its cell instead of overflowing", async () => {
    const name = "示例".repeat(10) + "国际供应链管理与数字科技发展股份有限公司".repeat(4);
    const pdf = await renderCertificateApplicationForm({
      ...forms["certificate-application"],
      organisation: { ...sampleOrganisation, name },
    });
    expect(pdfTextCompact(pdf)).toContain(name);
    const words = pdfWords(pdf);
    const lines = words.filter((w) => name.includes(w.text) && w.text.length > 5);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const w of lines) expect(w.xMax).toBeLessThanOrEqual((A4.width - 15) * mmToPt);
    expect(pdfPageCount(pdf)).toBe(1);
  });

  it("prints a change without a term as keeping the original validity", async () => {
    const data = forms["certificate-application"];
    const pdf = await renderCertificateApplicationForm({
      ...data,
      order: { ...data.order, serviceName: "变更", years: undefined, validUntil: "2027-05-01", totalFen: 0 },
      seal: { requested: false },
    });
    const text = pdfTextCompact(pdf);
    expect(text).toContain("保持原有效期（至2027-05-01）");
    expect(text).toContain("免费（¥0.00）");
    expect(text).toContain("不申请");
  });
});

describe("seal application form", () => {
  it("ticks the chosen seal type and leaves a dashed box for the imprint", () => {
    const r = get("seal-application");
    const official = findWord(r.words, "公章");
    const contract = findWord(r.words, "合同专用章");
    // The tick box left of each option: the chosen one holds more ink than an empty frame.
    const boxOf = (w: Word) => ({ xMin: w.xMin - 5 * mmToPt, xMax: w.xMin - 1, yMin: w.yMin, yMax: w.yMax });
    expect(inkIn(r.image, boxOf(contract), dpi)).toBeGreaterThan(inkIn(r.image, boxOf(official), dpi));
    expect(r.text).toContain("请在左侧框内加盖要制作为电子印章的实物合同专用章（只接受公章或合同专用章）");
  });
});

describe("refund application form", () => {
  it("leaves both key boxes empty when it is not known whether the key was received", async () => {
    const data = forms["refund-application"];
    const pdf = await renderForm("refund-application", {
      ...data,
      refund: { ...data.refund, keyReceived: undefined, keyReturned: undefined },
    });
    const image = renderPage(pdf, { dpi });
    const words = pdfWords(pdf);
    const yes = words.filter((w) => w.text === "是");
    const ticked = get("refund-application");
    const yesTicked = ticked.words.filter((w) => w.text === "是");
    expect(yes.length).toBe(2);
    const boxOf = (w: Word) => ({ xMin: w.xMin - 5 * mmToPt, xMax: w.xMin - 1, yMin: w.yMin, yMax: w.yMax });
    yes.forEach((w, i) => {
      const t = yesTicked[i];
      if (!t) throw new Error("missing word");
      expect(inkIn(image, boxOf(w), dpi)).toBeLessThan(inkIn(ticked.image, boxOf(t), dpi));
    });
  });
});

describe("renderForm", () => {
  it("refuses a template id no form has, with a coded error", async () => {
    await expect(renderForm("business-licence", {})).rejects.toMatchObject({
      code: "documents.unknown_template",
      params: { template: "business-licence" },
    });
  });

  it("refuses data made for another template rather than printing a half-filled form", async () => {
    const err = await renderForm("seal-application", forms["refund-application"]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe("documents.form_data_invalid");
    expect(String((err as DomainError).params.detail)).toContain("seal");
  });

  it("knows every template id the demo programmes name", () => {
    const source = readFileSync(new URL("../../data/programmes/demo.yaml", import.meta.url), "utf8");
    const ids = [...source.matchAll(/template: \{ id: ([a-z-]+)/g)].map((m) => m[1] ?? "");
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) expect(isFormTemplateId(id), id).toBe(true);
    const { procurement, powerTrading } = demoProgrammes();
    for (const p of [procurement, powerTrading]) {
      for (const service of Object.values(p.services)) {
        for (const m of service?.materials ?? [])
          if (m.template) expect(isFormTemplateId(m.template.id)).toBe(true);
      }
    }
  });
});

describe("formSources", () => {
  const { procurement, powerTrading } = demoProgrammes();

  it("takes the handwritten fields, the title and the instructions from programme A", () => {
    const { programme, material } = formSources(procurement, "new", "certificate-application");
    expect(programme).toMatchObject({
      name: "采购系统供应商数字证书",
      caName: "示例省电子商务认证中心（演示）",
      platformName: "示例集团采购管理系统（演示）",
      contact: { phone: "400-000-0001" },
    });
    expect(material.title).toBe("机构数字证书申请表");
    expect(material.handwrittenFields).toEqual(["授权日期", "经办人签字", "申请日期"]);
    const text = (material.instructions ?? []).join("\n");
    expect(text).toContain("手写授权日期、经办人签字和申请日期");
    expect(text).toContain("电子章、盖章件的复印件及扫描打印件均无效");
    expect(text).toContain("不接收挂号信");
    expect(text).toContain("快递费用由申请单位承担");
  });

  it("adds the USB key to send back for a change and the refund deadline for a refund", () => {
    const change = formSources(procurement, "change", "certificate-application").material.instructions ?? [];
    expect(change).toContain("原证书电子钥匙：随纸质材料一并寄回。");
    const refund = formSources(procurement, "refund", "refund-application").material;
    expect(refund.handwrittenFields).toEqual(["签字"]);
    expect(refund.instructions).toContain("收到正确材料后约 15 个工作日内退款。");
    expect(refund.instructions).toContain("电子钥匙：已收到电子钥匙的，须一并寄回。");
  });

  it("names the agent and the collection account of programme B, and its upload-only submission", () => {
    const { programme, material } = formSources(powerTrading, "new", "enterprise-certificate-application");
    expect(programme.agentName).toBe("示例证书代理服务有限公司（演示）");
    expect(programme.payment?.account.accountNumber).toBe("6200 0000 0000 0000 000");
    expect(material.handwrittenFields).toEqual([]);
    expect(material.instructions).toContain(
      "盖章后扫描或拍照，提交给示例证书代理服务有限公司（演示）（PDF、JPG、PNG 格式）。",
    );
  });

  it("refuses a template the service does not use", () => {
    expect(() => formSources(powerTrading, "new", "refund-application")).toThrow(
      expect.objectContaining({ code: "documents.template_not_in_service" }),
    );
  });
});

describe("documents messages", () => {
  it("has Chinese and English text for every code the documents throw", () => {
    const codes = new Set<string>();
    for (const file of ["forms.ts", "invoice.ts"]) {
      const source = readFileSync(new URL(`./${file}`, import.meta.url), "utf8");
      for (const m of source.matchAll(/DomainError\("([a-z_.]+)"/g)) codes.add(m[1] ?? "");
    }
    expect(codes.size).toBeGreaterThanOrEqual(3);
    for (const code of codes) {
      expect(documentsMessages[code]?.["zh-CN"], code).toBeTruthy();
      expect(documentsMessages[code]?.en, code).toBeTruthy();
    }
  });
});
