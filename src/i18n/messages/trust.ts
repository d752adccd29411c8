/**
 * Messages for certificate chains and revocation in seal and OFD verification (chain.*), their
 * check labels, and the CLI's --trust and --crl options.
 */
import type { MessageTable } from "./types.js";

const labels = (prefix: "seal" | "ofd"): MessageTable => ({
  [`${prefix}.check.makerChain`]: { "zh-CN": "制章者证书链", en: "Maker certificate chain" },
  [`${prefix}.check.makerRevocation`]: { "zh-CN": "制章者证书吊销状态", en: "Maker certificate revocation" },
  [`${prefix}.check.signerChain`]: { "zh-CN": "签章者证书链", en: "Signer certificate chain" },
  [`${prefix}.check.signerRevocation`]: {
    "zh-CN": "签章者证书吊销状态",
    en: "Signer certificate revocation",
  },
});

export const trustMessages: MessageTable = {
  ...labels("seal"),
  ...labels("ofd"),

  "chain.trusted": {
    "zh-CN": "{subject} 的证书链至受信任的 CA 证书 {anchor}",
    en: "{subject} chains to the trusted CA certificate {anchor}",
  },
  "chain.no_trust": {
    "zh-CN": "不受信任：没有受信任的 CA 证书（本机无证书服务台数据库；请用 --trust 给出 CA 证书）",
    en: "untrusted: no trusted CA certificates (no desk store here; give CA certificates with --trust)",
  },
  "chain.issuer_unknown": {
    "zh-CN": "不受信任：{certificate} 的签发者 {issuer} 不在受信任的 CA 证书中",
    en: "untrusted: the issuer of {certificate}, {issuer}, is not among the trusted CA certificates",
  },
  "chain.signature_invalid": {
    "zh-CN": "不受信任：{certificate} 上的签名不是 {issuer} 的密钥所签",
    en: "untrusted: the signature on {certificate} was not made by the key of {issuer}",
  },
  "chain.issuer_expired": {
    "zh-CN": "不受信任：签发者 {issuer} 的证书已于 {notAfter} 过期（验证时间 {at}）",
    en: "untrusted: the issuer {issuer}'s certificate expired on {notAfter} (checked at {at})",
  },
  "chain.issuer_not_yet_valid": {
    "zh-CN": "不受信任：签发者 {issuer} 的证书自 {notBefore} 起才生效（验证时间 {at}）",
    en: "untrusted: the issuer {issuer}'s certificate is valid only from {notBefore} (checked at {at})",
  },
  "chain.issuer_not_ca": {
    "zh-CN": "不受信任：签发者 {issuer} 不是 CA 证书（基本约束）",
    en: "untrusted: the issuer {issuer} is not a CA certificate (basicConstraints)",
  },
  "chain.issuer_key_usage": {
    "zh-CN": "不受信任：签发者 {issuer} 的密钥用法不允许签发证书",
    en: "untrusted: the issuer {issuer}'s key usage does not allow signing certificates",
  },
  "chain.path_length": {
    "zh-CN": "不受信任：证书链超出 {issuer} 的路径长度约束",
    en: "untrusted: the path is longer than {issuer}'s path length constraint allows",
  },
  "chain.key_usage": {
    "zh-CN": "不受信任：{subject} 的密钥用法不允许签名",
    en: "untrusted: the key usage of {subject} does not allow signing",
  },
  "chain.not_revoked": {
    "zh-CN": "未吊销（已按 CRL 检查 {count} 张证书）",
    en: "not revoked ({count} certificates checked against CRLs)",
  },
  "chain.revoked": {
    "zh-CN": "已吊销：{subject}（序列号 {serial}）于 {revokedAt} 被吊销，原因 {reason}",
    en: "revoked: {subject} (serial {serial}) was revoked at {revokedAt}, reason {reason}",
  },
  "chain.revocation_unknown": {
    "zh-CN": "吊销状态未知：无法取得 {subject} 的有效 CRL（{detail}）",
    en: "revocation unknown: no current CRL for {subject} could be had ({detail})",
  },
  "chain.revocation_not_checked": {
    "zh-CN": "未检查：证书链不受信任",
    en: "not checked: the chain is not trusted",
  },

  "cli.help.trust": {
    "zh-CN": "受信任的 CA 证书文件（PEM 或 DER，可多个）；默认为本证书服务台自己的 CA 证书",
    en: "trusted CA certificate files (PEM or DER, one or more); by default the desk's own CA certificates",
  },
  "cli.help.crl": {
    "zh-CN": "用于检查吊销状态的 CRL 文件（PEM 或 DER，可多个）；此外从证书的 CRL 分发点获取",
    en: "CRL files to check revocation with (PEM or DER, one or more); besides, CRLs are fetched from the certificates' distribution points",
  },
  "cli.trust.certificates_unreadable": {
    "zh-CN": "{path} 中没有可读的证书（需要 PEM 或 DER）",
    en: "{path} holds no readable certificate (PEM or DER expected)",
  },
  "cli.trust.crl_unreadable": {
    "zh-CN": "{path} 不是可读的 CRL（需要 PEM 或 DER）",
    en: "{path} is not a readable CRL (PEM or DER expected)",
  },
};
