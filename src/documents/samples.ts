/**
 * Sample data for every form and the invoice, built on the demo programmes
 * (data/programmes/demo.yaml). The tests render these, and write-samples.ts turns them into
 * docs/samples/. Names, numbers and accounts are invented (示例), though the credit code and
 * the ID number pass their check digits.
 */
import type { Programme } from "../domain/programme.js";
import { demoProgrammesPath, readProgrammesFile } from "../store/programme-files.js";
import { formSources } from "./forms.js";
import {
  type AuthorisationLetterData,
  type CertificateApplicationData,
  type EnterpriseCertificateApplicationData,
  type FormDataByTemplate,
  type FormTemplateId,
  type RefundApplicationData,
  type SealApplicationData,
} from "./form-data.js";
import type { InvoiceRecord } from "./invoice.js";

export function demoProgrammes(): { procurement: Programme; powerTrading: Programme } {
  const programmes = readProgrammesFile(demoProgrammesPath);
  const find = (id: string) => {
    const p = programmes.find((x) => x.id === id);
    if (!p) throw new Error(`demo programme ${id} missing`);
    return p;
  };
  return { procurement: find("procurement"), powerTrading: find("power-trading") };
}

/** A long name on purpose: it must wrap inside its cell. */
export const sampleOrganisation = {
  name: "示例（上海）国际供应链管理与数字科技发展股份有限公司浦东新区张江高科技园区第一分公司供应链金融服务中心",
  uscc: "91310115591693856A",
  address: "上海市浦东新区示例路 1888 弄 88 号 示例国际科技大厦 B 座 18 层 1801–1805 室（演示地址）",
};

export const sampleHandler = {
  name: "王示例",
  idNumber: "11010519491231002X",
  mobile: "13800000000",
  email: "wang@supplier.example",
};

export function sampleForms(): { [T in FormTemplateId]: FormDataByTemplate[T] } {
  const { procurement, powerTrading } = demoProgrammes();
  const certificate: CertificateApplicationData = {
    ...formSources(procurement, "new", "certificate-application"),
    organisation: sampleOrganisation,
    handler: sampleHandler,
    order: {
      number: "CD20260302000123",
      serviceName: "新申请",
      years: 3,
      totalFen: 60000,
      platformAccount: "supplier-0001",
    },
    seal: { requested: true, name: "示例（上海）国际供应链管理与数字科技发展股份有限公司", type: "official" },
  };
  const seal: SealApplicationData = {
    ...formSources(procurement, "seal-apply", "seal-application"),
    organisation: sampleOrganisation,
    handler: sampleHandler,
    order: { number: "CD20260302000124", serviceName: "电子印章申请", platformAccount: "supplier-0001" },
    seal: { name: "示例（上海）国际供应链管理与数字科技发展股份有限公司合同专用章", type: "contract" },
  };
  const enterprise: EnterpriseCertificateApplicationData = {
    ...formSources(powerTrading, "new", "enterprise-certificate-application"),
    organisation: {
      name: "示例新能源发电有限公司",
      uscc: "91440101MA5CJQ4N59",
      address: "广东省广州市示例区示例大道 100 号",
    },
    handler: { name: "李示例", idNumber: "11010519491231002X", mobile: "13900000000" },
    contact: { name: "李示例", mobile: "13900000000", email: "li@power.example" },
    order: {
      number: "CD20260302000125",
      serviceName: "新办证书",
      keys: 2,
      planName: "组合资费",
      years: 3,
      totalFen: 120000,
    },
    mailingAddress: {
      recipient: "李示例",
      phone: "13900000000",
      address: "广东省广州市示例区示例大道 100 号 示例大厦 6 楼 证书管理部",
      postcode: "510000",
    },
  };
  const letter: AuthorisationLetterData = {
    ...formSources(powerTrading, "new", "authorisation-letter"),
    organisation: {
      name: "示例新能源发电有限公司",
      uscc: "91440101MA5CJQ4N59",
      address: "广东省广州市示例区示例大道 100 号",
    },
    handler: { name: "李示例", idNumber: "11010519491231002X", mobile: "13900000000" },
    order: { number: "CD20260302000125", serviceName: "新办证书" },
  };
  const refund: RefundApplicationData = {
    ...formSources(procurement, "refund", "refund-application"),
    organisation: sampleOrganisation,
    handler: sampleHandler,
    order: { number: "CD20260310000201", serviceName: "退费申请" },
    refund: {
      orderNumber: "CD20260302000123",
      serviceName: "新申请",
      paidFen: 60000,
      amountFen: 60000,
      reason: "供应商资格调整，本单位暂不参与采购项目，电子钥匙签收后未激活，申请退费。",
      bankAccount: {
        accountName: sampleOrganisation.name,
        bank: "示例银行上海张江支行（演示）",
        accountNumber: "6222 0000 1111 2222 333",
      },
      keyReceived: true,
      keyReturned: true,
    },
  };
  return {
    "certificate-application": certificate,
    "seal-application": seal,
    "enterprise-certificate-application": enterprise,
    "authorisation-letter": letter,
    "refund-application": refund,
  };
}

export const sampleInvoice: InvoiceRecord = {
  number: "26442000000012345678",
  issuedOn: "2026-03-06",
  seller: {
    name: "示例证书代理服务有限公司（演示）",
    taxNumber: "91310110666007217T",
    address: "上海市示例区示例路 2 号（演示）",
    phone: "400-000-0002",
    bank: "示例银行示例市示例支行（演示）",
    bankAccount: "6200 0000 0000 0000 000",
  },
  buyer: {
    name: "示例新能源发电有限公司",
    taxNumber: "91440101MA5CJQ4N59",
    address: "广东省广州市示例区示例大道 100 号",
    phone: "020-00000000",
  },
  items: [
    { name: "*信息技术服务*数字证书服务费（组合资费 3 年）", unit: "个", quantity: 2, amountFen: 120000 },
    { name: "*物流辅助服务*快递服务费", unit: "次", quantity: 1, amountFen: 5000 },
  ],
  taxRate: 600,
  remarks: "订单号 CD20260302000125",
  drawer: "赵示例",
};
