/**
 * The HTTP edge: what the store refused (a constraint, a value), a database out of reach, and a
 * state-changing request from another site. Written for the user: never the SQL behind them.
 */
import type { MessageTable } from "./types.js";

export const edgeMessages: MessageTable = {
  "store.unavailable": {
    "zh-CN": "数据库暂时无法访问，请稍后重试",
    en: "The database is unavailable at the moment; please try again shortly",
  },
  "store.reference_unknown": {
    "zh-CN": "请求引用的对象不存在",
    en: "The request refers to something that does not exist",
  },
  "store.conflict": {
    "zh-CN": "该记录已存在，或与已有记录冲突",
    en: "This record already exists or conflicts with one that does",
  },
  "store.value_refused": {
    "zh-CN": "请求中的某个值不被接受",
    en: "A value in the request is not accepted",
  },
  "store.value_missing": {
    "zh-CN": "请求缺少必填的值",
    en: "The request lacks a required value",
  },
  "store.invalid_value": {
    "zh-CN": "请求中的某个值格式有误",
    en: "A value in the request is not in a valid form",
  },
  "auth.cross_origin": {
    "zh-CN": "拒绝来自其他网站的请求，请在本站页面上操作",
    en: "Requests from another site are refused; please use this site's own pages",
  },
};
