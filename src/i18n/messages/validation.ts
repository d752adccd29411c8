import type { MessageTable } from "./types.js";

export const validationMessages: MessageTable = {
  "validation.uscc.length": {
    "zh-CN": "统一社会信用代码应为 18 位，当前为 {length} 位",
    en: "A unified social credit code has 18 characters; this one has {length}",
  },
  "validation.uscc.charset": {
    "zh-CN": "统一社会信用代码第 {position} 位的“{char}”无效：只能使用数字和大写字母（不含 I、O、S、V、Z）",
    en: "Character {position} (“{char}”) is not allowed in a unified social credit code: use digits and capital letters except I, O, S, V and Z",
  },
  "validation.uscc.division_code": {
    "zh-CN": "统一社会信用代码第 3 至 8 位应为 6 位数字的行政区划代码",
    en: "Characters 3 to 8 of a unified social credit code are the 6-digit administrative division code",
  },
  "validation.uscc.check_digit": {
    "zh-CN":
      "统一社会信用代码的校验码不正确，请与营业执照核对；如执照上的代码确实如此，请联系服务中心人工审核",
    en: "The check character of the unified social credit code is wrong; please compare it with the business licence. If the licence shows exactly this code, contact the service centre for a manual review",
  },
  "validation.id.length": {
    "zh-CN": "居民身份证号码应为 18 位，当前为 {length} 位",
    en: "A resident ID number has 18 characters; this one has {length}",
  },
  "validation.id.charset": {
    "zh-CN": "居民身份证号码第 {position} 位的“{char}”无效：前 17 位为数字，最后一位为数字或 X",
    en: "Character {position} (“{char}”) is not allowed in a resident ID number: the first 17 are digits, the last is a digit or X",
  },
  "validation.id.birth_date": {
    "zh-CN": "居民身份证号码中的出生日期 {value} 不是有效日期",
    en: "The birth date {value} in the resident ID number is not a real date",
  },
  "validation.id.birth_date_future": {
    "zh-CN": "居民身份证号码中的出生日期 {date} 晚于今天",
    en: "The birth date {date} in the resident ID number is in the future",
  },
  "validation.id.birth_date_too_early": {
    "zh-CN": "居民身份证号码中的出生日期 {date} 早于 {year} 年",
    en: "The birth date {date} in the resident ID number is before {year}",
  },
  "validation.id.check_digit": {
    "zh-CN": "居民身份证号码的校验码不正确，请核对号码",
    en: "The check character of the resident ID number is wrong; please check the number",
  },
  "validation.mobile.format": {
    "zh-CN": "手机号码格式不正确，请填写 11 位中国大陆手机号码",
    en: "The mobile number is not valid; enter an 11-digit mainland China mobile number",
  },
  "validation.courier.carrier": {
    "zh-CN": "不支持的快递公司：{carrier}",
    en: "Unsupported courier: {carrier}",
  },
  "validation.courier.sf.format": {
    "zh-CN": "顺丰运单号格式不正确：应为 SF 加 12 或 13 位数字，或 12 位数字",
    en: "The SF Express waybill number is not valid: SF followed by 12 or 13 digits, or 12 digits",
  },
  "validation.courier.ems.format": {
    "zh-CN": "EMS 邮件号格式不正确：应为 13 位数字，或如 EA123456785CN 的 13 位国际邮件号",
    en: "The EMS item number is not valid: 13 digits, or an international number such as EA123456785CN",
  },
  "validation.courier.ems.check_digit": {
    "zh-CN": "EMS 邮件号的校验位不正确，请核对号码",
    en: "The check digit of the EMS item number is wrong; please check the number",
  },
  "validation.courier.tracking.format": {
    "zh-CN": "快递单号格式不正确：应为 8 至 30 位字母或数字（可含空格或短横线）",
    en: "The tracking number is not valid: 8 to 30 letters or digits (spaces and dashes are ignored)",
  },
  "validation.courier.carrier_name": {
    "zh-CN": "请填写快递公司名称（不超过 30 个字）",
    en: "Enter the courier's name (up to 30 characters)",
  },
};
