import type { MessageTable } from "./types.js";

export const calendarMessages: MessageTable = {
  "calendar.year_unknown": {
    "zh-CN": "尚未录入 {year} 年的节假日安排，无法计算工作日，请联系管理员",
    en: "The public holiday calendar for {year} has not been loaded, so working days cannot be counted; please contact an administrator",
  },
  "calendar.data_invalid": {
    "zh-CN": "节假日安排数据有误：{detail}",
    en: "The public holiday calendar data is not valid: {detail}",
  },
};
