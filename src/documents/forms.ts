/**
 * Pre-filled A4 forms in Simplified Chinese, rendered from plain data: the caller passes what the
 * order, the organisation, the handler and the programme say (no database here). Every form
 * prints the order number in text and as a QR code, marks the blanks to be written by hand, has
 * a box for the organisation's official seal, and ends with the programme's instructions.
 *
 * `formSources()` derives the programme part (names, title, handwritten fields, instructions)
 * from a validated programme definition; `renderForm()` dispatches on the template id that
 * programme materials name.
 */
import { z } from "zod";
import { DomainError } from "../domain/errors.js";
import type { Programme, SealType, ServiceCode } from "../domain/programme.js";
import { A4, type Box, type Cell, colours, label, section, Sheet, value } from "./layout.js";
import { formatAmount, formatYuan } from "./money.js";

// ---------------------------------------------------------------------------------------------
// Data
// ---------------------------------------------------------------------------------------------

export const formTemplateIds = [
  "certificate-application",
  "seal-application",
  "enterprise-certificate-application",
  "authorisation-letter",
  "refund-application",
] as const;
export type FormTemplateId = (typeof formTemplateIds)[number];

export function isFormTemplateId(id: string): id is FormTemplateId {
  return (formTemplateIds as readonly string[]).includes(id);
}

const text = z.string().trim().min(1);
const optionalText = z
  .string()
  .trim()
  .nullish()
  .transform((s) => (s ? s : undefined));
const fen = z.int().min(0);
const sealType = z.enum(["official", "contract"]);

/** Who runs the programme, as printed in the header and the footer. */
const programmeSchema = z.object({
  name: text,
  caName: text,
  platformName: optionalText,
  agentName: optionalText,
  contact: z.object({ phone: text, hours: optionalText }).optional(),
  /** Bank transfer details printed on forms of programmes paid by transfer. */
  payment: z
    .object({
      account: z.object({ bank: text, accountName: text, accountNumber: text }),
      instructions: optionalText,
    })
    .optional(),
});
export type FormProgramme = z.input<typeof programmeSchema>;

/** What the programme says about this material. */
const materialSchema = z.object({
  /** The material's name, printed as the title; each form has its usual title otherwise. */
  title: optionalText,
  /** Fields written by hand, by their Chinese names (授权日期, 经办人签字, …). */
  handwrittenFields: z.array(text).default([]),
  /** Numbered instructions printed at the end of the form. */
  instructions: z.array(text).default([]),
  /** The seal types whose imprint the seal form accepts. */
  sealTypes: z.array(sealType).optional(),
});
export type FormMaterial = z.input<typeof materialSchema>;

const organisationSchema = z.object({ name: text, uscc: text, address: optionalText });
const personSchema = z.object({
  name: text,
  idNumber: optionalText,
  mobile: optionalText,
  email: optionalText,
});
const bankAccountSchema = z.object({ accountName: text, bank: text, accountNumber: text });

const common = {
  programme: programmeSchema,
  material: materialSchema.prefault({}),
  organisation: organisationSchema,
  handler: personSchema,
};

export const certificateApplicationSchema = z.object({
  ...common,
  order: z.object({
    number: text,
    serviceName: text,
    /** The term bought; absent for a change or reissue, which keep the original validity. */
    years: z.int().min(1).optional(),
    /** The end of the original validity (change, reissue), as printed: 2027-05-01. */
    validUntil: optionalText,
    totalFen: fen,
    platformAccount: optionalText,
  }),
  seal: z
    .object({ requested: z.boolean(), name: optionalText, type: sealType.optional() })
    .prefault({ requested: false }),
});
export type CertificateApplicationData = z.input<typeof certificateApplicationSchema>;

export const sealApplicationSchema = z.object({
  ...common,
  order: z.object({ number: text, serviceName: text, platformAccount: optionalText }),
  seal: z.object({ name: text, type: sealType }),
});
export type SealApplicationData = z.input<typeof sealApplicationSchema>;

export const enterpriseCertificateApplicationSchema = z.object({
  ...common,
  order: z.object({
    number: text,
    serviceName: optionalText,
    /** The number of certificates (keys) applied for. */
    keys: z.int().min(1),
    planName: text,
    years: z.int().min(1),
    unitPriceFen: fen.optional(),
    totalFen: fen,
  }),
  /** The person the agent contacts about the application. */
  contact: personSchema,
  mailingAddress: z.object({ recipient: text, phone: text, address: text, postcode: optionalText }),
});
export type EnterpriseCertificateApplicationData = z.input<typeof enterpriseCertificateApplicationSchema>;

export const authorisationLetterSchema = z.object({
  ...common,
  order: z.object({ number: text, serviceName: optionalText }),
  /** What the handler is authorised to do; a default covering applications is printed otherwise. */
  scope: optionalText,
});
export type AuthorisationLetterData = z.input<typeof authorisationLetterSchema>;

export const refundApplicationSchema = z.object({
  ...common,
  /** The refund's own order. */
  order: z.object({ number: text, serviceName: optionalText }),
  refund: z.object({
    /** The order whose payment is refunded. */
    orderNumber: text,
    serviceName: optionalText,
    paidFen: fen.optional(),
    amountFen: fen,
    reason: text,
    bankAccount: bankAccountSchema,
    /** Whether the key was delivered; unknown leaves both boxes to tick by hand. */
    keyReceived: z.boolean().optional(),
    /** Whether the key is returned with the form. */
    keyReturned: z.boolean().optional(),
  }),
});
export type RefundApplicationData = z.input<typeof refundApplicationSchema>;

const schemas = {
  "certificate-application": certificateApplicationSchema,
  "seal-application": sealApplicationSchema,
  "enterprise-certificate-application": enterpriseCertificateApplicationSchema,
  "authorisation-letter": authorisationLetterSchema,
  "refund-application": refundApplicationSchema,
} as const satisfies Record<FormTemplateId, z.ZodType>;

export interface FormDataByTemplate {
  "certificate-application": CertificateApplicationData;
  "seal-application": SealApplicationData;
  "enterprise-certificate-application": EnterpriseCertificateApplicationData;
  "authorisation-letter": AuthorisationLetterData;
  "refund-application": RefundApplicationData;
}

function parse<T extends FormTemplateId>(template: T, data: unknown): z.output<(typeof schemas)[T]> {
  const result = schemas[template].safeParse(data);
  if (!result.success) {
    const detail = result.error.issues
      .map((i) => `${i.path.map(String).join(".") || "(data)"}: ${i.message}`)
      .join("; ");
    throw new DomainError("documents.form_data_invalid", { template, detail });
  }
  return result.data as z.output<(typeof schemas)[T]>;
}

// ---------------------------------------------------------------------------------------------
// The programme part, from a programme definition
// ---------------------------------------------------------------------------------------------

/** U+3000, the full-width space that Chinese forms use to space and indent. */
const ideographicSpace = "\u3000";

export const sealTypeNames: Record<SealType, string> = { official: "公章", contract: "合同专用章" };

const defaultTitles: Record<FormTemplateId, string> = {
  "certificate-application": "机构数字证书申请表",
  "seal-application": "电子印章申请表",
  "enterprise-certificate-application": "企业证书申请表",
  "authorisation-letter": "授权书",
  "refund-application": "退费申请表",
};

/** What requirements.physicalSealOnly means, in the form's words. */
const physicalSealText = "须加盖单位实物公章；电子章、盖章件的复印件及扫描打印件均无效。";
const officialSealText = "须加盖单位公章。";

/**
 * The programme and material parts of a form's data for one service's material, from the
 * programme definition: names, title, handwritten fields, and instructions built from the
 * material's description, its seal requirements, where and how it is submitted (the mailing
 * address, registered post refused, who pays the courier), the USB keys that go with it, and
 * for a refund the payment deadline. (The refund rule itself is not repeated: the desk only
 * creates a refund order that the rule allows.)
 */
export function formSources(
  programme: Programme,
  service: ServiceCode,
  templateId: string,
): { programme: FormProgramme; material: FormMaterial } {
  const definition = programme.services[service];
  const material = definition?.materials.find((m) => m.template?.id === templateId);
  if (!definition || !material) {
    throw new DomainError("documents.template_not_in_service", {
      programme: programme.id,
      service,
      template: templateId,
    });
  }
  const zh = (t: { "zh-CN": string }) => t["zh-CN"];

  const instructions: string[] = [];
  if (material.description) instructions.push(zh(material.description));
  const req = material.requirements;
  if (req.physicalSealOnly) instructions.push(physicalSealText);
  else if (req.needsOfficialSeal) instructions.push(officialSealText);

  const mail = programme.mailingAddress;
  const uploads = material.submission.includes("upload");
  if (material.submission.includes("mail") && mail) {
    let s = uploads ? "扫描件在线上传后，纸质原件" : "纸质原件";
    s += `请使用快递寄送至：${mail.address}（邮编 ${mail.postcode}），${mail.recipient}，电话 ${mail.phone}。`;
    if (mail.registeredPostRefused) s += "不接收挂号信。";
    if (mail.courierFeePaidBy === "applicant") s += "快递费用由申请单位承担。";
    instructions.push(s);
  } else if (uploads) {
    const types = material.acceptedFileTypes.map((t) => t.toUpperCase()).join("、");
    const to = programme.agent ? `提交给${zh(programme.agent.name)}` : "在线上传";
    instructions.push(`盖章后扫描或拍照，${to}${types ? `（${types} 格式）` : ""}。`);
  }
  for (const other of definition.materials) {
    if (other.kind === "usb-key" && other.description) {
      instructions.push(`${zh(other.name)}：${zh(other.description)}`);
    }
  }
  if (service === "refund" && programme.rules.refundPaymentDeadlineWorkingDays !== undefined) {
    instructions.push(
      `收到正确材料后约 ${programme.rules.refundPaymentDeadlineWorkingDays} 个工作日内退款。`,
    );
  }

  const account = programme.payment.collectionAccount;
  return {
    programme: {
      name: zh(programme.name),
      caName: zh(programme.ca.name),
      platformName: zh(programme.platform.name),
      agentName: programme.agent ? zh(programme.agent.name) : undefined,
      contact: { phone: programme.contacts.phone, hours: zh(programme.contacts.hours) },
      payment: account
        ? {
            account,
            instructions: programme.payment.bankTransfer
              ? zh(programme.payment.bankTransfer.instructions)
              : undefined,
          }
        : undefined,
    },
    material: {
      title: zh(material.name),
      handwrittenFields: req.handwrittenFields.map((f) => zh(f.name)),
      instructions,
      ...(req.sealImprintTypes ? { sealTypes: req.sealImprintTypes } : {}),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The forms
// ---------------------------------------------------------------------------------------------

/** Four columns: label, value, label, value. */
const grid = [31, 59, 29, 61];

/** 机构数字证书申请表 (programme A): organisation, handler, service, term, amount, seal, authorisation. */
export async function renderCertificateApplicationForm(
  input: CertificateApplicationData,
): Promise<Uint8Array> {
  const data = parse("certificate-application", input);
  const { organisation: org, handler, order, seal } = data;
  const term =
    order.years !== undefined
      ? `${order.years} 年`
      : order.validUntil
        ? `保持原有效期（至 ${order.validUntil}）`
        : "保持原有效期";
  const sealText = seal.requested
    ? `申请${ideographicSpace}印章名称：${seal.name ?? "（未填写）"}${ideographicSpace}印章类型：${seal.type ? sealTypeNames[seal.type] : "（未填写）"}`
    : "不申请";

  return drawForm("certificate-application", data, (sheet) => {
    sheet.table(grid, [
      [section("一、申请单位", 4)],
      [label("单位名称"), value(org.name, 3, { bold: true })],
      [label("统一社会信用代码"), value(org.uscc), label("平台账号"), value(order.platformAccount ?? "")],
      [label("单位地址"), value(org.address ?? "", 3)],
      [section("二、经办人", 4)],
      [label("经办人姓名"), value(handler.name), label("手机号码"), value(handler.mobile ?? "")],
      [label("身份证号码"), value(handler.idNumber ?? "", 3)],
      [section("三、申请内容", 4)],
      [label("业务类型"), value(order.serviceName), label("证书有效期"), value(term)],
      [label("费用金额"), value(amountText(order.totalFen), 3)],
      [label("电子印章"), value(sealText, 3)],
      [section("四、授权及声明", 4)],
      signatureRow(
        `本单位授权上述经办人代表本单位办理${data.programme.name}的机构数字证书${order.serviceName}业务。` +
          "本单位承诺所填信息及所附材料真实、有效，并承担因信息不实产生的责任。",
        data.material.handwrittenFields,
        "单位公章",
      ),
    ]);
  });
}

/** 电子印章申请表 (programme A): the seal's name and type, and a box for the physical seal's imprint. */
export async function renderSealApplicationForm(input: SealApplicationData): Promise<Uint8Array> {
  const data = parse("seal-application", input);
  const { organisation: org, handler, order, seal } = data;
  const accepted = data.material.sealTypes ?? (["official", "contract"] as SealType[]);
  const acceptedText = accepted.map((t) => sealTypeNames[t]).join("或");

  return drawForm("seal-application", data, (sheet) => {
    sheet.table(grid, [
      [section("一、申请单位", 4)],
      [label("单位名称"), value(org.name, 3, { bold: true })],
      [label("统一社会信用代码"), value(org.uscc), label("平台账号"), value(order.platformAccount ?? "")],
      [label("经办人姓名"), value(handler.name), label("手机号码"), value(handler.mobile ?? "")],
      [label("身份证号码"), value(handler.idNumber ?? "", 3)],
      [section("二、印章信息", 4)],
      [label("印章名称"), value(seal.name, 3, { bold: true })],
      [
        label("印章类型"),
        choices(
          accepted.map((t) => ({ text: sealTypeNames[t], checked: t === seal.type })),
          3,
        ),
      ],
      [
        label("印模"),
        {
          kind: "custom",
          span: 3,
          height: 56,
          draw: (s, box) => {
            const size = 46;
            const x = box.x + 8;
            const y = box.y + (box.height - size) / 2;
            s.rect(
              { x, y, width: size, height: size },
              { stroke: colours.ink, lineWidth: 0.8, dash: [4, 3] },
            );
            s.text("印模区", x, y + size / 2 - 3, {
              size: 9,
              color: colours.faint,
              align: "center",
              width: size,
            });
            const noteX = x + size + 8;
            s.paragraph(
              `请在左侧框内加盖要制作为电子印章的实物${sealTypeNames[seal.type]}（只接受${acceptedText}）。` +
                "印模须清晰、完整，不得超出框线；印模文字须与上方印章名称一致。",
              noteX,
              y + 4,
              box.x + box.width - noteX - 4,
              { size: 9.5, color: colours.handwriting },
            );
          },
        },
      ],
      [section("三、声明", 4)],
      signatureRow(
        `本单位申请将上述${sealTypeNames[seal.type]}制作为电子印章，绑定本单位在${data.programme.name}的机构数字证书使用，` +
          "并承诺印模为本单位真实有效的实物印章。",
        data.material.handwrittenFields,
        "单位公章",
      ),
    ]);
  });
}

/** 企业证书申请表 (programme B): number of certificates, plan and term, contact, mailing address. */
export async function renderEnterpriseCertificateApplicationForm(
  input: EnterpriseCertificateApplicationData,
): Promise<Uint8Array> {
  const data = parse("enterprise-certificate-application", input);
  const { organisation: org, handler, contact, order, mailingAddress: mail } = data;
  const unit =
    order.unitPriceFen ?? (order.totalFen % order.keys === 0 ? order.totalFen / order.keys : undefined);
  const payment = data.programme.payment;

  return drawForm(
    "enterprise-certificate-application",
    data,
    (sheet) => {
      const rows: Cell[][] = [
        [section("一、企业信息", 4)],
        [label("企业名称"), value(org.name, 3, { bold: true })],
        [label("统一社会信用代码"), value(org.uscc, 3)],
        [label("注册地址"), value(org.address ?? "", 3)],
        [section("二、经办人及联系人", 4)],
        [label("经办人姓名"), value(handler.name), label("身份证号码"), value(handler.idNumber ?? "")],
        [
          label("经办人手机"),
          value(handler.mobile ?? ""),
          label("电子邮箱"),
          value(contact.email ?? handler.email ?? ""),
        ],
        [label("联系人"), value(contact.name), label("联系电话"), value(contact.mobile ?? "")],
        [section("三、申请内容", 4)],
        [
          label("申请证书数量"),
          value(`${order.keys} 个（电子钥匙）`, 1, { bold: true }),
          label("资费方案"),
          value(order.planName),
        ],
        [
          label("证书年限"),
          value(`${order.years} 年`),
          label("单价"),
          value(unit !== undefined ? `¥${formatYuan(unit)} / 个` : ""),
        ],
        [label("费用合计"), value(amountText(order.totalFen), 3, { bold: true })],
        [section("四、邮寄信息（电子钥匙及发票寄至此地址）", 4)],
        [label("收件人"), value(mail.recipient), label("收件电话"), value(mail.phone)],
        [
          label("邮寄地址"),
          value(mail.postcode ? `${mail.address}（邮编 ${mail.postcode}）` : mail.address, 3),
        ],
      ];
      if (payment) {
        rows.push(
          [section("五、付款信息（对公转账）", 4)],
          [label("收款户名"), value(payment.account.accountName, 3)],
          [
            label("开户银行"),
            value(payment.account.bank),
            label("收款账号"),
            value(payment.account.accountNumber),
          ],
        );
      }
      rows.push(
        [section(payment ? "六、声明" : "五、声明", 4)],
        signatureRow(
          `本单位申请办理${data.programme.name}，承诺所填信息真实、有效，` +
            "并同意按所选资费方案和年限预付费用。",
          data.material.handwrittenFields,
          "单位公章",
        ),
      );
      sheet.table(grid, rows);
    },
    payment?.instructions ? [`付款：${payment.instructions}`] : [],
  );
}

/** 授权书 (programme B): the organisation authorises the handler to apply for it. */
export async function renderAuthorisationLetter(input: AuthorisationLetterData): Promise<Uint8Array> {
  const data = parse("authorisation-letter", input);
  const { organisation: org, handler, programme } = data;
  const recipient = programme.agentName ? `${programme.agentName}、${programme.caName}` : programme.caName;
  const platform = programme.platformName ? `（${programme.platformName}）` : "";
  const scope = data.scope ?? "数字证书及电子钥匙的申请、资料提交、缴费、领取及相关业务";
  // The letter's own blanks when the programme lists none: the person authorised signs it.
  const handwritten =
    data.material.handwrittenFields.length > 0 ? data.material.handwrittenFields : ["被授权人签字"];

  return drawForm("authorisation-letter", data, (sheet) => {
    const body = { size: 11.5 };
    // A Chinese paragraph starts indented by two full-width spaces.
    const indent = ideographicSpace.repeat(2);
    sheet.flow(`致：${recipient}`, { ...body, bold: true });
    sheet.y += 2;
    sheet.flow(
      `${indent}兹授权${handler.name}（身份证号码：${handler.idNumber ?? ideographicSpace.repeat(10)}）为我单位经办人，` +
        `代表${org.name}（统一社会信用代码：${org.uscc}）办理${programme.name}${platform}${scope}。` +
        "经办人在办理上述事项过程中所签署的文件和处理的有关事务，我单位均予以承认，并承担相应的法律责任。",
      body,
    );
    sheet.y += 1;
    sheet.flow(`${indent}授权期限：自本授权书盖章之日起至上述业务办结之日止。被授权人无转委托权。`, body);
    sheet.y += 4;
    sheet.table(grid, [
      [section("授权单位及被授权人", 4)],
      [label("授权单位"), value(org.name, 3, { bold: true })],
      [label("统一社会信用代码"), value(org.uscc, 3)],
      [label("单位地址"), value(org.address ?? "", 3)],
      [label("被授权人"), value(handler.name), label("手机号码"), value(handler.mobile ?? "")],
      [label("身份证号码"), value(handler.idNumber ?? "", 3)],
      signatureRow("特此授权。", handwritten, "授权单位（公章）"),
    ]);
  });
}

/** 退费申请表 (programme A): the order refunded, amount, reason, bank account, the key returned. */
export async function renderRefundApplicationForm(input: RefundApplicationData): Promise<Uint8Array> {
  const data = parse("refund-application", input);
  const { organisation: org, handler, refund } = data;
  const yesNo = (v: boolean | undefined) => [
    { text: "是", checked: v === true },
    { text: "否", checked: v === false },
  ];

  return drawForm("refund-application", data, (sheet) => {
    sheet.table(grid, [
      [section("一、申请单位", 4)],
      [label("单位名称"), value(org.name, 3, { bold: true })],
      [label("统一社会信用代码"), value(org.uscc, 3)],
      [label("经办人姓名"), value(handler.name), label("手机号码"), value(handler.mobile ?? "")],
      [label("身份证号码"), value(handler.idNumber ?? "", 3)],
      [section("二、退费订单", 4)],
      [
        label("退费订单号"),
        value(refund.orderNumber, 1, { bold: true }),
        label("业务类型"),
        value(refund.serviceName ?? ""),
      ],
      [
        label("申请退费金额"),
        value(amountText(refund.amountFen), refund.paidFen === undefined ? 3 : 1, { bold: true }),
        ...(refund.paidFen !== undefined ? [label("原订单实付"), value(amountText(refund.paidFen))] : []),
      ],
      [label("退费原因"), value(refund.reason, 3)],
      [
        label("已收到电子钥匙"),
        choices(yesNo(refund.keyReceived)),
        label("钥匙随表寄回"),
        choices(yesNo(refund.keyReturned)),
      ],
      [section("三、退款账户（须为本单位对公账户）", 4)],
      [label("户名"), value(refund.bankAccount.accountName, 3)],
      [label("开户银行"), value(refund.bankAccount.bank, 3)],
      [label("银行账号"), value(refund.bankAccount.accountNumber, 3, { bold: true })],
      [section("四、声明", 4)],
      signatureRow(
        "本单位申请退还上述订单费用，承诺所填信息真实、有效，所退款项汇入上述本单位账户；" +
          "已收到的电子钥匙未激活，并随本表寄回。",
        data.material.handwrittenFields,
        "单位公章",
      ),
    ]);
  });
}

/**
 * Renders the form that a programme material's template id names. The data is checked against
 * the template's schema: a template id from a programme file and data built for another template
 * fail with a coded error rather than a half-filled form.
 */
export function renderForm<T extends FormTemplateId>(
  templateId: T,
  data: FormDataByTemplate[T],
): Promise<Uint8Array>;
export function renderForm(templateId: string, data: unknown): Promise<Uint8Array>;
export async function renderForm(templateId: string, data: unknown): Promise<Uint8Array> {
  if (!isFormTemplateId(templateId))
    throw new DomainError("documents.unknown_template", { template: templateId });
  // Each renderer checks the data against its template's schema.
  switch (templateId) {
    case "certificate-application":
      return renderCertificateApplicationForm(data as CertificateApplicationData);
    case "seal-application":
      return renderSealApplicationForm(data as SealApplicationData);
    case "enterprise-certificate-application":
      return renderEnterpriseCertificateApplicationForm(data as EnterpriseCertificateApplicationData);
    case "authorisation-letter":
      return renderAuthorisationLetter(data as AuthorisationLetterData);
    case "refund-application":
      return renderRefundApplicationForm(data as RefundApplicationData);
  }
}

// ---------------------------------------------------------------------------------------------
// Parts every form shares
// ---------------------------------------------------------------------------------------------

interface CommonData {
  programme: z.output<typeof programmeSchema>;
  material: z.output<typeof materialSchema>;
  organisation: z.output<typeof organisationSchema>;
  order: { number: string; serviceName?: string | undefined };
}

function amountText(totalFen: number): string {
  return totalFen === 0 ? "免费（¥0.00）" : formatAmount(totalFen);
}

/** Header, body, instructions and page footers around a form's own tables. */
async function drawForm(
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

function drawHeader(sheet: Sheet, data: CommonData, title: string): void {
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

function drawInstructions(sheet: Sheet, data: CommonData, extra: string[]): void {
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

function drawPageFooters(sheet: Sheet, orderNumber: string): void {
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
function choices(options: { text: string; checked: boolean }[], span = 1): Cell {
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
function signatureRow(declaration: string, fields: string[], stampLabel: string): Cell[] {
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

const stampCellHeight = 56;

function isDateField(name: string): boolean {
  return name.endsWith("日期");
}

function drawHandwritingBlank(sheet: Sheet, box: Box, field: string, top: number): void {
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

function drawStampBox(sheet: Sheet, box: Box, stampLabel: string, withDate: boolean): void {
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
