/** Messages for electronic seals (seal.*): verification outcomes, verdict text and build errors. */
import type { MessageTable } from "./types.js";

export const sealMessages: MessageTable = {
  // Verdicts
  "seal.verdict_valid": {
    "zh-CN": "电子印章有效（验证时间 {at}）",
    en: "The electronic seal is valid (checked at {at})",
  },
  "seal.verdict_invalid": {
    "zh-CN": "电子印章无效（验证时间 {at}）",
    en: "The electronic seal is not valid (checked at {at})",
  },
  "seal.signature_verdict_valid": {
    "zh-CN": "电子签章有效（验证时间 {at}）",
    en: "The electronic signature is valid (checked at {at})",
  },
  "seal.signature_verdict_invalid": {
    "zh-CN": "电子签章无效（验证时间 {at}）",
    en: "The electronic signature is not valid (checked at {at})",
  },

  // What the seal says
  "seal.info_seal": {
    "zh-CN": "印章名称：{name}；印章编号：{id}；{standard} 版本 {version}；厂商：{vendor}",
    en: "Seal name: {name}; seal ID: {id}; {standard} version {version}; vendor: {vendor}",
  },
  "seal.info_type": { "zh-CN": "印章类型：{type}", en: "Seal type: {type}" },
  "seal.type.organisation": { "zh-CN": "单位印章", en: "organisation seal" },
  "seal.type.personal": { "zh-CN": "个人印章", en: "personal seal" },
  "seal.type.other": { "zh-CN": "其他（{type}）", en: "other ({type})" },
  "seal.info_validity": {
    "zh-CN": "印章有效期：{validStart} 至 {validEnd}（制作于 {createDate}）",
    en: "Seal validity: {validStart} to {validEnd} (made {createDate})",
  },
  "seal.info_picture": {
    "zh-CN": "印章图片：{type}，{width}×{height} 毫米，{size} 字节",
    en: "Seal picture: {type}, {width}×{height} mm, {size} bytes",
  },
  "seal.info_maker": {
    "zh-CN": "制章者：{subject}（序列号 {serial}，{algorithm}）",
    en: "Seal maker: {subject} (serial {serial}, {algorithm})",
  },
  "seal.info_signature": {
    "zh-CN": "签章者：{subject}；签章时间：{time}；原文属性：{property}",
    en: "Signer: {subject}; signing time: {time}; document property: {property}",
  },
  "seal.time_unknown": { "zh-CN": "未知", en: "unknown" },

  // Check names
  "seal.check.structure": { "zh-CN": "数据结构", en: "Structure" },
  "seal.check.makerSignature": { "zh-CN": "制章者签名", en: "Maker signature" },
  "seal.check.makerCertificate": { "zh-CN": "制章者证书", en: "Maker certificate" },
  "seal.check.validity": { "zh-CN": "印章有效期", en: "Seal validity" },
  "seal.check.boundCertificates": { "zh-CN": "签章者证书列表", en: "Bound certificates" },
  "seal.check.seal": { "zh-CN": "电子印章", en: "Electronic seal" },
  "seal.check.signerSignature": { "zh-CN": "签章者签名", en: "Signer signature" },
  "seal.check.signerCertificate": { "zh-CN": "签章者证书", en: "Signer certificate" },
  "seal.check.binding": { "zh-CN": "印章与签章者证书的绑定", en: "Seal bound to the signer" },
  "seal.check.signingTime": { "zh-CN": "签章时间", en: "Signing time" },
  "seal.check.document": { "zh-CN": "原文", en: "Document" },

  // Check outcomes
  "seal.structure_ok": {
    "zh-CN": "符合 {standard}（版本 {version}）",
    en: "well-formed {standard} (version {version})",
  },
  "seal.structure_invalid": {
    "zh-CN": "不是有效的电子印章数据：{what}",
    en: "Not valid electronic seal data: {what}",
  },
  "seal.extension_critical_unknown": {
    "zh-CN": "含有无法识别的关键扩展 {oid}",
    en: "carries an unrecognised critical extension {oid}",
  },
  "seal.skipped_unreadable": { "zh-CN": "数据无法读取，未检查", en: "not checked: the data cannot be read" },
  "seal.maker_signature_valid": {
    "zh-CN": "签名有效（{algorithm}）",
    en: "the signature verifies ({algorithm})",
  },
  "seal.maker_signature_invalid": {
    "zh-CN": "签名无效：印章数据被改动，或不是由该制章者证书签署（{algorithm}）",
    en: "the signature does not verify: the seal was altered or not signed by this maker certificate ({algorithm})",
  },
  "seal.signature_algorithm_unsupported": {
    "zh-CN": "不支持的签名算法：{algorithm}",
    en: "unsupported signature algorithm: {algorithm}",
  },
  "seal.maker_certificate_valid": {
    "zh-CN": "{subject}，有效期 {notBefore} 至 {notAfter}",
    en: "{subject}, valid from {notBefore} to {notAfter}",
  },
  "seal.maker_certificate_expired": {
    "zh-CN": "制章者证书已于 {notAfter} 过期（{subject}）",
    en: "the maker certificate expired at {notAfter} ({subject})",
  },
  "seal.maker_certificate_not_yet_valid": {
    "zh-CN": "制章者证书自 {notBefore} 起才生效（{subject}）",
    en: "the maker certificate is not valid before {notBefore} ({subject})",
  },
  "seal.valid": {
    "zh-CN": "在有效期内（{validStart} 至 {validEnd}）",
    en: "within its validity ({validStart} to {validEnd})",
  },
  "seal.not_yet_valid": {
    "zh-CN": "印章尚未生效：有效期自 {validStart} 开始",
    en: "the seal is not yet valid: its validity starts at {validStart}",
  },
  "seal.expired": { "zh-CN": "印章已于 {validEnd} 过期", en: "the seal expired at {validEnd}" },
  "seal.certificate_list_empty": {
    "zh-CN": "印章未绑定任何签章者证书",
    en: "the seal binds no signer certificate",
  },
  "seal.bound_certificate_malformed": {
    "zh-CN": "第 {index} 个签章者证书无法解析",
    en: "bound certificate {index} cannot be parsed",
  },
  "seal.certificates_bound": {
    "zh-CN": "绑定 {count} 张证书：{subjects}",
    en: "binds {count} certificate(s): {subjects}",
  },
  "seal.certificate_digests_bound": {
    "zh-CN": "按杂凑值绑定 {count} 张证书：{subjects}",
    en: "binds {count} certificate(s) by digest: {subjects}",
  },
  "seal.signature_structure_ok": {
    "zh-CN": "符合 {standard}（版本 {version}）",
    en: "well-formed {standard} (version {version})",
  },
  "seal.embedded_seal_valid": { "zh-CN": "“{name}”有效", en: "“{name}” is valid" },
  "seal.embedded_seal_invalid": {
    "zh-CN": "“{name}”无效，详见下列检查",
    en: "“{name}” is not valid; see the checks below",
  },
  "seal.signer_signature_valid": {
    "zh-CN": "签名有效（{algorithm}）",
    en: "the signature verifies ({algorithm})",
  },
  "seal.signer_signature_invalid": {
    "zh-CN": "签名无效：签章数据被改动，或不是由该签章者证书签署（{algorithm}）",
    en: "the signature does not verify: the signature data was altered or not signed by this certificate ({algorithm})",
  },
  "seal.signer_certificate_valid": {
    "zh-CN": "{subject}，有效期 {notBefore} 至 {notAfter}",
    en: "{subject}, valid from {notBefore} to {notAfter}",
  },
  "seal.signer_certificate_expired": {
    "zh-CN": "签章者证书已于 {notAfter} 过期（{subject}）",
    en: "the signer certificate expired at {notAfter} ({subject})",
  },
  "seal.signer_certificate_not_yet_valid": {
    "zh-CN": "签章者证书自 {notBefore} 起才生效（{subject}）",
    en: "the signer certificate is not valid before {notBefore} ({subject})",
  },
  "seal.certificate_bound": {
    "zh-CN": "印章绑定了签章者证书",
    en: "the seal binds the signer's certificate",
  },
  "seal.certificate_not_bound": {
    "zh-CN": "签章者证书（{subject}）不在印章的证书列表中，无权使用该印章",
    en: "the signer's certificate ({subject}) is not in the seal's certificate list, so it may not use this seal",
  },
  "seal.signing_time_ok": {
    "zh-CN": "{time}，在印章和签章者证书的有效期内",
    en: "{time}, within the validity of the seal and of the signer's certificate",
  },
  "seal.signing_time_unknown": {
    "zh-CN": "签章时间不是可读的时间，未检查",
    en: "not checked: the signing time is not a readable time",
  },
  "seal.signing_time_future": {
    "zh-CN": "签章时间 {time} 晚于验证时间 {at}",
    en: "the signing time {time} is later than the check time {at}",
  },
  "seal.signing_time_outside_seal": {
    "zh-CN": "签章时间 {time} 不在印章有效期（{validStart} 至 {validEnd}）内",
    en: "the signing time {time} is outside the seal's validity ({validStart} to {validEnd})",
  },
  "seal.signing_time_outside_certificate": {
    "zh-CN": "签章时间 {time} 不在签章者证书有效期（{notBefore} 至 {notAfter}）内",
    en: "the signing time {time} is outside the signer certificate's validity ({notBefore} to {notAfter})",
  },
  "seal.document_matches": {
    "zh-CN": "原文杂凑值一致（{algorithm}）",
    en: "the document digest matches ({algorithm})",
  },
  "seal.document_mismatch": {
    "zh-CN": "原文杂凑值不一致：文档在签章后被改动（{algorithm}）",
    en: "the document digest does not match: the document changed after signing ({algorithm})",
  },
  "seal.document_not_given": { "zh-CN": "未提供原文，未检查", en: "not checked: no document given" },

  // Making seals
  "seal.build_invalid": {
    "zh-CN": "无法制作电子印章：{what}",
    en: "Cannot make the electronic seal: {what}",
  },
  "seal.value_not_ia5": {
    "zh-CN": "{field} 只能包含可打印的 ASCII 字符：{value}",
    en: "{field} may contain printable ASCII characters only: {value}",
  },
  "seal.picture_invalid": {
    "zh-CN": "印章图片不是有效的 {type} 图片",
    en: "The seal picture is not a valid {type} image",
  },
  "seal.maker_key_mismatch": {
    "zh-CN": "签名密钥与证书不匹配",
    en: "The signing key does not match the certificate",
  },
  "seal.maker_algorithm_unsupported": {
    "zh-CN": "制章者不能使用签名算法 {algorithm}（仅支持 SM3withSM2 和 ecdsa-with-SHA256）",
    en: "A seal maker cannot sign with {algorithm} (only SM3withSM2 and ecdsa-with-SHA256)",
  },
  "seal.maker_signer_failed": {
    "zh-CN": "制章者签名验证失败（SM2 签名须使用标识 1234567812345678）",
    en: "The maker's signature does not verify (SM2 signatures must use the ID 1234567812345678)",
  },
};
