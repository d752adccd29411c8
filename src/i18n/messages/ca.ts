/**
 * Messages of the CA core's use cases: issuing (issuance.*), revoking (revocation.*), importing and
 * keeping CAs (ca.*), and the `certdesk ca` commands (cli.ca.*, cli.help.ca*). ca.passphrase_wrong,
 * ca.not_initialised, ca.not_found and ca.hsm_not_configured live in desk.ts.
 */
import type { MessageTable } from "./types.js";

export const caMessages: MessageTable = {
  // ---- issuance: the key -----------------------------------------------------------------------
  "issuance.public_key_invalid": {
    "zh-CN": "公钥无效，无法签发证书",
    en: "The public key is not valid; no certificate can be issued for it",
  },
  "issuance.key_input_invalid": {
    "zh-CN": "密钥信息无效（{field}）：请提供证书请求（PEM 或 Base64 DER）或 Base64 DER 公钥之一",
    en: "Invalid key material ({field}): give either a certificate request (PEM or base64 DER) or a base64 DER public key",
  },
  "issuance.proof_of_possession_failed": {
    "zh-CN":
      "证书请求签名验证失败，不能证明持有私钥（SM2 请求须以标识 1234567812345678 或 OpenSSL 默认的空标识签名）",
    en: "The certificate request's signature does not verify, so possession of the private key is not proven (SM2 requests must be signed with the ID 1234567812345678, or OpenSSL's default empty ID)",
  },
  "issuance.key_algorithm_not_allowed": {
    "zh-CN": "证书模板 {profile} 不接受 {algorithm} 密钥（可用：{allowed}）",
    en: "The profile {profile} does not take {algorithm} keys (allowed: {allowed})",
  },
  "issuance.rsa_key_too_small": {
    "zh-CN": "RSA 密钥长度 {bits} 位过短，至少需要 {min} 位",
    en: "The RSA key has {bits} bits; at least {min} are required",
  },

  // ---- issuance: the profile -------------------------------------------------------------------
  "issuance.no_profiles": {
    "zh-CN": "项目 {programme} 未配置证书模板，不能签发证书",
    en: "The programme {programme} has no certificate profiles; no certificate can be issued",
  },
  "issuance.profile_not_found": {
    "zh-CN": "项目 {programme} 中没有证书模板 {profile}",
    en: "No certificate profile {profile} in programme {programme}",
  },
  "issuance.profile_ambiguous": {
    "zh-CN": "多个项目都有证书模板 {profile}（{programmes}），请用 --programme 指定",
    en: "Several programmes have a profile {profile} ({programmes}); choose one with --programme",
  },
  "issuance.not_end_entity": {
    "zh-CN": "证书模板只能签发终端实体证书（basicConstraints cA=false）",
    en: "A profile issues end-entity certificates only (basicConstraints cA=false)",
  },
  "issuance.key_usage_mismatch": {
    "zh-CN": "密钥用法与证书模板不符：应为 {expected}，实为 {actual}",
    en: "The key usage does not match the profile: expected {expected}, got {actual}",
  },
  "issuance.extended_key_usage_mismatch": {
    "zh-CN": "扩展密钥用法与证书模板不符：应为 {expected}，实为 {actual}",
    en: "The extended key usage does not match the profile: expected {expected}, got {actual}",
  },
  "issuance.extension_missing": {
    "zh-CN": "证书缺少证书模板 {profile} 要求的内容：{extension}",
    en: "The certificate lacks what the profile {profile} requires: {extension}",
  },
  "issuance.uscc_required": {
    "zh-CN":
      "证书模板 {profile} 要求统一社会信用代码：请在请求主题的 serialNumber 中提供有效代码，或用 --organisation 指定已登记的单位",
    en: "The profile {profile} requires the unified social credit code: put a valid one in the request subject's serialNumber, or name a registered organisation with --organisation",
  },

  // ---- issuance: the CA and the validity --------------------------------------------------------
  "issuance.issuer_not_ca": {
    "zh-CN": "签发者 {subject} 不是可签发证书的 CA",
    en: "The issuer {subject} is not a CA that may sign certificates",
  },
  "issuance.validity_past_ca": {
    "zh-CN": "证书有效期（至 {notAfter}）超出签发 CA 的有效期（至 {caNotAfter}），请先更换签发 CA",
    en: "The certificate would be valid until {notAfter}, past its issuing CA ({caNotAfter}); roll the issuing CA over first",
  },
  "issuance.validity_before_ca": {
    "zh-CN": "证书生效时间 {notBefore} 早于签发 CA 的生效时间 {caNotBefore}",
    en: "The certificate would start at {notBefore}, before its issuing CA ({caNotBefore})",
  },
  "issuance.validity_unknown": {
    "zh-CN": "无法确定 {service} 业务证书的有效期（缺少年限或原证书截止日期）",
    en: "The validity of the {service} certificate is unknown (no term in years, or no original end date)",
  },
  "issuance.days_invalid": {
    "zh-CN": "有效天数须为正整数：{days}",
    en: "The validity in days must be a positive whole number: {days}",
  },
  "issuance.serial_exhausted": {
    "zh-CN": "连续 {attempts} 次生成的证书序列号均已存在，请检查随机数来源",
    en: "{attempts} serial numbers in a row were already taken; check the random source",
  },

  // ---- issuance: orders and production -----------------------------------------------------------
  "issuance.order_issues_no_certificates": {
    "zh-CN": "{service} 业务不签发证书",
    en: "The service {service} issues no certificates",
  },
  "issuance.order_not_in_production": {
    "zh-CN": "订单当前状态（{state}）不在制证环节，不能签发证书",
    en: "The order, now {state}, is not at its production step; no certificate can be issued",
  },
  "issuance.key_count_mismatch": {
    "zh-CN": "本订单还需签发 {expected} 张证书，但提供了 {given} 个密钥",
    en: "This order needs {expected} more certificates, but {given} keys were given",
  },
  "issuance.dual_pair_not_offered": {
    "zh-CN": "项目 {programme} 不签发 SM2 双证书（加密证书）",
    en: "The programme {programme} issues no SM2 dual certificates (encryption certificates)",
  },
  "issuance.encryption_key_required": {
    "zh-CN": "项目 {programme} 要求 SM2 双证书：请为每个电子钥匙同时提供加密密钥",
    en: "The programme {programme} requires SM2 dual certificates: give each key's encryption key too",
  },
  "issuance.organisation_not_found": {
    "zh-CN": "未登记统一社会信用代码为 {uscc} 的单位",
    en: "No organisation with the credit code {uscc} is registered",
  },

  // ---- revocation --------------------------------------------------------------------------------
  "revocation.certificate_not_found": { "zh-CN": "证书不存在", en: "No such certificate" },
  "revocation.already_revoked": {
    "zh-CN": "证书 {serial} 已于 {revokedAt} 吊销（原因：{reason}），不能重复吊销",
    en: "The certificate {serial} was already revoked at {revokedAt} ({reason}); it is not revoked again",
  },
  "revocation.reason_not_allowed": {
    "zh-CN": "不能以 {reason} 为原因吊销证书（可用：{allowed}）",
    en: "A certificate cannot be revoked for the reason {reason} (allowed: {allowed})",
  },

  // ---- CAs: keys and import ----------------------------------------------------------------------
  "ca.hsm_algorithm_unsupported": {
    "zh-CN": "HSM 不支持 {algorithm} 算法的 CA 密钥；该算法的 CA 请使用加密存储的密钥",
    en: "The HSM holds no {algorithm} CA keys; keep that algorithm's CA key encrypted at rest instead",
  },
  "ca.import_password_wrong": {
    "zh-CN": "密码错误，无法打开 PKCS#12 文件或加密的私钥",
    en: "Wrong password: the PKCS#12 file or the encrypted key cannot be opened",
  },
  "ca.import_p12_malformed": {
    "zh-CN": "PKCS#12 文件格式无法解析：{detail}",
    en: "The PKCS#12 file cannot be parsed: {detail}",
  },
  "ca.import_p12_unsupported": {
    "zh-CN": "PKCS#12 文件使用了不支持的算法 {algorithm}；请用 OpenSSL 3 重新导出（PBES2、PBKDF2、AES）",
    en: "The PKCS#12 file uses an unsupported algorithm {algorithm}; export it again with OpenSSL 3 (PBES2, PBKDF2, AES)",
  },
  "ca.import_key_count": {
    "zh-CN": "PKCS#12 文件须恰好包含一个私钥，实有 {keys} 个",
    en: "The PKCS#12 file must hold exactly one private key; it holds {keys}",
  },
  "ca.import_key_unreadable": {
    "zh-CN": "无法读取私钥：{detail}",
    en: "The private key cannot be read: {detail}",
  },
  "ca.import_key_mismatch": {
    "zh-CN": "私钥与所给证书均不匹配",
    en: "The private key matches none of the certificates given",
  },
  "ca.import_not_ca": {
    "zh-CN": "证书 {subject} 不是 CA 证书（须有 basicConstraints cA=true 和 keyCertSign）",
    en: "The certificate {subject} is not a CA certificate (it needs basicConstraints cA=true and keyCertSign)",
  },
  "ca.import_not_valid_now": {
    "zh-CN": "CA 证书当前不在有效期内（{notBefore} 至 {notAfter}）",
    en: "The CA certificate is not valid now ({notBefore} to {notAfter})",
  },
  "ca.import_exists": {
    "zh-CN": "该 CA 已存在：{ca}",
    en: "This CA is already on file: {ca}",
  },
  "ca.import_id_invalid": {
    "zh-CN": "CA 标识须为小写字母、数字和连字符：{id}",
    en: "A CA id is lower-case letters, digits and dashes: {id}",
  },

  // ---- certdesk ca ------------------------------------------------------------------------------
  "cli.help.ca": {
    "zh-CN": "CA：创建、列出、导入、签发、吊销",
    en: "the CAs: create, list, import, issue, revoke",
  },
  "cli.help.ca.init": {
    "zh-CN": "为各算法创建根 CA、签发 CA、OCSP 响应者和印章制作者（已有的算法跳过）",
    en: "create a root, issuing CA, OCSP responder and seal maker per algorithm (algorithms that have one are skipped)",
  },
  "cli.help.ca.algorithms": {
    "zh-CN": "算法，以逗号分隔：rsa、ecdsa-p256、sm2（默认全部）",
    en: "algorithms, comma-separated: rsa, ecdsa-p256, sm2 (default: all)",
  },
  "cli.help.ca.organisation": {
    "zh-CN": "写入 CA 证书的机构名称（默认 CERTDESK_CA_ORGANISATION）",
    en: "the organisation named in the CA certificates (default: CERTDESK_CA_ORGANISATION)",
  },
  "cli.help.ca.prefix": { "zh-CN": "CA 标识前缀", en: "a prefix for the CA ids" },
  "cli.help.ca.hsm": {
    "zh-CN": "在 CERTDESK_HSM_* 配置的 HSM 中生成 CA 密钥（RSA、ECDSA P-256）",
    en: "make the CA keys in the HSM configured by CERTDESK_HSM_* (RSA, ECDSA P-256)",
  },
  "cli.help.ca.list": { "zh-CN": "列出 CA", en: "list the CAs" },
  "cli.help.ca.issue": {
    "zh-CN": "不经订单，按证书模板为证书请求签发证书，输出 PEM 证书链（证书、签发 CA、根 CA）",
    en: "issue from a CSR with a profile, without an order; prints the PEM chain (certificate, issuing CA, root)",
  },
  "cli.help.ca.profile": { "zh-CN": "证书模板标识", en: "the profile id" },
  "cli.help.ca.csr": { "zh-CN": "证书请求文件（PEM 或 DER）", en: "the CSR file (PEM or DER)" },
  "cli.help.ca.days": { "zh-CN": "有效天数（默认 365）", en: "validity in days (default 365)" },
  "cli.help.ca.algorithm": {
    "zh-CN": "签发 CA 的算法（默认与密钥相同）",
    en: "the issuing CA's algorithm (default: the key's)",
  },
  "cli.help.ca.programme": {
    "zh-CN": "证书模板所属项目（模板标识不唯一时必填）",
    en: "the programme whose profile is meant (needed when the id is not unique)",
  },
  "cli.help.ca.organisation_uscc": {
    "zh-CN": "以该统一社会信用代码的已登记单位为证书主题",
    en: "name the subject after the registered organisation with this credit code",
  },
  "cli.help.ca.revoke": { "zh-CN": "吊销证书", en: "revoke a certificate" },
  "cli.help.ca.serial": { "zh-CN": "证书序列号（十六进制）", en: "the certificate serial number (hex)" },
  "cli.help.ca.reason": {
    "zh-CN":
      "吊销原因：unspecified、keyCompromise、affiliationChanged、superseded、cessationOfOperation、privilegeWithdrawn",
    en: "reason: unspecified, keyCompromise, affiliationChanged, superseded, cessationOfOperation, privilegeWithdrawn",
  },
  "cli.help.ca.note": { "zh-CN": "备注，记入审计日志", en: "a note for the audit trail" },
  "cli.help.ca.crl": {
    "zh-CN": "生成、签名并保存 CA 的完整 CRL（默认为每个启用的签发 CA）",
    en: "build, sign and store a CA's full CRL (default: every active issuing CA)",
  },
  "cli.help.ca.crl.ca": { "zh-CN": "CA 标识", en: "the CA's id" },
  "cli.help.ca.crl.out": {
    "zh-CN": "写入 DER 的文件，或写入 {caId}.crl 的已有目录",
    en: "a file for the DER, or an existing folder to write {caId}.crl into",
  },
  "cli.help.ca.import": {
    "zh-CN": "导入已有 CA 作为其算法的签发 CA（原签发 CA 停用，其证书仍可获取）",
    en: "import an existing CA as its algorithm's issuing CA (the previous one is deactivated; its certificate is still served)",
  },
  "cli.help.ca.cert": {
    "zh-CN": "CA 证书文件（PEM，可含上级证书链）",
    en: "the CA certificate file (PEM, may hold the chain above it)",
  },
  "cli.help.ca.key": { "zh-CN": "CA 私钥文件（PEM 或 DER）", en: "the CA private key file (PEM or DER)" },
  "cli.help.ca.p12": {
    "zh-CN": "PKCS#12 文件（代替 --cert 和 --key）",
    en: "a PKCS#12 file (instead of --cert and --key)",
  },
  "cli.help.ca.password": {
    "zh-CN": "PKCS#12 文件或加密私钥的密码（终端中不填则提示输入）",
    en: "the PKCS#12 file's or encrypted key's password (asked for on a terminal when left out)",
  },
  "cli.help.ca.id": { "zh-CN": "导入后的 CA 标识", en: "the imported CA's id" },
  "cli.ca.none": { "zh-CN": "尚无 CA，请运行 certdesk ca init", en: "No CAs yet; run certdesk ca init" },
  "cli.ca.active": { "zh-CN": "启用", en: "active" },
  "cli.ca.inactive": { "zh-CN": "停用", en: "inactive" },
  "cli.ca.imported": { "zh-CN": "已导入 CA {ca}：{subject}", en: "Imported CA {ca}: {subject}" },
  "cli.ca.imported_replacing": {
    "zh-CN": "已导入 CA {ca}：{subject}；原签发 CA {replaced} 已停用",
    en: "Imported CA {ca}: {subject}; the previous issuing CA {replaced} is deactivated",
  },
  "cli.ca.revoked": {
    "zh-CN": "已吊销证书 {serial}（{reason}）",
    en: "Revoked certificate {serial} ({reason})",
  },
  "cli.ca.import_source": {
    "zh-CN": "请提供 --p12，或同时提供 --cert 和 --key",
    en: "Give --p12, or both --cert and --key",
  },
  "cli.ca.passphrase_prompt": {
    "zh-CN": "CA 私钥口令（服务端须以相同的 CERTDESK_CA_PASSPHRASE 启动）：",
    en: "CA key passphrase (the server must run with the same CERTDESK_CA_PASSPHRASE): ",
  },
  "cli.ca.passphrase_confirm": { "zh-CN": "再次输入 CA 私钥口令：", en: "CA key passphrase again: " },
  "cli.ca.p12_password_prompt": { "zh-CN": "PKCS#12 文件密码：", en: "PKCS#12 password: " },
  "cli.ca.passphrase_short": {
    "zh-CN": "CA 私钥口令至少 {min} 个字符",
    en: "The CA key passphrase needs at least {min} characters",
  },
  "cli.ca.passphrase_mismatch": { "zh-CN": "两次输入的口令不一致", en: "The two passphrases differ" },
  "cli.ca.cancelled": { "zh-CN": "已取消", en: "Cancelled" },
};
