/** Messages for relying platforms: their API credentials, bindings, certificate login and webhooks. */
import type { MessageTable } from "./types.js";

export const platformMessages: MessageTable = {
  "platform.id_invalid": {
    "zh-CN": "平台标识“{id}”无效：只能用小写字母、数字和连字符，2 至 63 个字符",
    en: "Platform id “{id}” is not valid: lower-case letters, digits and hyphens, 2 to 63 characters",
  },
  "platform.exists": { "zh-CN": "平台“{id}”已经登记", en: "Platform “{id}” is already registered" },
  "platform.not_found": { "zh-CN": "没有平台“{id}”", en: "No platform “{id}”" },
  "platform.credential_not_found": {
    "zh-CN": "没有可吊销的凭据 {keyId}",
    en: "No credential {keyId} to revoke",
  },
  "platform.webhook_url_invalid": {
    "zh-CN": "回调地址“{url}”无效：须为 http 或 https 地址，且不含用户名和密码",
    en: "Webhook URL “{url}” is not valid: it must be http or https, without a user name or password",
  },
  "platform.auth_missing": {
    "zh-CN": "缺少平台签名：请求须带 Authorization: Certdesk-HMAC-SHA256 …",
    en: "The request is not signed: send Authorization: Certdesk-HMAC-SHA256 …",
  },
  "platform.auth_invalid": {
    "zh-CN": "平台签名无效：密钥标识未知、已过期或已吊销，或签名不符",
    en: "The request's signature is not valid: the key id is unknown, expired or revoked, or the signature does not match",
  },
  "platform.auth_stale": {
    "zh-CN": "请求时间戳与服务器时间相差超过 {seconds} 秒，请校准时钟",
    en: "The request's timestamp is more than {seconds} seconds from the server's clock: check the clock",
  },
  "platform.auth_replayed": {
    "zh-CN": "该请求已处理过（随机数重复），不能重放",
    en: "This request was already received (its nonce was used): it cannot be replayed",
  },
  "platform.disabled": { "zh-CN": "平台“{id}”已停用", en: "Platform “{id}” is disabled" },
  "platform.challenge_invalid": {
    "zh-CN": "挑战值无效：不是本平台为此用途申请的挑战值",
    en: "The challenge is not valid: it is not one this platform asked for, for this purpose",
  },
  "platform.challenge_used": {
    "zh-CN": "挑战值已使用过，请重新获取",
    en: "The challenge was already used: ask for a new one",
  },
  "platform.challenge_expired": {
    "zh-CN": "挑战值已过期（5 分钟内有效），请重新获取",
    en: "The challenge has expired (it is valid for 5 minutes): ask for a new one",
  },
  "platform.certificate_unknown": {
    "zh-CN": "证书不是本中心为该业务平台签发的",
    en: "The certificate was not issued by this desk for this platform's programme",
  },
  "platform.signature_invalid": {
    "zh-CN": "签名验证失败：签名不是该证书的私钥对挑战值所做",
    en: "The signature does not verify: it was not made over the challenge by the certificate's key",
  },
  "platform.certificate_revoked": {
    "zh-CN": "证书 {serial} 已于 {revokedAt} 吊销，不能登录或绑定",
    en: "Certificate {serial} was revoked at {revokedAt}: it cannot log in or be bound",
  },
  "platform.certificate_expired": {
    "zh-CN": "证书 {serial} 不在有效期内",
    en: "Certificate {serial} is not within its validity period",
  },
  "platform.certificate_not_activated": {
    "zh-CN": "证书 {serial} 尚未激活：请先在证书助手中激活，再绑定",
    en: "Certificate {serial} is not activated yet: activate it in the security client, then bind it",
  },
  "platform.certificate_not_bound": {
    "zh-CN": "证书 {serial} 未绑定平台账号：请先用账号密码登录平台，再绑定数字证书",
    en: "Certificate {serial} is not bound to a platform account: sign in with the account's password and bind the certificate first",
  },
  "platform.binding_not_found": {
    "zh-CN": "账号“{account}”没有绑定记录",
    en: "Account “{account}” has no binding",
  },
  "binding.account_invalid": {
    "zh-CN": "平台账号不能为空，且不超过 100 个字符",
    en: "The platform account must not be empty and at most 100 characters",
  },
  "webhook.delivery_not_found": { "zh-CN": "没有推送记录 {id}", en: "No webhook delivery {id}" },
};
