/** Messages for the pki.* error codes (certificates, CSRs, CRLs, OCSP, SM2). */
import type { MessageTable } from "./types.js";

export const pkiMessages: MessageTable = {
  "pki.certificate_malformed": { "zh-CN": "证书格式无法解析", en: "The certificate cannot be parsed" },
  "pki.crl_entry_invalid": {
    "zh-CN": "吊销列表条目无效：{serial}",
    en: "Invalid revocation entry: {serial}",
  },
  "pki.crl_number_invalid": { "zh-CN": "CRL 编号无效", en: "Invalid CRL number" },
  "pki.crl_reason_invalid": {
    "zh-CN": "完整 CRL 中不能使用吊销原因 {reason}",
    en: "Revocation reason {reason} is not allowed in a full CRL",
  },
  "pki.csr_malformed": {
    "zh-CN": "证书请求（CSR）格式无法解析",
    en: "The certificate request (CSR) cannot be parsed",
  },
  "pki.csr_signature_invalid": {
    "zh-CN": "证书请求签名验证失败（SM2 请求须使用标识 1234567812345678 签名）",
    en: "The certificate request signature does not verify (SM2 requests must be signed with the ID 1234567812345678)",
  },
  "pki.der_malformed": { "zh-CN": "数据编码错误：{what}", en: "Malformed encoding: {what}" },
  "pki.extension_duplicate": { "zh-CN": "证书扩展重复：{oid}", en: "Duplicate certificate extension: {oid}" },
  "pki.extension_invalid": {
    "zh-CN": "证书扩展无效：{extension}",
    en: "Invalid certificate extension: {extension}",
  },
  "pki.key_algorithm_unsupported": {
    "zh-CN": "不支持的密钥算法：{algorithm}",
    en: "Unsupported key algorithm: {algorithm}",
  },
  "pki.key_not_private": { "zh-CN": "需要私钥", en: "A private key is required" },
  "pki.key_not_sm2": { "zh-CN": "不是 SM2 密钥", en: "Not an SM2 key" },
  "pki.name_attribute_invalid": {
    "zh-CN": "名称项 {attribute} 的值无效：{value}",
    en: "Invalid value for name attribute {attribute}: {value}",
  },
  "pki.name_empty": { "zh-CN": "证书主题不能为空", en: "The certificate subject must not be empty" },
  "pki.ocsp_no_responses": {
    "zh-CN": "OCSP 响应中没有证书状态",
    en: "The OCSP response has no certificate status",
  },
  "pki.ocsp_request_malformed": { "zh-CN": "OCSP 请求格式错误", en: "Malformed OCSP request" },
  "pki.ocsp_response_unsupported": {
    "zh-CN": "不支持的 OCSP 响应类型",
    en: "Unsupported OCSP response type",
  },
  "pki.pem_malformed": { "zh-CN": "PEM 数据无效（需要 {label}）", en: "Invalid PEM data (expected {label})" },
  "pki.public_key_malformed": {
    "zh-CN": "公钥格式无法解析（须为 DER 编码的 SubjectPublicKeyInfo）",
    en: "The public key cannot be parsed (a DER SubjectPublicKeyInfo is needed)",
  },
  "pki.serial_invalid": {
    "zh-CN": "证书序列号无效：{serial}",
    en: "Invalid certificate serial number: {serial}",
  },
  "pki.signature_algorithm_unsupported": {
    "zh-CN": "不支持的签名算法：{algorithm}",
    en: "Unsupported signature algorithm: {algorithm}",
  },
  "pki.signer_key_mismatch": {
    "zh-CN": "签名密钥与签发者证书不匹配",
    en: "The signing key does not match the issuer certificate",
  },
  "pki.sm2_id_too_long": { "zh-CN": "SM2 用户标识过长", en: "The SM2 signer ID is too long" },
  "pki.sm2_private_key_invalid": { "zh-CN": "SM2 私钥无效", en: "Invalid SM2 private key" },
  "pki.sm2_public_key_invalid": { "zh-CN": "SM2 公钥无效", en: "Invalid SM2 public key" },
  "pki.validity_invalid": {
    "zh-CN": "有效期无效：截止时间须晚于起始时间",
    en: "Invalid validity: the end must be after the start",
  },
  "pki.value_not_printable": {
    "zh-CN": "该项只能包含字母、数字和常用符号：{value}",
    en: "Only letters, digits and basic punctuation are allowed: {value}",
  },
};
