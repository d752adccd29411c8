import type { MessageTable } from "./types.js";

/** Messages of the desk's own services: access, orders, materials, payments, the store. */
export const deskMessages: MessageTable = {
  "auth.bad_credentials": { "zh-CN": "账号或密码错误", en: "Wrong login or password" },
  "auth.throttled": {
    "zh-CN": "登录失败次数过多，请 {minutes} 分钟后再试",
    en: "Too many failed logins; try again in {minutes} minutes",
  },
  "auth.unauthenticated": { "zh-CN": "请先登录", en: "Please sign in first" },
  "auth.forbidden": { "zh-CN": "您无权进行此操作", en: "You are not allowed to do this" },
  "auth.password_weak": {
    "zh-CN": "密码至少 {min} 位，且须同时包含字母和数字",
    en: "The password needs at least {min} characters, with letters and digits",
  },
  "auth.organisation_name_required": { "zh-CN": "请填写单位名称", en: "Enter the organisation's name" },
  "auth.handler_name_required": { "zh-CN": "请填写经办人姓名", en: "Enter the handler's name" },
  "auth.organisation_exists": {
    "zh-CN": "统一社会信用代码 {uscc} 已注册，请由原经办人登录或联系服务中心",
    en: "The organisation with credit code {uscc} is already registered; sign in as its handler or contact the desk",
  },
  "auth.mobile_taken": {
    "zh-CN": "手机号 {mobile} 已注册",
    en: "The mobile number {mobile} is already registered",
  },
  "auth.override_reason_required": {
    "zh-CN": "跳过统一社会信用代码校验时必须填写原因",
    en: "A reason is required to override the credit code check",
  },
  "auth.staff_login_format": {
    "zh-CN": "工作人员账号须为 3–32 位小写字母、数字、点、下划线或连字符，以字母开头",
    en: "Staff logins are 3–32 lower-case letters, digits, dots, underscores or dashes, starting with a letter",
  },
  "auth.unknown_role": { "zh-CN": "未知角色：{role}", en: "Unknown role: {role}" },
  "auth.reset_code_invalid": {
    "zh-CN": "验证码错误或已失效，请核对后重试或重新获取验证码",
    en: "The code is wrong or no longer valid; check it or ask for a new one",
  },
  "auth.reset_throttled": {
    "zh-CN": "验证码错误次数过多，请 {minutes} 分钟后再试",
    en: "Too many wrong codes; try again in {minutes} minutes",
  },

  "order.not_found": { "zh-CN": "订单不存在", en: "No such order" },
  "order.illegal_transition": {
    "zh-CN": "订单当前状态（{state}）不能进行此操作（{event}）",
    en: "This order, now {state}, cannot take the step {event}",
  },
  "order.paper_not_needed": {
    "zh-CN": "该业务无需邮寄纸质材料，无需填写快递单号",
    en: "This service needs no paper sent by post, so there is no tracking number to give",
  },
  "order.paper_already_received": {
    "zh-CN": "服务中心已登记收到纸质材料（或订单已结束），快递单号不能再修改",
    en: "The service centre has already recorded the paper as received (or the order has ended), so the tracking number can no longer be changed",
  },
  "order.service_not_offered": {
    "zh-CN": "项目 {programme} 不提供此业务：{service}",
    en: "The programme {programme} does not offer the service {service}",
  },
  "order.basket_and_term": {
    "zh-CN": "按行订购时，资费方案、年限和数量请在各行中填写；多把钥匙的证书请只在列表中选择",
    en: "With basket lines, give plan, term and keys in each line; for several keys, name the certificates in the list only",
  },
  "order.certificate_required": {
    "zh-CN": "请选择要办理业务的证书",
    en: "Choose the certificate this service is for",
  },
  "order.certificate_not_found": {
    "zh-CN": "证书不存在或不属于本单位",
    en: "No such certificate in your organisation",
  },
  "order.target_required": { "zh-CN": "请选择要退费的订单", en: "Choose the order to refund" },
  "order.materials_missing": {
    "zh-CN": "请先上传以下材料：{materials}",
    en: "Upload these materials first: {materialsEn}",
  },
  "order.rejected_materials_not_replaced": {
    "zh-CN": "请先重新上传审核未通过的材料，再重新提交：{materials}",
    en: "Upload the rejected materials again before resubmitting: {materialsEn}",
  },
  "order.rejection_reason_required": { "zh-CN": "驳回时必须填写原因", en: "A rejection needs a reason" },

  "material.unknown": {
    "zh-CN": "此业务不需要该材料：{material}",
    en: "This service takes no material {material}",
  },
  "material.not_uploadable": {
    "zh-CN": "该材料须邮寄纸质原件，不能在线上传：{material}",
    en: "This material must be mailed on paper, not uploaded: {material}",
  },
  "material.too_large": {
    "zh-CN": "文件过大（最大 {limit} MB）",
    en: "The file is too large (at most {limit} MB)",
  },
  "material.type_refused": {
    "zh-CN": "文件格式不符：该材料只接受 {accepted}（按文件内容判断）",
    en: "Wrong file type: this material takes only {accepted} (judged by content)",
  },
  "material.empty": { "zh-CN": "文件为空", en: "The file is empty" },
  "material.locked": {
    "zh-CN": "订单已进入审核，不能再修改材料",
    en: "The order is under review; its materials can no longer change",
  },

  "payment.bad_signature": {
    "zh-CN": "支付回调签名无效",
    en: "The payment callback's signature is not valid",
  },
  "payment.callback_invalid": {
    "zh-CN": "支付回调内容无法识别：{detail}",
    en: "The payment callback cannot be read: {detail}",
  },
  "payment.amount_mismatch": {
    "zh-CN": "支付金额 {paid} 与订单金额 {due} 不符",
    en: "The amount paid ({paid}) differs from the amount due ({due})",
  },
  "payment.unknown_trade": { "zh-CN": "未知的支付流水号：{trade}", en: "Unknown payment reference: {trade}" },
  "payment.channel_not_offered": {
    "zh-CN": "本项目不支持此支付方式：{channel}",
    en: "This programme does not take payment by {channel}",
  },
  "payment.nothing_due": { "zh-CN": "本订单无需付款", en: "Nothing is due on this order" },

  "store.folder_locked": {
    "zh-CN":
      "内置数据库目录 {folder} 正被另一个 certdesk 进程（pid {pid}）使用；请先停止它，或通过 DATABASE_URL 使用 PostgreSQL",
    en: "The embedded database folder {folder} is in use by another certdesk process (pid {pid}); stop it, or point DATABASE_URL at PostgreSQL",
  },
  "programme.not_found": { "zh-CN": "项目不存在：{programme}", en: "No such programme: {programme}" },
  "ca.passphrase_wrong": {
    "zh-CN": "CA 私钥口令错误，无法解密 CA 私钥",
    en: "Wrong CA key passphrase: the CA private key cannot be decrypted",
  },
  "ca.not_initialised": {
    "zh-CN": "尚未创建 {algorithm} 算法的 CA（{kind}），请先运行 certdesk ca init",
    en: "No {algorithm} CA ({kind}) exists yet; run certdesk ca init first",
  },
  "ca.not_found": { "zh-CN": "CA 不存在：{ca}", en: "No such CA: {ca}" },
  "ca.hsm_not_configured": {
    "zh-CN": "CA 私钥保存在 HSM 中，但未配置 PKCS#11 模块和 PIN",
    en: "The CA key is held in an HSM, but no PKCS#11 module and PIN are configured",
  },
  "rules.refund.nothing_paid": {
    "zh-CN": "该订单尚未付款，无需退费；如不再办理，可直接取消订单",
    en: "Nothing has been paid on this order, so there is nothing to refund; cancel it instead",
  },
  "production.seal_order": {
    "zh-CN": "电子印章业务（{service}）在制章环节制作印章，不签发证书",
    en: "A seal order ({service}) is produced by making its seal, not by issuing certificates",
  },
  "binding.account_not_found": { "zh-CN": "平台账号不存在", en: "No such platform account" },
};
