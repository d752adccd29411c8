/** Why a desk rule refused (src/domain/rules.ts). Every RuleReason has an entry here. */
import type { RuleReason } from "../../domain/rules.js";
import type { Message, MessageTable } from "./types.js";

const messages: Record<RuleReason, Message> = {
  "rules.renewal.expired": {
    "zh-CN": "证书已过期（有效期至{notAfter}），无法续期，请重新申请新证书",
    en: "The certificate has expired (valid until {notAfter}) and can no longer be renewed; please apply for a new certificate.",
  },
  "rules.renewal.not_yet_open": {
    "zh-CN": "证书有效期至{notAfter}，到期前{windowDays}天内方可办理更新续期，请于{opensOn}起办理",
    en: "Renewal opens {windowDays} days before expiry: the certificate is valid until {notAfter}, so you can renew from {opensOn}.",
  },
  "rules.certificate.expired": {
    "zh-CN": "证书已过期（有效期至{notAfter}），无法办理该业务，请重新申请新证书",
    en: "The certificate has expired (valid until {notAfter}), so this service is no longer available; please apply for a new certificate.",
  },
  "rules.certificate.revoked": {
    "zh-CN": "证书已吊销，无法办理该业务，请重新申请新证书",
    en: "The certificate has been revoked, so this service is not available; please apply for a new certificate.",
  },
  "rules.seal.type_not_allowed": {
    "zh-CN": "电子印章仅支持公章或合同专用章",
    en: "Only the official seal (公章) or the contract seal (合同专用章) can be made into an electronic seal.",
  },
  "rules.seal.name_change_needs_change_service": {
    "zh-CN":
      "印章名称“{requestedName}”与证书单位名称“{certificateName}”不一致。单位名称变更请办理证书变更业务，不能通过印章变更办理",
    en: "The seal name “{requestedName}” does not match the organisation name on the certificate, “{certificateName}”. A change of organisation name needs the certificate change service, not a seal change.",
  },
  "rules.seal.name_type_mismatch": {
    "zh-CN":
      "印章名称“{sealName}”以“{nameWord}”结尾，与所选印章类型不符：该类型的印章名称应以“{typeWord}”结尾",
    en: "The seal name “{sealName}” ends with “{nameWord}”, which is not the chosen seal type: a seal of this type is named with “{typeWord}” at the end.",
  },
  "rules.seal.name_type_not_electronic": {
    "zh-CN":
      "印章名称“{sealName}”是{nameWord}的名称，此类印章不能制作电子印章；电子印章仅支持公章或合同专用章",
    en: "The seal name “{sealName}” names a {nameWord}, which cannot be made into an electronic seal; only the official seal (公章) or the contract seal (合同专用章) can.",
  },
  "rules.seal.name_missing_type_word": {
    "zh-CN": "印章名称“{sealName}”应为单位登记名称加印章类型，例如“{expectedName}”",
    en: "The seal name “{sealName}” must be the organisation's registered name followed by the seal type's word, for example “{expectedName}”.",
  },
  "rules.seal.already_exists": {
    "zh-CN":
      "该证书已绑定电子印章“{sealName}”，每张证书只能绑定一枚电子印章。如印章信息有误，请办理印章变更；如需多枚印章，请使用其他账号另行申请证书",
    en: "This certificate already holds the electronic seal “{sealName}”, and a certificate holds one seal only. To correct it, apply for a seal change; for another seal, apply for a certificate under another account.",
  },
  "rules.seal.none_to_change": {
    "zh-CN": "该证书尚未绑定电子印章，请办理电子印章申请",
    en: "This certificate has no electronic seal yet; please apply for a seal instead of a seal change.",
  },
  "rules.refund.already_refunded": {
    "zh-CN": "该订单已办理退费，请勿重复申请",
    en: "This order has already been refunded.",
  },
  "rules.refund.activated": {
    "zh-CN": "证书已激活，不予退费",
    en: "The certificate has been activated, so the order cannot be refunded.",
  },
  "rules.refund.awaiting_delivery": {
    "zh-CN": "证书介质尚未签收，暂不能申请退费。请签收后再申请，或联系服务中心",
    en: "The key has not been delivered yet, so a refund cannot be requested now. Please apply after signing for it, or contact the service centre.",
  },
  "rules.refund.activation_window_passed": {
    "zh-CN":
      "证书介质已于{deliverySignedOn}签收，未激活退费须在签收后{activationWindowDays}天内（截至{lastDay}）申请，现已逾期，不予退费",
    en: "The key was signed for on {deliverySignedOn}. A refund for a key not activated must be requested within {activationWindowDays} days of delivery (by {lastDay}); that period has passed.",
  },
  "rules.binding.account_has_certificate": {
    "zh-CN": "该平台账号已绑定证书，每个账号只能绑定一张证书",
    en: "This platform account already has a certificate bound; an account can hold only one certificate.",
  },
  "rules.binding.certificate_has_account": {
    "zh-CN": "该证书已绑定其他平台账号，一张证书只能绑定一个账号",
    en: "This certificate is already bound to another platform account; a certificate can be bound to one account only.",
  },
  "rules.new.valid_certificate_held": {
    "zh-CN":
      "贵单位在本平台已持有有效证书（序列号 {serial}，有效期至{notAfter}，有效证书共 {count} 张）。延长有效期请办理更新续期，钥匙丢失或损坏请办理补办，单位名称或地址变更请办理变更；确需再申请一张新证书（例如用于另一个平台账号），请确认后再提交",
    en: "Your organisation already holds a valid certificate on this platform (serial {serial}, valid until {notAfter}; {count} valid in all). To extend it, renew it; for a lost or damaged key, apply for a reissue; for a new name or address, apply for a change. If you do need another certificate (for another platform account, say), confirm and submit again.",
  },
};

export const rulesMessages: MessageTable = messages;
