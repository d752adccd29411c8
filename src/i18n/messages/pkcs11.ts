/** Messages for the pkcs11.* error codes (HSMs and USB keys over PKCS#11, src/token/pkcs11.ts). */
import type { MessageTable } from "./types.js";

export const pkcs11Messages: MessageTable = {
  "pkcs11.key_algorithm_unsupported": {
    "zh-CN": "令牌 {token} 上的密钥算法不受支持：{algorithm}",
    en: "Unsupported key algorithm on token {token}: {algorithm}",
  },
  "pkcs11.key_ambiguous": {
    "zh-CN": "令牌 {token} 上有多个密钥匹配 {key}",
    en: "More than one key on token {token} matches {key}",
  },
  "pkcs11.key_function_not_permitted": {
    "zh-CN": "令牌 {token} 上的密钥 {key} 不允许此操作",
    en: "Key {key} on token {token} may not be used for this operation",
  },
  "pkcs11.key_not_found": {
    "zh-CN": "令牌 {token} 上未找到密钥 {key}",
    en: "Key {key} not found on token {token}",
  },
  "pkcs11.mechanism_invalid": {
    "zh-CN": "令牌 {token} 不支持所需的密码算法",
    en: "Token {token} does not support the required algorithm",
  },
  "pkcs11.module_load_failed": {
    "zh-CN": "无法加载 PKCS#11 模块：{path}",
    en: "Cannot load the PKCS#11 module: {path}",
  },
  "pkcs11.not_logged_in": {
    "zh-CN": "请先登录令牌 {token}",
    en: "Log in to token {token} first",
  },
  "pkcs11.object_not_found": {
    "zh-CN": "令牌 {token} 上的对象已不存在",
    en: "The object no longer exists on token {token}",
  },
  "pkcs11.operation_failed": {
    "zh-CN": "令牌 {token} 操作失败（{ckr}）",
    en: "Operation on token {token} failed ({ckr})",
  },
  "pkcs11.pin_expired": {
    "zh-CN": "令牌 {token} 的 PIN 码已过期，请先修改 PIN 码",
    en: "The PIN of token {token} has expired; change it first",
  },
  "pkcs11.pin_incorrect": {
    "zh-CN": "令牌 {token} 的 PIN 码不正确",
    en: "Incorrect PIN for token {token}",
  },
  "pkcs11.pin_invalid": {
    "zh-CN": "新 PIN 码不符合令牌 {token} 的要求（长度或复杂度）",
    en: "The new PIN does not meet the requirements of token {token} (length or complexity)",
  },
  "pkcs11.pin_locked": {
    "zh-CN": "令牌 {token} 的 PIN 码已锁定，请联系管理员解锁",
    en: "The PIN of token {token} is locked; ask an administrator to unblock it",
  },
  "pkcs11.session_closed": {
    "zh-CN": "与令牌 {token} 的会话已关闭",
    en: "The session with token {token} is closed",
  },
  "pkcs11.token_ambiguous": {
    "zh-CN": "有多个令牌匹配 {token}，请按序列号选择",
    en: "More than one token matches {token}; choose it by serial number",
  },
  "pkcs11.token_label_invalid": {
    "zh-CN": "令牌标签无效（不能为空，最多 32 字节）：{label}",
    en: "Invalid token label (must not be empty, at most 32 bytes): {label}",
  },
  "pkcs11.token_not_found": {
    "zh-CN": "未找到令牌 {token}，请确认 USB Key 已插入",
    en: "Token {token} not found; check that the USB key is plugged in",
  },
  "pkcs11.token_not_present": {
    "zh-CN": "令牌 {token} 未连接或已被拔出",
    en: "Token {token} is not present or was removed",
  },
  "pkcs11.user_pin_not_initialized": {
    "zh-CN": "令牌 {token} 尚未设置用户 PIN 码",
    en: "Token {token} has no user PIN yet",
  },
};
