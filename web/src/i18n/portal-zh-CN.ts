/**
 * The portal's phone layout, resubmission guard, uploads, transfer receipt and "what happens next"
 * strings, in Simplified Chinese; portal-en.ts has the same keys. Spread into zh-CN.ts.
 */
export const portalZhCN = {
  "layout.menu": "菜单",
  "layout.closeMenu": "关闭菜单",

  "order.replaceRejectedFirst": "请先重新上传审核未通过的材料：",
  "order.rejectedNotReplaced": "待重新上传",

  "upload.tooLarge": "文件过大（最大 {limit} MB）",
  "materials.photograph": "拍照上传",
  "materials.photographOf": "拍照上传：{material}",

  "receipt.title": "转账回单",
  "receipt.states":
    "上传银行转账回单（截图或扫描件），按本订单所选方案和期限付款：{plan}，{term}，合计 ¥{amount}。",
  "receipt.upload": "上传转账回单",
  "receipt.uploadAgain": "重新上传转账回单",
  "receipt.uploaded": "转账回单已提交，等待财务确认到账",
  "receipt.uploadedAt": "提交于 {at}",
  "receipt.decidedAt": "处理于 {at}",
  "receipt.waiting": "财务正在核对到账，确认后订单进入制证。",
  "receipt.returned": "已退回：{reason}。请核对后重新上传。",
  "receipt.status.submitted": "待财务确认",
  "receipt.status.confirmed": "已确认到账",
  "receipt.status.rejected": "已退回",

  "timeline.unlockAutoApproved": "申请人是最近一笔订单的经办人，系统已自动批准",
  "deskNext.title": "接下来",
  "deskNext.review": "服务中心将在 {date} 前完成审核并通知您结果。",
  "deskNext.reviewAgain": "已收到您修改后的材料，服务中心将在 {date} 前重新审核。",
  "deskNext.production": "服务中心将在 {date} 前制作电子钥匙并寄出，寄出后短信通知快递单号。",
  "deskNext.invoice": "电子发票将在 {date} 前开具并以短信发送。",
  "deskNext.refund": "退款将在 {date} 前退回原付款账户。",
  "deskNext.left": "（还有 {n} 个工作日）",

  "refundOrder.title": "退费信息",
  "refundOrder.of": "申请退费的订单",
  "refundOrder.amount": "退费金额",
} as const;
