import type { MessageTable } from "./types.js";

/**
 * Money, messages and deadlines: errors of payments, receipts, refunds and invoices, and the
 * texts of every notification (SMS, e-mail subject and body) in both languages. Notification
 * placeholders are filled per recipient language by src/notify/templates.ts.
 */
export const moneyMessages: MessageTable = {
  "payment.charge_unknown": {
    "zh-CN": "支付网关没有这笔交易：{trade}",
    en: "The payment gateway has no charge {trade}",
  },
  "payment.receipt_required": {
    "zh-CN": "请上传银行转账回单（截图或扫描件）",
    en: "Upload the bank transfer receipt (screenshot or scan)",
  },
  "payment.receipt_type_refused": {
    "zh-CN": "转账回单只接受 PDF、JPG 或 PNG（按文件内容判断）",
    en: "A transfer receipt must be a PDF, JPG or PNG (judged by content)",
  },
  "payment.receipt_terms_mismatch": {
    "zh-CN": "回单注明的资费方案和年限（{stated}）与订单（{ordered}）不一致，请核对后重新上传",
    en: "The plan and term stated with the receipt ({stated}) differ from the order's ({ordered}); check and upload again",
  },
  "payment.receipt_pending": {
    "zh-CN": "已有一张转账回单在等待财务确认",
    en: "A transfer receipt is already waiting for finance",
  },
  "payment.receipt_not_found": { "zh-CN": "转账回单不存在", en: "No such transfer receipt" },
  "payment.receipt_decided": {
    "zh-CN": "这张转账回单已处理（{status}）",
    en: "This transfer receipt was already decided ({status})",
  },
  "payment.reject_reason_required": {
    "zh-CN": "退回转账回单时必须填写原因",
    en: "A reason is required to reject a transfer receipt",
  },

  "refund.not_a_refund_order": {
    "zh-CN": "该订单不是退费申请",
    en: "This order is not a refund request",
  },
  "refund.not_ready": {
    "zh-CN": "退费申请尚未审核通过，不能付款（当前状态：{state}）",
    en: "The refund request is not approved yet and cannot be paid (now {state})",
  },
  "refund.nothing_paid": { "zh-CN": "原订单没有可退的付款", en: "The order has no payment to return" },
  "refund.already_made": {
    "zh-CN": "该订单已退费或退费正在进行中，不会重复退费",
    en: "This order has been refunded, or its refund is under way; nothing is refunded twice",
  },
  "refund.reference_required": {
    "zh-CN": "原款项为银行转账，退款须由财务转出后填写转账流水号",
    en: "The money came by bank transfer: finance transfers it back and enters the transfer reference",
  },
  "refund.unpaid_fulfil": {
    "zh-CN": "退款尚未通过原支付渠道退回，不能办结退费申请",
    en: "The refund has not been paid back through the original channel; the request cannot be closed yet",
  },
  "refund.not_found": { "zh-CN": "退款记录不存在", en: "No such refund" },
  "refund.already_requested": {
    "zh-CN": "该订单已有一份退费申请正在办理（{number}），请勿重复申请",
    en: "A refund request for this order is already open ({number}); it cannot be requested twice",
  },

  "invoice.not_found": { "zh-CN": "发票不存在", en: "No such invoice" },
  "notify.contact_invalid": {
    "zh-CN": "联系方式无效：{detail}",
    en: "Invalid contact details: {detail}",
  },
  "jobs.unknown": { "zh-CN": "没有名为 {job} 的定时任务", en: "No scheduled job named {job}" },
  "jobs.not_running": { "zh-CN": "定时任务未启动", en: "Scheduled work is not running" },

  // ---- Notifications -------------------------------------------------------------------------
  "notify.signature": { "zh-CN": "【证书服务】", en: "[certdesk] " },
  "notify.channel.online": { "zh-CN": "原在线支付渠道", en: "the original online payment" },
  "notify.channel.bank-transfer": { "zh-CN": "银行转账", en: "bank transfer" },

  "notify.order-submitted.sms": {
    "zh-CN": "您的{service}订单 {number} 已提交，我们会尽快处理。",
    en: "Your {service} order {number} has been submitted; we will handle it shortly.",
  },
  "notify.order-submitted.subject": {
    "zh-CN": "订单 {number} 已提交",
    en: "Order {number} submitted",
  },
  "notify.order-submitted.body": {
    "zh-CN":
      "您好，\n\n您的{service}订单 {number} 已提交。请登录证书服务平台查看下一步（付款、审核或邮寄材料）。\n",
    en: "Hello,\n\nYour {service} order {number} has been submitted. Sign in to the certificate desk to see the next step (payment, review or mailing the paper).\n",
  },

  "notify.order-rejected.sms": {
    "zh-CN": "您的订单 {number} 未通过审核，原因：{reason}。请修改后重新提交。",
    en: "Your order {number} was not approved: {reason}. Please correct it and resubmit.",
  },
  "notify.order-rejected.subject": {
    "zh-CN": "订单 {number} 需要修改",
    en: "Order {number} needs changes",
  },
  "notify.order-rejected.body": {
    "zh-CN":
      "您好，\n\n您的{service}订单 {number} 未通过审核。\n原因：{reason}\n\n请登录证书服务平台，按提示修改后重新提交。\n",
    en: "Hello,\n\nYour {service} order {number} was not approved.\nReason: {reason}\n\nSign in to the certificate desk, make the changes shown and resubmit.\n",
  },

  "notify.order-paid.sms": {
    "zh-CN": "订单 {number} 已收到付款 ¥{amount}，谢谢。",
    en: "We received ¥{amount} for order {number}. Thank you.",
  },
  "notify.order-paid.subject": {
    "zh-CN": "订单 {number} 付款成功",
    en: "Payment received for order {number}",
  },
  "notify.order-paid.body": {
    "zh-CN": "您好，\n\n您的{service}订单 {number} 已收到付款 ¥{amount}。我们将继续办理。\n",
    en: "Hello,\n\nWe received ¥{amount} for your {service} order {number} and will carry on with it.\n",
  },

  "notify.order-approved.sms": {
    "zh-CN": "您的订单 {number} 已审核通过。",
    en: "Your order {number} has been approved.",
  },
  "notify.order-approved.subject": {
    "zh-CN": "订单 {number} 审核通过",
    en: "Order {number} approved",
  },
  "notify.order-approved.body": {
    "zh-CN": "您好，\n\n您的{service}订单 {number} 已审核通过。请登录证书服务平台查看下一步。\n",
    en: "Hello,\n\nYour {service} order {number} has been approved. Sign in to the certificate desk to see the next step.\n",
  },

  "notify.order-shipped.sms": {
    "zh-CN": "您的订单 {number} 已寄出，{carrier} 运单号 {trackingNumber}。",
    en: "Your order {number} has been shipped: {carrier} tracking number {trackingNumber}.",
  },
  "notify.order-shipped.subject": { "zh-CN": "订单 {number} 已寄出", en: "Order {number} shipped" },
  "notify.order-shipped.body": {
    "zh-CN":
      "您好，\n\n您的订单 {number} 已寄出。\n快递公司：{carrier}\n运单号：{trackingNumber}\n\n签收后请尽快激活证书。\n",
    en: "Hello,\n\nYour order {number} has been shipped.\nCarrier: {carrier}\nTracking number: {trackingNumber}\n\nPlease activate the certificate soon after you sign for it.\n",
  },

  "notify.activation-code.sms": {
    "zh-CN": "您的证书激活码为 {code}（订单 {number}），请在安全客户端中插入电子钥匙后输入。请勿告知他人。",
    en: "Your certificate activation code is {code} (order {number}). Enter it in the security client with the key inserted. Do not share it.",
  },
  "notify.activation-code.subject": {
    "zh-CN": "证书激活码（订单 {number}）",
    en: "Certificate activation code (order {number})",
  },
  "notify.activation-code.body": {
    "zh-CN":
      "您好，\n\n您的证书激活码为：{code}\n请插入电子钥匙，在安全客户端中输入激活码完成激活，然后登录业务平台绑定证书。\n激活码请勿告知他人。\n",
    en: "Hello,\n\nYour certificate activation code is: {code}\nInsert the key, enter the code in the security client to activate the certificate, then sign in to the platform and bind it.\nDo not share this code.\n",
  },

  "notify.unlock-code.sms": {
    "zh-CN":
      "您的电子钥匙解锁验证码为 {code}（订单 {number}），请在安全客户端中输入并设置新口令。请勿告知他人。",
    en: "Your key unlock verification code is {code} (order {number}). Enter it in the security client and set a new PIN. Do not share it.",
  },
  "notify.unlock-code.subject": {
    "zh-CN": "电子钥匙解锁验证码（订单 {number}）",
    en: "Key unlock verification code (order {number})",
  },
  "notify.unlock-code.body": {
    "zh-CN":
      "您好，\n\n您的电子钥匙解锁验证码为：{code}\n请在安全客户端中输入验证码并设置新的用户口令。\n验证码请勿告知他人。\n",
    en: "Hello,\n\nYour key unlock verification code is: {code}\nEnter it in the security client and set a new user PIN.\nDo not share this code.\n",
  },

  "notify.password-reset-code.sms": {
    "zh-CN":
      "您正在重置证书服务平台的登录密码，验证码为 {code}，{minutes} 分钟内有效。如非本人操作，请忽略本短信。请勿告知他人。",
    en: "Your code to reset your certificate desk password is {code}, valid for {minutes} minutes. If you did not ask for it, ignore this message. Do not share it.",
  },
  "notify.password-reset-code.subject": {
    "zh-CN": "重置登录密码的验证码",
    en: "Code to reset your password",
  },
  "notify.password-reset-code.body": {
    "zh-CN":
      "您好，\n\n您正在重置证书服务平台的登录密码，验证码为：{code}\n{minutes} 分钟内有效。如非本人操作，请忽略本邮件。\n验证码请勿告知他人。\n",
    en: "Hello,\n\nYour code to reset your certificate desk password is: {code}\nIt is valid for {minutes} minutes. If you did not ask for it, ignore this message.\nDo not share this code.\n",
  },

  "notify.invoice-ready.sms": {
    "zh-CN": "订单 {number} 的发票已开具，发票号码 {invoiceNumber}，金额 ¥{amount}，请登录证书服务平台下载。",
    en: "The invoice for order {number} is ready: number {invoiceNumber}, ¥{amount}. Download it from the certificate desk.",
  },
  "notify.invoice-ready.subject": {
    "zh-CN": "发票已开具（订单 {number}）",
    en: "Invoice ready (order {number})",
  },
  "notify.invoice-ready.body": {
    "zh-CN":
      "您好，\n\n订单 {number} 的增值税普通发票已开具。\n发票号码：{invoiceNumber}\n价税合计：¥{amount}（{amountInCapitals}）\n\n请登录证书服务平台下载电子发票。\n",
    en: "Hello,\n\nThe VAT general invoice for order {number} is ready.\nInvoice number: {invoiceNumber}\nTotal including tax: ¥{amount} ({amountInCapitals})\n\nDownload it from the certificate desk.\n",
  },

  "notify.refund-made.sms": {
    "zh-CN": "订单 {number} 的退款 ¥{amount} 已通过{channel}退回，请注意查收。",
    en: "The refund of ¥{amount} for order {number} has been paid back through {channel}.",
  },
  "notify.refund-made.subject": {
    "zh-CN": "退款已退回（订单 {number}）",
    en: "Refund paid (order {number})",
  },
  "notify.refund-made.body": {
    "zh-CN": "您好，\n\n订单 {number} 的退款 ¥{amount} 已通过{channel}退回。到账时间以银行为准。\n",
    en: "Hello,\n\nThe refund of ¥{amount} for order {number} has been paid back through {channel}. When it arrives depends on your bank.\n",
  },

  "notify.expiry-reminder.sms": {
    "zh-CN": "您单位的证书（序列号 {serial}）将于 {notAfter} 到期，还有 {days} 天。请在到期前办理更新。",
    en: "Your organisation's certificate (serial {serial}) expires on {notAfter}, in {days} days. Please renew it before then.",
  },
  "notify.expiry-reminder.subject": {
    "zh-CN": "证书将于 {days} 天后到期",
    en: "Certificate expires in {days} days",
  },
  "notify.expiry-reminder.body": {
    "zh-CN":
      "您好，\n\n{subject} 的证书（序列号 {serial}）将于 {notAfter} 到期，还有 {days} 天。\n到期后的证书不能更新，只能重新申请。请在到期前登录证书服务平台办理更新。\n",
    en: "Hello,\n\nThe certificate of {subject} (serial {serial}) expires on {notAfter}, in {days} days.\nAn expired certificate cannot be renewed, only applied for again: please renew it at the certificate desk before then.\n",
  },

  "notify.deadline-overdue.sms": {
    "zh-CN": "超期提醒：订单 {number} 的{deadline}期限 {dueOn} 已过，请尽快处理。",
    en: "Overdue: the {deadline} deadline of order {number} was {dueOn}. Please handle it now.",
  },
  "notify.deadline-overdue.subject": {
    "zh-CN": "超期：订单 {number}（{deadline}，{dueOn} 到期）",
    en: "Overdue: order {number} ({deadline}, due {dueOn})",
  },
  "notify.deadline-overdue.body": {
    "zh-CN": "订单 {number} 的{deadline}期限为 {dueOn}，现已超期，请尽快处理。\n",
    en: "The {deadline} deadline of order {number} was {dueOn} and has passed. Please handle it now.\n",
  },
  "notify.deadline.review": { "zh-CN": "审核", en: "review" },
  "notify.deadline.production": { "zh-CN": "制证", en: "production" },
  "notify.deadline.refund-payment": { "zh-CN": "退款", en: "refund payment" },
  "notify.deadline.invoice": { "zh-CN": "开票", en: "invoice" },

  "notify.order-expired.sms": {
    "zh-CN": "您的订单 {number} 超时未付款，已自动关闭。如需办理请重新下单。",
    en: "Your order {number} was not paid in time and has been closed. Place a new order if you still need it.",
  },
  "notify.order-expired.subject": { "zh-CN": "订单 {number} 已关闭", en: "Order {number} closed" },
  "notify.order-expired.body": {
    "zh-CN": "您好，\n\n您的订单 {number} 超过付款期限未付款，已自动关闭。如需办理，请重新下单。\n",
    en: "Hello,\n\nYour order {number} was not paid within the time allowed and has been closed. Place a new order if you still need it.\n",
  },

  "notify.transfer-rejected.sms": {
    "zh-CN": "订单 {number} 的转账回单未通过确认，原因：{reason}。请核对后重新上传。",
    en: "The transfer receipt for order {number} was not accepted: {reason}. Please check and upload it again.",
  },
  "notify.transfer-rejected.subject": {
    "zh-CN": "转账回单未通过（订单 {number}）",
    en: "Transfer receipt not accepted (order {number})",
  },
  "notify.transfer-rejected.body": {
    "zh-CN": "您好，\n\n订单 {number} 的转账回单未通过财务确认。\n原因：{reason}\n\n请核对后重新上传。\n",
    en: "Hello,\n\nFinance did not accept the transfer receipt for order {number}.\nReason: {reason}\n\nPlease check it and upload it again.\n",
  },
};
