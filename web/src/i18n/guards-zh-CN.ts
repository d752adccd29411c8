/**
 * The portal's guards (#19 finding 9): a new certificate beside a valid one, a certificate the
 * service cannot take now, the courier's number of mailed paper, in Simplified Chinese;
 * guards-en.ts has the same keys. Spread into zh-CN.ts. The rules' own refusals come from the
 * server's catalogue (src/i18n/messages/rules.ts).
 */
export const guardsZhCN = {
  "guards.existing.title": "贵单位在本平台已持有有效证书",
  "guards.existing.held": "序列号 {serial}，有效期至 {date}",
  "guards.existing.more": "另有 {n} 张有效证书",
  "guards.existing.advice": "新申请会另制一把新的电子钥匙并另行收费。您需要的可能是：",
  "guards.existing.renew": "更新续期：延长这张证书的有效期",
  "guards.existing.reissue": "补办：钥匙丢失或损坏",
  "guards.existing.change": "变更：单位名称或地址变更",
  "guards.existing.confirm": "我已了解，确需再申请一张新证书（例如用于另一个平台账号）",
  "guards.existing.confirmRequired": "请确认确需再申请一张新证书，或改为办理续期、补办或变更",

  "guards.certificate.refused": "该证书现在不能办理此业务",
  "guards.certificate.newApplication": "申请新证书",
  "guards.quote.blocked": "所选证书现在不能办理此业务，因此不计算费用。",

  "guards.paper.title": "纸质材料的快递单号",
  "guards.paper.hint":
    "寄出纸质材料后，请填写快递公司和快递单号，便于服务中心查收。服务中心登记收到前可以修改。",
  "guards.paper.carrier": "快递公司",
  "guards.paper.carriers": "顺丰速运,EMS,京东快递,中通快递,圆通速递,申通快递,韵达快递",
  "guards.paper.number": "快递单号",
  "guards.paper.save": "保存快递单号",
  "guards.paper.update": "修改快递单号",
  "guards.paper.saved": "已保存快递单号",
  "guards.paper.given": "已填写：{carrier} {number}（{at}）",
  "guards.paper.locked": "服务中心已登记收到纸质材料，快递单号不能再修改。",

  "guards.office.paperTracking": "申请人寄件单号",
  "guards.office.paperTrackingIs": "申请人寄件单号：{carrier} {number}",
  "guards.office.noPaperTracking": "申请人尚未填写快递单号",
} as const;
