/** Messages for RFC 3161 timestamps (tsa.*): the desk's timestamp authority and token checks. */
import type { MessageTable } from "./types.js";

export const tsaMessages: MessageTable = {
  "tsa.token_valid": {
    "zh-CN": "时间戳有效：{genTime}，由 {tsa} 签发",
    en: "The timestamp is valid: {genTime}, issued by {tsa}",
  },
  "tsa.token_unreadable": { "zh-CN": "时间戳无法解析", en: "The timestamp cannot be read" },
  "tsa.hash_unsupported": {
    "zh-CN": "时间戳使用了不支持的摘要算法",
    en: "The timestamp uses a digest algorithm that is not supported",
  },
  "tsa.imprint_mismatch": {
    "zh-CN": "时间戳不是对该签名值加盖的（摘要不一致）",
    en: "The timestamp was not made over this signature value (the digest differs)",
  },
  "tsa.certificate_missing": {
    "zh-CN": "时间戳中没有时间戳服务机构的证书",
    en: "The timestamp carries no certificate of the timestamp authority",
  },
  "tsa.signature_invalid": {
    "zh-CN": "时间戳的签名无效：时间戳已被篡改",
    en: "The timestamp's signature is invalid: the timestamp was changed",
  },
  "tsa.signing_certificate_mismatch": {
    "zh-CN": "时间戳签名属性中的证书与签发证书不一致",
    en: "The timestamp's signing-certificate attribute does not name the certificate that signed it",
  },
  "tsa.not_a_tsa_certificate": {
    "zh-CN": "签发时间戳的证书不是时间戳服务证书（扩展密钥用法须仅为关键的 timeStamping）",
    en: "The certificate that signed the timestamp is not a timestamp authority's (its only extended key usage must be timeStamping, critical)",
  },
  "tsa.certificate_not_valid_then": {
    "zh-CN": "时间戳时间不在时间戳服务证书的有效期内",
    en: "The timestamp's time is outside the timestamp authority certificate's validity",
  },
  "tsa.untrusted": {
    "zh-CN": "时间戳服务证书不是由受信任的根证书签发",
    en: "The timestamp authority's certificate does not chain to a trusted root",
  },
  "tsa.request_invalid": {
    "zh-CN": "时间戳请求无法解析：{what}",
    en: "The timestamp request cannot be read: {what}",
  },
  "tsa.rejected": {
    "zh-CN": "时间戳服务拒绝了请求（状态 {status}）",
    en: "The timestamp authority rejected the request (status {status})",
  },
  "tsa.reply_invalid": {
    "zh-CN": "时间戳服务的应答无效：{what}",
    en: "The timestamp authority's reply is invalid: {what}",
  },
  "tsa.not_configured": {
    "zh-CN": "本系统尚未设立时间戳服务（请先运行 ca init）",
    en: "This desk has no timestamp authority yet (run ca init)",
  },
  "tsa.unreachable": {
    "zh-CN": "无法从时间戳服务 {url} 获得时间戳（HTTP {status}）",
    en: "No timestamp from the timestamp authority at {url} (HTTP {status})",
  },
};
