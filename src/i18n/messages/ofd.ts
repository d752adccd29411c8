/** Messages for OFD documents (ofd.*): verifying, stamping and drawing seal signatures in OFD files. */
import type { MessageTable } from "./types.js";

export const ofdMessages: MessageTable = {
  // Opening a package
  "ofd.not_ofd": { "zh-CN": "不是 OFD 文件", en: "Not an OFD file" },
  "ofd.zip_invalid": { "zh-CN": "OFD 文件包损坏：{what}", en: "The OFD package is damaged: {what}" },
  "ofd.too_large": {
    "zh-CN": "OFD 文件解压后超过 {limitMb} MB，未处理",
    en: "The OFD file inflates to more than {limitMb} MB; not processed",
  },
  "ofd.xml_invalid": { "zh-CN": "{file} 不是有效的 XML：{what}", en: "{file} is not valid XML: {what}" },
  "ofd.file_missing": { "zh-CN": "OFD 文件中缺少 {file}", en: "{file} is missing from the OFD file" },
  "ofd.page_not_found": {
    "zh-CN": "文档没有第 {page} 页（共 {pages} 页）",
    en: "The document has no page {page} ({pages} pages)",
  },

  // Verdicts
  "ofd.verdict_valid": {
    "zh-CN": "OFD 文件的 {count} 个电子签章全部有效（验证时间 {at}）",
    en: "All {count} seal signatures of the OFD file are valid (checked at {at})",
  },
  "ofd.verdict_invalid": {
    "zh-CN": "OFD 文件的电子签章无效（验证时间 {at}）",
    en: "The OFD file's seal signatures are not valid (checked at {at})",
  },
  "ofd.verdict_unsigned": {
    "zh-CN": "OFD 文件中没有电子签章（验证时间 {at}）",
    en: "The OFD file has no seal signatures (checked at {at})",
  },
  "ofd.signature_heading": {
    "zh-CN": "签章 {id}（{file}）：{outcome}；签名值{signature}，文档{document}",
    en: "Signature {id} ({file}): {outcome}; signature value {signature}, document {document}",
  },
  "ofd.outcome.valid": { "zh-CN": "有效", en: "valid" },
  "ofd.outcome.invalid": { "zh-CN": "无效", en: "not valid" },
  "ofd.intact": { "zh-CN": "完整", en: "intact" },
  "ofd.not_intact": { "zh-CN": "不完整", en: "not intact" },

  // Check names
  "ofd.check.signatureFile": { "zh-CN": "签名描述文件", en: "Signature file" },
  "ofd.check.signedValue": { "zh-CN": "签名值文件", en: "Signed value" },
  "ofd.check.signerSignature": { "zh-CN": "签章者签名", en: "Signer signature" },
  "ofd.check.signedFile": { "zh-CN": "签名描述文件摘要", en: "Signature file digest" },
  "ofd.check.references": { "zh-CN": "受保护文件", en: "Protected files" },
  "ofd.check.reference": { "zh-CN": "受保护文件", en: "Protected file" },
  "ofd.check.seal": { "zh-CN": "电子印章", en: "Electronic seal" },
  "ofd.check.sealFile": { "zh-CN": "印章文件", en: "Seal file" },
  "ofd.check.binding": { "zh-CN": "印章与签章者证书的绑定", en: "Seal bound to the signer" },
  "ofd.check.signingTime": { "zh-CN": "签章时间", en: "Signing time" },
  "ofd.check.sealValidityAtSigning": { "zh-CN": "签章时印章有效期", en: "Seal validity when signed" },
  "ofd.check.signerCertificateAtSigning": {
    "zh-CN": "签章时签章者证书",
    en: "Signer certificate when signed",
  },
  "ofd.check.makerCertificateAtSigning": { "zh-CN": "签章时制章者证书", en: "Maker certificate when signed" },
  "ofd.check.sealValidityNow": { "zh-CN": "验证时印章有效期", en: "Seal validity now" },
  "ofd.check.signerCertificateNow": { "zh-CN": "验证时签章者证书", en: "Signer certificate now" },
  "ofd.check.makerCertificateNow": { "zh-CN": "验证时制章者证书", en: "Maker certificate now" },
  "ofd.check.timeStamp": { "zh-CN": "时间戳", en: "Timestamp" },
  "ofd.check.stamp": { "zh-CN": "签章位置", en: "Stamp position" },

  // Check outcomes
  "ofd.signed_value_read": {
    "zh-CN": "{standard} 电子签章数据，版本 {version}",
    en: "{standard} seal signature, version {version}",
  },
  "ofd.signed_value_missing": {
    "zh-CN": "签名值文件 {file} 不存在",
    en: "the signed value file {file} is missing",
  },
  "ofd.signature_file_matches": {
    "zh-CN": "签名值覆盖 {file}，该文件未被改动",
    en: "the signature covers {file}, which is unchanged",
  },
  "ofd.signature_file_changed": {
    "zh-CN": "{file} 在签章后被改动（摘要与签名值中的不符）",
    en: "{file} was changed after signing (its digest differs from the signed one)",
  },
  "ofd.check_method_unsupported": {
    "zh-CN": "不支持的摘要方法：{method}",
    en: "unsupported check method: {method}",
  },
  "ofd.references_empty": {
    "zh-CN": "签章没有保护任何文件",
    en: "the signature protects no file",
  },
  "ofd.reference_matches": { "zh-CN": "{file} 未被改动（{method}）", en: "{file} is unchanged ({method})" },
  "ofd.reference_changed": {
    "zh-CN": "{file} 在签章后被改动（{method} 摘要不符）",
    en: "{file} was changed after signing (its {method} check value differs)",
  },
  "ofd.reference_missing": {
    "zh-CN": "受保护的文件 {file} 已被删除",
    en: "the protected file {file} was removed",
  },
  "ofd.seal_intact": {
    "zh-CN": "印章“{name}”（{id}）的制章者签名有效",
    en: "the seal \u201c{name}\u201d ({id}) is intact: its maker's signature verifies",
  },
  "ofd.seal_file_none": {
    "zh-CN": "签章旁没有印章文件，使用签名值中的印章",
    en: "no seal file beside the signature; the seal inside the signature is used",
  },
  "ofd.seal_file_matches": {
    "zh-CN": "{file} 与签名值中的印章一致",
    en: "{file} is the seal inside the signature",
  },
  "ofd.seal_file_differs": {
    "zh-CN": "{file} 与签名值中的印章不一致",
    en: "{file} is not the seal inside the signature",
  },
  "ofd.seal_file_missing": { "zh-CN": "印章文件 {file} 不存在", en: "the seal file {file} is missing" },
  "ofd.signing_time": { "zh-CN": "签章者声明的签章时间 {time}", en: "{time}, as the signer states" },
  "ofd.timestamp_chain_not_checked": {
    "zh-CN": "时间戳 {genTime}，由 {tsa} 签发；未提供信任的证书，未检查其证书链",
    en: "timestamp {genTime} by {tsa}; its chain was not checked: no trusted certificates given",
  },
  "ofd.seal_valid_at_timestamp": {
    "zh-CN": "印章现已过期，但在可信时间戳 {genTime} 时有效（{validStart} 至 {validEnd}），签章长期有效",
    en: "the seal has expired since, but was valid at the trusted timestamp {genTime} ({validStart} to {validEnd})",
  },
  "ofd.certificate_valid_at_timestamp": {
    "zh-CN":
      "{subject} 的证书现已过期，但在可信时间戳 {genTime} 时有效（{notBefore} 至 {notAfter}），签章长期有效",
    en: "the certificate of {subject} has expired since, but was valid at the trusted timestamp {genTime} ({notBefore} to {notAfter})",
  },
  "ofd.timestamp_absent": { "zh-CN": "签章没有时间戳", en: "the signature has no timestamp" },
  "ofd.stamp_at": {
    "zh-CN": "第 {page} 页，左上角 ({x}, {y}) 毫米，{width}×{height} 毫米",
    en: "page {page}, top left at ({x}, {y}) mm, {width}×{height} mm",
  },
  "ofd.stamp_none": {
    "zh-CN": "签章没有外观（无 StampAnnot）",
    en: "the signature has no appearance (no StampAnnot)",
  },
  "ofd.stamp_page_unknown": {
    "zh-CN": "签章外观指向不存在的页面（PageRef {pageRef}）",
    en: "the stamp names a page that does not exist (PageRef {pageRef})",
  },
  "ofd.stamp_boundary_invalid": {
    "zh-CN": "第 {page} 页上签章外观的位置不可读",
    en: "the stamp's position on page {page} is not readable",
  },

  // Stamping
  "ofd.stamp_outside_page": {
    "zh-CN":
      "印章（{width}×{height} 毫米，位于 {x}, {y} 毫米）超出了第 {page} 页（{pageWidth}×{pageHeight} 毫米）",
    en: "The seal ({width}×{height} mm at {x}, {y} mm) does not fit on page {page} ({pageWidth}×{pageHeight} mm)",
  },
  "ofd.signer_algorithm_unsupported": {
    "zh-CN": "OFD 电子签章需要 SM2 密钥（GB/T 38540），该钥匙的证书使用 {algorithm}",
    en: "An OFD seal signature needs an SM2 key (GB/T 38540); the key's certificate uses {algorithm}",
  },
  "ofd.render_unavailable": {
    "zh-CN": "无法绘制页面：{detail}",
    en: "Cannot draw the page: {detail}",
  },

  // CLI
  "cli.help.ofd": {
    "zh-CN": "OFD 文档：验证电子签章、绘制页面",
    en: "OFD documents: verify seal signatures, draw pages",
  },
  "cli.help.ofd.verify": {
    "zh-CN": "验证 OFD 文件中的每个电子签章（完整性、印章和证书有效期、签章位置）",
    en: "Verify every seal signature in an OFD file (integrity, seal and certificate validity, stamp position)",
  },
  "cli.help.ofd.render": {
    "zh-CN": "把 OFD 文件的一页绘制为 PNG，包括签章",
    en: "Draw a page of an OFD file to PNG, stamps included",
  },
  "cli.help.ofd_file": { "zh-CN": "OFD 文件", en: "the OFD file" },
  "cli.help.ofd.page": { "zh-CN": "页码（从 1 开始）", en: "the page number (from 1)" },
  "cli.help.ofd.out": { "zh-CN": "PNG 输出文件", en: "the PNG file to write" },
  "cli.help.ofd.dpi": {
    "zh-CN": "分辨率（每英寸点数，默认 96）",
    en: "resolution in dots per inch (default 96)",
  },
  "ofd.rendered": {
    "zh-CN": "已把第 {page} 页绘制到 {out}（{width}×{height} 像素，{stamps} 个签章）",
    en: "Drew page {page} to {out} ({width}×{height} px, {stamps} stamps)",
  },

  // Security client
  "client.help.sign_ofd": {
    "zh-CN": "用钥匙中的电子印章签章 OFD 文件（GB/T 38540）",
    en: "Stamp an OFD file with the key's electronic seal (GB/T 38540)",
  },
  "client.help.ofd_page": { "zh-CN": "签章所在页（从 1 开始）", en: "the page to stamp (from 1)" },
  "client.help.ofd_x": {
    "zh-CN": "印章左上角距页面左边的毫米数",
    en: "millimetres from the page's left edge to the seal's top left corner",
  },
  "client.help.ofd_y": {
    "zh-CN": "印章左上角距页面上边的毫米数",
    en: "millimetres from the page's top edge to the seal's top left corner",
  },
  "client.help.ofd_out": {
    "zh-CN": "签章后的文件（默认在原文件名后加 .signed.ofd）",
    en: "the stamped file (default: the file's name with .signed.ofd)",
  },
  "client.signed_ofd": {
    "zh-CN": "已用印章“{seal}”签章 {file}，写入 {out}（第 {page} 页）",
    en: "Stamped {file} with the seal \u201c{seal}\u201d into {out} (page {page})",
  },
  "client.help.tsa": {
    "zh-CN": "签章时加盖时间戳的时间戳服务地址（默认为服务中心的 /tsa，或 CERTDESK_TSA_URL）",
    en: "the timestamp authority stamped documents ask (default: the desk's /tsa, or CERTDESK_TSA_URL)",
  },
  "client.timestamp_stamped": {
    "zh-CN": "已由时间戳服务 {url} 加盖时间戳",
    en: "Timestamped by the timestamp authority at {url}",
  },
  "client.timestamp_unavailable": {
    "zh-CN": "未能从 {url} 获得时间戳（{reason}）：签章不带时间戳，证书过期后无法证明签章时间",
    en: "No timestamp from {url} ({reason}): signed without one, so the signing time cannot be proven once the certificate expires",
  },
  "client.timestamp_none": {
    "zh-CN": "未设时间戳服务（--tsa 或 --server）：签章不带时间戳",
    en: "No timestamp authority known (--tsa or --server): signed without a timestamp",
  },
  "agent.op.seal-ofd": {
    "zh-CN": "用电子印章签章 OFD 文件",
    en: "Stamp an OFD document with the electronic seal",
  },
};
