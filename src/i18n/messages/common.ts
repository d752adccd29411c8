import type { MessageTable } from "./types.js";

export const commonMessages: MessageTable = {
  "common.validation": { "zh-CN": "请求内容有误：{detail}", en: "The request is not valid: {detail}" },
  "common.not_found": { "zh-CN": "未找到：{what}", en: "Not found: {what}" },
  "common.internal": { "zh-CN": "系统内部错误，请稍后重试", en: "Internal error; please try again later" },
};
