import type { MessageTable } from "./types.js";

/** Programme files (src/store/programme-files.ts) and the tariff (src/domain/tariff.ts). */
export const programmeMessages: MessageTable = {
  "programme.file_unreadable": {
    "zh-CN": "无法读取项目配置文件 {path}：{detail}",
    en: "Cannot read the programme file {path}: {detail}",
  },
  "programme.invalid": {
    "zh-CN": "项目配置文件 {path} 有误：\n{detail}",
    en: "The programme file {path} is not valid:\n{detail}",
  },
  "tariff.service_not_offered": {
    "zh-CN": "项目 {programme} 不提供此业务：{service}",
    en: "The programme {programme} does not offer the service {service}",
  },
  "tariff.service_not_priced": {
    "zh-CN": "该业务无需报价：{service}",
    en: "The service {service} has no price to quote",
  },
  "tariff.option_not_applicable": {
    "zh-CN": "业务 {service} 不适用选项 {option}",
    en: "The option {option} does not apply to the service {service}",
  },
  "tariff.years_required": {
    "zh-CN": "请选择证书年限，可选：{allowed} 年",
    en: "Choose a certificate term: {allowed} years",
  },
  "tariff.years_not_offered": {
    "zh-CN": "不提供 {years} 年期证书，可选：{allowed} 年",
    en: "A {years}-year term is not offered; choose {allowed} years",
  },
  "tariff.basket_empty": {
    "zh-CN": "请至少添加一行：资费方案、年限和电子钥匙数量",
    en: "Add at least one line: plan, term and number of keys",
  },
  "tariff.basket_not_applicable": {
    "zh-CN": "业务 {service} 不能按多行或多把电子钥匙分别计价",
    en: "The service {service} cannot be priced in several lines or for keys on different plans",
  },
  "tariff.keys_out_of_range": {
    "zh-CN": "电子钥匙数量 {keys} 无效，每单可办理 {min} 至 {max} 个",
    en: "{keys} keys is not possible: an order holds {min} to {max} keys",
  },
  "tariff.plan_required": {
    "zh-CN": "请选择资费方案：{allowed}",
    en: "Choose a plan: {allowedEn}",
  },
  "tariff.plan_not_offered": {
    "zh-CN": "不提供资费方案 {plan}，可选：{allowed}",
    en: "The plan {plan} is not offered; choose one of {allowedEn}",
  },
  "tariff.cash_on_delivery_not_offered": {
    "zh-CN": "该业务不支持到付：{service}",
    en: "Cash on delivery is not offered for {service}",
  },
};
