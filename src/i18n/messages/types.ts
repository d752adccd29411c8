export type Locale = "zh-CN" | "en";
export type Message = { "zh-CN": string; en: string };
export type MessageTable = Record<string, Message>;
