import type { MessageTable } from "./types.js";

/** Generated documents (src/documents): pre-filled forms and invoices. */
export const documentsMessages: MessageTable = {
  "documents.unknown_template": {
    "zh-CN": "没有名为“{template}”的表格模板",
    en: "There is no form template named “{template}”",
  },
  "documents.template_not_in_service": {
    "zh-CN": "项目 {programme} 的业务 {service} 不使用表格模板“{template}”",
    en: "The service {service} of the programme {programme} does not use the form template “{template}”",
  },
  "documents.form_data_invalid": {
    "zh-CN": "无法生成“{template}”：数据不完整或有误（{detail}）",
    en: "The form “{template}” cannot be generated: its data is incomplete or wrong ({detail})",
  },
  "documents.invoice_invalid": {
    "zh-CN": "无法生成发票：发票数据不完整或有误（{detail}）",
    en: "The invoice cannot be generated: its data is incomplete or wrong ({detail})",
  },
};
