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
import { DomainError } from "../domain/errors.js";
import type { Programme, SealType, ServiceCode } from "../domain/programme.js";
import { type Cell, colours, label, section, value } from "./layout.js";
import { formatYuan } from "./money.js";
import {
  type FormTemplateId,
  isFormTemplateId,
  type FormProgramme,
  type FormMaterial,
  type CertificateApplicationData,
  type SealApplicationData,
  type EnterpriseCertificateApplicationData,
  type AuthorisationLetterData,
  type RefundApplicationData,
  type FormDataByTemplate,
  parse,
} from "./form-data.js";
import { amountText, drawForm, choices, signatureRow } from "./form-drawing.js";

// ---------------------------------------------------------------------------------------------
// The programme part, from a programme definition
// ---------------------------------------------------------------------------------------------

/** U+3000, the full-width space that Chinese forms use to space and indent. */
const ideographicSpace = "\u3000";

export const sealTypeNames: Record<SealType, string> = { official: "公章", contract: "合同专用章" };

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
