/** Messages for electronic seals (seal.*) and signed PDFs (pdf.*): verification outcomes, verdict text and errors. */
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
  "seal.structure_version_unexpected": {
    "zh-CN":
      "印章头声明版本 {version}，但结构为 {standard}（版本 {expected}）：按 {standard} 读取并验证其余各项",
    en: "the seal header declares version {version} but the layout is {standard} (version {expected}): read as {standard} and judged on everything else",
  },
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
    "zh-CN":
      "制章者不能使用签名算法 {algorithm}（仅支持 SM3withSM2，或项目要求时的 sha256WithRSAEncryption；不使用 ECDSA）",
    en: "A seal maker cannot sign with {algorithm} (only SM3withSM2, or sha256WithRSAEncryption where a programme asks; never ECDSA)",
  },
  "seal.maker_signer_failed": {
    "zh-CN": "制章者签名验证失败（SM2 签名须使用标识 1234567812345678）",
    en: "The maker's signature does not verify (SM2 signatures must use the ID 1234567812345678)",
  },

  // Signed PDFs: verdicts
  "pdf.verdict_valid": {
    "zh-CN": "PDF 签章有效：{count} 个签名全部验证通过（验证时间 {at}）",
    en: "The PDF is validly signed: {count} signature(s), every one verifies (checked at {at})",
  },
  "pdf.verdict_invalid": {
    "zh-CN": "PDF 签章无效（验证时间 {at}）",
    en: "The PDF's signatures are not valid (checked at {at})",
  },
  "pdf.no_signatures": { "zh-CN": "文档中没有签名", en: "The document carries no signature" },
  "pdf.unreadable_note": {
    "zh-CN": "文档结构无法完整读取（{detail}），以下结果按字节扫描得出",
    en: "The document structure cannot be fully read ({detail}); the results below come from scanning its bytes",
  },
  "pdf.info_signature": {
    "zh-CN": "签名 {index}（{field}）：签名者 {subject}；签名时间 {time}",
    en: "Signature {index} ({field}): signed by {subject} at {time}",
  },
  "pdf.info_stamp": {
    "zh-CN": "印章图案位于第 {page} 页 [{rect}]",
    en: "The stamp is on page {page} at [{rect}]",
  },
  "pdf.info_seal": {
    "zh-CN": "电子印章：{name}（编号 {id}）",
    en: "Electronic seal: {name} (ID {id})",
  },
  "pdf.field_unknown": { "zh-CN": "未命名", en: "unnamed" },
  "pdf.signer_unknown": { "zh-CN": "未知", en: "unknown" },
  "pdf.check.byteRange": { "zh-CN": "签名范围", en: "Signed range" },
  "pdf.check.digest": { "zh-CN": "文档杂凑值", en: "Document digest" },
  "pdf.check.signature": { "zh-CN": "签名值", en: "Signature" },
  "pdf.check.signingCertificate": { "zh-CN": "签名证书属性", en: "Signing-certificate attribute" },
  "pdf.check.timestamp": { "zh-CN": "时间戳", en: "Timestamp" },
  "pdf.check.signerCertificate": { "zh-CN": "签名者证书", en: "Signer certificate" },
  "pdf.check.chain": { "zh-CN": "证书链", en: "Certificate chain" },
  "pdf.check.seal": { "zh-CN": "电子印章", en: "Electronic seal" },
  "pdf.check.changes": { "zh-CN": "签名后的改动", en: "Changes after signing" },

  // Signed PDFs: check outcomes
  "pdf.not_checked": { "zh-CN": "未检查", en: "not checked" },
  "pdf.byte_range_ok": {
    "zh-CN": "签名范围覆盖除签名值外的全部内容（{byteRange}）",
    en: "the signed range covers everything but the signature value ({byteRange})",
  },
  "pdf.byte_range_invalid": {
    "zh-CN": "签名范围不合规（{byteRange}）",
    en: "the signed range is malformed ({byteRange})",
  },
  "pdf.byte_range_beyond_file": {
    "zh-CN": "签名范围超出文件末尾（{byteRange}）：文件被截断",
    en: "the signed range runs past the end of the file ({byteRange}): the file was truncated",
  },
  "pdf.cms_invalid": { "zh-CN": "签名数据无法解析：{what}", en: "the signature data does not parse: {what}" },
  "pdf.digest_matches": {
    "zh-CN": "签名后签名范围内的内容未被改动（{algorithm}）",
    en: "nothing inside the signed range changed after signing ({algorithm})",
  },
  "pdf.digest_mismatch": {
    "zh-CN": "杂凑值不一致：文档在签名后被改动（{algorithm}）",
    en: "the digest does not match: the document was changed after signing ({algorithm})",
  },
  "pdf.digest_algorithm_unsupported": {
    "zh-CN": "不支持的杂凑算法：{algorithm}",
    en: "unsupported digest algorithm: {algorithm}",
  },
  "pdf.attributes_invalid": {
    "zh-CN": "签名属性缺少内容类型或消息摘要",
    en: "the signed attributes lack a content type or message digest",
  },
  "pdf.signer_certificate_missing": {
    "zh-CN": "签名数据中没有签名者证书",
    en: "the signature data does not carry the signer's certificate",
  },
  "pdf.signature_valid": { "zh-CN": "签名有效（{algorithm}）", en: "the signature verifies ({algorithm})" },
  "pdf.signature_invalid": {
    "zh-CN": "签名无效：签名数据被改动，或不是由该证书签署（{algorithm}）",
    en: "the signature does not verify: it was altered or not made with this certificate ({algorithm})",
  },
  "pdf.signature_algorithm_unsupported": {
    "zh-CN": "不支持的签名算法：{algorithm}",
    en: "unsupported signature algorithm: {algorithm}",
  },
  "pdf.ess_match": {
    "zh-CN": "签名证书属性（版本 {version}）指向签名者证书",
    en: "the signing-certificate attribute (version {version}) names the signer's certificate",
  },
  "pdf.ess_mismatch": {
    "zh-CN": "签名证书属性指向另一张证书",
    en: "the signing-certificate attribute names another certificate",
  },
  "pdf.ess_missing": {
    "zh-CN": "缺少 PAdES 要求的签名证书属性（signing-certificate-v2）",
    en: "the signing-certificate-v2 attribute PAdES requires is missing",
  },
  "pdf.ess_missing_legacy": {
    "zh-CN": "无签名证书属性（非 PAdES 签名，未检查）",
    en: "no signing-certificate attribute (not a PAdES signature; not checked)",
  },
  "pdf.signer_certificate_valid": {
    "zh-CN": "{subject}，有效期 {notBefore} 至 {notAfter}，于 {at} 有效",
    en: "{subject}, valid from {notBefore} to {notAfter}, valid at {at}",
  },
  "pdf.signer_certificate_valid_at_timestamp": {
    "zh-CN": "{subject} 已于 {notAfter} 过期，但在时间戳时间 {genTime} 有效：签名截至该时间有效",
    en: "{subject} expired at {notAfter}, but was valid at the timestamp's time {genTime}: the signature is valid as of then",
  },
  "pdf.signer_certificate_expired": {
    "zh-CN": "于 {at} 签名者证书已于 {notAfter} 过期，且无可信时间戳证明签名早于过期（{subject}）",
    en: "at {at} the signer certificate had expired at {notAfter}, and no trusted timestamp proves the signature older ({subject})",
  },
  "pdf.signer_certificate_not_yet_valid": {
    "zh-CN": "于 {at} 签名者证书尚未生效，生效时间 {notBefore}（{subject}）",
    en: "at {at} the signer certificate was not yet valid; it starts at {notBefore} ({subject})",
  },
  "pdf.timestamp_absent": {
    "zh-CN": "签名未加盖时间戳",
    en: "the signature carries no timestamp",
  },
  "pdf.timestamp_chain_not_checked": {
    "zh-CN": "时间戳 {genTime}，由 {tsa} 签发；未提供信任的根证书，未检查其证书链",
    en: "timestamp {genTime} by {tsa}; its chain was not checked: no trusted root given",
  },
  "pdf.info_valid_as_of": {
    "zh-CN": "长期有效：签名者证书已过期，时间戳证明签名截至 {genTime} 有效",
    en: "Long-term validity: the signer certificate has expired; the timestamp proves the signature valid as of {genTime}",
  },
  "pdf.chain_not_checked": {
    "zh-CN": "未提供信任的根证书，未检查",
    en: "not checked: no trusted root given",
  },
  "pdf.chain_trusted": { "zh-CN": "证书链至受信任的根证书 {root}", en: "chains to the trusted root {root}" },
  "pdf.chain_untrusted": {
    "zh-CN": "证书链无法连到受信任的根证书（止于颁发者 {issuer}）",
    en: "does not chain to a trusted root (stops at the issuer {issuer})",
  },
  "pdf.seal_valid": {
    "zh-CN": "电子印章“{name}”有效，并绑定签名者证书",
    en: "the electronic seal “{name}” is valid and binds the signer's certificate",
  },
  "pdf.seal_invalid": {
    "zh-CN": "电子印章“{name}”无效，详见下列检查",
    en: "the electronic seal “{name}” is not valid; see the checks below",
  },
  "pdf.seal_not_bound": {
    "zh-CN": "电子印章“{name}”未绑定签名者证书（{subject}），签名者无权使用",
    en: "the electronic seal “{name}” does not bind the signer's certificate ({subject}), so the signer may not use it",
  },
  "pdf.no_seal": { "zh-CN": "签名未附电子印章", en: "the signature carries no electronic seal" },
  "pdf.covers_whole_document": {
    "zh-CN": "签名覆盖整个文档，签名后未追加内容",
    en: "the signature covers the whole document; nothing was added after signing",
  },
  "pdf.modified_after_signing": {
    "zh-CN": "签名后文档被修改：末尾追加了 {bytes} 字节未经签名的内容",
    en: "modified after signing: {bytes} unsigned bytes were added after the signed revision",
  },
  "pdf.later_revision_signed": {
    "zh-CN": "签名后追加的 {bytes} 字节由后续签名覆盖",
    en: "the {bytes} bytes added after signing are covered by a later signature",
  },

  // Signing PDFs
  "pdf.unreadable": { "zh-CN": "无法读取该 PDF 文件：{detail}", en: "Cannot read the PDF file: {detail}" },
  "pdf.encrypted": {
    "zh-CN": "PDF 文件已加密，请提供未加密的文件",
    en: "The PDF file is encrypted; give an unencrypted file",
  },
  "pdf.signer_algorithm_unsupported": {
    "zh-CN": "不能用签名算法 {algorithm} 签署 PDF",
    en: "Cannot sign a PDF with the signature algorithm {algorithm}",
  },
  "pdf.signer_key_mismatch": {
    "zh-CN": "签名密钥与证书（{subject}）不匹配",
    en: "The signing key does not match the certificate ({subject})",
  },
  "pdf.stamp_needs_seal": {
    "zh-CN": "盖章位置需要配合电子印章使用",
    en: "A stamp position needs an electronic seal",
  },
  "pdf.seal_unusable": {
    "zh-CN": "电子印章不能使用：{check}",
    en: "The electronic seal cannot be used: {check}",
  },
  "pdf.seal_picture_unsupported": {
    "zh-CN": "无法在 PDF 中显示 {type} 格式的印章图片",
    en: "A {type} seal picture cannot be shown in a PDF",
  },
  "pdf.page_out_of_range": {
    "zh-CN": "文档只有 {pages} 页，没有第 {page} 页",
    en: "The document has {pages} pages; there is no page {page}",
  },
  "pdf.too_large": {
    "zh-CN": "签名数据超出预留空间",
    en: "The signature data does not fit the space reserved for it",
  },
  "pdf.self_check_failed": {
    "zh-CN": "新签名未通过自检（{check}），签名密钥或算法有误",
    en: "The new signature fails its own check ({check}): wrong signing key or algorithm",
  },

  // The CLI's help for `certdesk pdf`
  "cli.help.pdf": { "zh-CN": "签名 PDF 文档", en: "signed PDF documents" },
  "cli.help.pdf.verify": {
    "zh-CN": "校验 PDF 中的签名（签名者、时间、电子印章、签名后是否被改动）；全部通过时退出码为 0，否则为 1",
    en: "verify the signatures in a PDF (signer, time, electronic seal, changes after signing); exits 0 when all verify, 1 when not",
  },
  "cli.help.pdf_file": { "zh-CN": "PDF 文件", en: "the PDF file" },
  "cli.help.pdf.trust": {
    "zh-CN": "受信任的根证书（PEM 或 DER）；不给出时不检查证书链",
    en: "trusted root certificates (PEM or DER); without it the chain is not checked",
  },

  // Seal pictures from a scan or photo of the imprint
  "seal.image_unreadable": {
    "zh-CN": "无法读取该图片，请上传 PNG 或 JPEG 格式的扫描件或照片（{detail}）",
    en: "The image cannot be read; upload a PNG or JPEG scan or photo ({detail})",
  },
  "seal.image_options_invalid": {
    "zh-CN": "印章图片参数 {option} 的值 {value} 超出范围",
    en: "The seal picture setting {option} = {value} is out of range",
  },
  "seal.image_too_small": {
    "zh-CN":
      "图片只有 {widthPx}×{heightPx} 像素，不足以制作 {sizeMm} 毫米、{dpi} dpi 的印章图片（需要至少 {needPx} 像素），请上传分辨率更高的扫描件或照片",
    en: "The image is only {widthPx}×{heightPx} pixels: a {sizeMm} mm seal at {dpi} dpi needs at least {needPx}; upload a higher-resolution scan or photo",
  },
  "seal.image_no_red_ink": {
    "zh-CN": "图片中没有找到红色印迹，请上传盖有红色实物印章的白纸扫描件或照片",
    en: "No red ink was found in the image; upload a scan or photo of the red imprint on white paper",
  },
  "seal.image_multiple_imprints": {
    "zh-CN": "图片中有 {count} 个印迹，请只保留要制作的一枚印章",
    en: "The image shows {count} imprints; keep only the one seal to be made",
  },
  "seal.image_cut_off": {
    "zh-CN": "印迹在图片边缘被截断，请拍摄或扫描完整的印迹并在四周留出空白",
    en: "The imprint is cut off at the edge of the image; capture the whole imprint with a blank margin around it",
  },
  "seal.image_imprint_too_small": {
    "zh-CN": "印迹在图片中只有 {imprintPx} 像素宽，至少需要 {needPx} 像素，请靠近拍摄或提高扫描分辨率",
    en: "The imprint is only {imprintPx} pixels across and needs at least {needPx}; take the photo closer or scan at a higher resolution",
  },
  "seal.image_blurred": {
    "zh-CN": "印迹模糊（边缘宽约 {edgeMm} 毫米，上限 {limitMm} 毫米），请对焦后重新拍摄或扫描",
    en: "The imprint is blurred (its edges are about {edgeMm} mm wide, at most {limitMm} mm); focus and take the photo or scan again",
  },
  "seal.image_not_for_order": {
    "zh-CN": "{service} 业务不需要印章图片",
    en: "A {service} order takes no seal picture",
  },
  "seal.image_order_closed": {
    "zh-CN": "订单已结束（{state}），不能再上传印章图片",
    en: "The order is closed ({state}); no seal picture can be uploaded",
  },
  "seal.image_seal_made": {
    "zh-CN": "电子印章 {esId} 已制作，不能再更换印章图片；如需修改请办理印章变更",
    en: "The electronic seal {esId} has been made; its picture cannot be replaced now: apply for a seal change",
  },
  "seal.image_not_found": {
    "zh-CN": "该订单尚未上传印章图片",
    en: "No seal picture has been uploaded for this order",
  },
  "seal.image_missing": {
    "zh-CN": "申请人尚未上传印章图片，无法制作电子印章",
    en: "The applicant has not uploaded the seal picture, so the seal cannot be made",
  },

  // Seals at the desk
  "seal.not_found": { "zh-CN": "该证书没有电子印章", en: "This certificate holds no electronic seal" },
  "seal.order_makes_no_seal": {
    "zh-CN": "{service} 业务不制作电子印章",
    en: "A {service} order makes no electronic seal",
  },
  "seal.certificate_not_issued": {
    "zh-CN": "订单 {order} 的证书尚未签发，签发后才能制作电子印章",
    en: "The certificate of order {order} has not been issued yet; the seal is made after it is",
  },
  "seal.order_not_in_production": {
    "zh-CN": "订单当前状态为 {state}，不在制作环节",
    en: "The order is {state}, not at its production step",
  },
};
