/**
 * Messages of the USB keys: the token port (token.*), production and the desk's key services
 * (keys.*, production.*), the security client (client.*) and its local agent (agent.*).
 */
import type { MessageTable } from "./types.js";

const UNLOCK_HINT_ZH = "请用安全客户端申请解锁：certdesk-client unlock";
const UNLOCK_HINT_EN = "unlock it with the security client: certdesk-client unlock";

export const keysMessages: MessageTable = {
  // ---- the token port
  "token.pin_incorrect": {
    "zh-CN": "PIN 码错误，还可以尝试 {remaining} 次",
    en: "Wrong PIN; {remaining} tries left",
  },
  "token.pin_incorrect_unknown": {
    "zh-CN": "PIN 码错误（该钥匙不报告剩余次数，多次错误后将被锁定）",
    en: "Wrong PIN (this key does not report the tries left; it locks after several wrong PINs)",
  },
  "token.pin_final_try": {
    "zh-CN": "PIN 码错误，只剩最后 1 次机会，再错将锁定",
    en: "Wrong PIN; one try left before the PIN locks",
  },
  "token.pin_locked": {
    "zh-CN": `PIN 码已锁定。${UNLOCK_HINT_ZH}`,
    en: `The PIN is locked; ${UNLOCK_HINT_EN}`,
  },
  "token.not_initialised": {
    "zh-CN": "钥匙 {serial} 尚未初始化（空白钥匙）",
    en: "Key {serial} is not initialised (a blank key)",
  },
  "token.not_present": { "zh-CN": "未找到钥匙：{path}", en: "No key at {path}" },
  "token.file_unreadable": { "zh-CN": "无法读取钥匙文件：{path}", en: "Cannot read the key file {path}" },
  "token.file_exists": {
    "zh-CN": "钥匙文件已存在，不会覆盖：{path}",
    en: "The key file {path} exists already; it is not overwritten",
  },
  "token.tampered": {
    "zh-CN": "钥匙文件已损坏或被改动，不能使用：{path}",
    en: "The key file {path} is damaged or was altered; it cannot be used",
  },
  "token.busy": {
    "zh-CN": "钥匙正被其他程序使用，请稍后再试：{path}",
    en: "The key is in use by another program; try again shortly: {path}",
  },
  "token.label_invalid": {
    "zh-CN": "钥匙标签须为 1–32 字节：{label}",
    en: "A key label is 1 to 32 bytes: {label}",
  },
  "token.pin_format": {
    "zh-CN": "PIN 码须为 6–16 位数字或英文字母",
    en: "A PIN is 6 to 16 digits or ASCII letters",
  },
  "token.so_pin_format": { "zh-CN": "管理员 PIN 码太短", en: "The SO PIN is too short" },
  "token.pin_unchanged": {
    "zh-CN": "新 PIN 码不能与原 PIN 码相同",
    en: "The new PIN must differ from the old one",
  },
  "token.pin_trivial": {
    "zh-CN": "PIN 码太简单（同一数字重复、连续递增或递减的数字、出厂 PIN 码），请另选一个",
    en: "That PIN is too easy to guess (one digit repeated, digits counting up or down, a factory PIN); choose another",
  },
  "token.pin_is_default": {
    "zh-CN": "新 PIN 码不能是出厂默认 PIN 码",
    en: "The new PIN cannot be the factory default PIN",
  },
  "token.default_pin": {
    "zh-CN": "钥匙仍在使用出厂默认 PIN 码，请先修改：certdesk-client change-pin",
    en: "The key still has its factory default PIN; change it first: certdesk-client change-pin",
  },
  "token.so_locked": {
    "zh-CN": "钥匙 {serial} 的管理员 PIN 已锁定，只能由服务中心重新制作",
    en: "The SO PIN of key {serial} is locked; only the service centre can remake the key",
  },
  "token.so_auth_failed": {
    "zh-CN": "服务器的解锁应答无效，管理员验证还可以尝试 {remaining} 次",
    en: "The server's unblock response is not valid; {remaining} SO tries left",
  },
  "token.no_challenge": {
    "zh-CN": "钥匙上没有待应答的{purpose}挑战，请重新开始",
    en: "The key has no pending {purpose} challenge; start again",
  },
  "token.response_invalid": { "zh-CN": "解锁应答格式错误", en: "The unblock response is malformed" },
  "token.challenge_invalid": { "zh-CN": "钥匙挑战格式错误", en: "The key's challenge is malformed" },
  "token.challenge_wrong_key": {
    "zh-CN": "挑战来自另一把钥匙（{serial}）",
    en: "The challenge comes from another key ({serial})",
  },
  "token.challenge_wrong_purpose": {
    "zh-CN": "挑战的用途不符（{purpose}）",
    en: "The challenge is for something else ({purpose})",
  },
  "token.key_id_invalid": { "zh-CN": "密钥标识无效：{id}", en: "Invalid key id: {id}" },
  "token.key_id_taken": {
    "zh-CN": "钥匙上已有标识为 {id} 的密钥对",
    en: "The key already holds a key pair with id {id}",
  },
  "token.key_not_found": {
    "zh-CN": "钥匙上没有标识为 {id} 的密钥对",
    en: "The key holds no key pair with id {id}",
  },
  "token.session_closed": { "zh-CN": "钥匙会话已关闭", en: "The key session is closed" },
  "token.format_unsupported": {
    "zh-CN":
      "此钥匙（PKCS#11 设备）不支持远程格式化：格式化需要管理员 PIN，只能在服务中心办理。请将钥匙寄回服务中心。",
    en: "This key (a PKCS#11 device) cannot be formatted remotely: formatting needs the SO PIN, which only the service centre uses. Send the key to the service centre.",
  },
  "token.unblock_unsupported": {
    "zh-CN":
      "此钥匙（PKCS#11 设备）不支持远程解锁：PKCS#11 没有标准的挑战应答方式，解锁需要管理员 PIN，只能在服务中心办理。请将钥匙寄回服务中心。",
    en: "This key (a PKCS#11 device) cannot be unblocked remotely: PKCS#11 has no standard challenge-response and unblocking needs the SO PIN, which only the service centre uses. Send the key to the service centre.",
  },
  "token.algorithm_unsupported": {
    "zh-CN": "此钥匙不能生成 {algorithm} 密钥对",
    en: "This key cannot make {algorithm} key pairs",
  },
  "token.not_found": { "zh-CN": "未找到钥匙 {token}", en: "No key {token} found" },
  "token.ambiguous": {
    "zh-CN": "找到多把钥匙，请用 --key、--token-label 或 --token-serial 指定一把：{keys}",
    en: "Several keys found; choose one with --key, --token-label or --token-serial: {keys}",
  },
  // ---- production at the service centre
  "production.no_orders": { "zh-CN": "请选择要制作的订单", en: "Choose the orders to make keys for" },
  "production.station_invalid": {
    "zh-CN": "制证工位配置无效：{station}（应为 software:<文件夹> 或 pkcs11:<模块路径>）",
    en: "Invalid production station {station} (software:<folder> or pkcs11:<module path>)",
  },
  "production.no_station": {
    "zh-CN": "本服务器未配置制证工位，请在制证工位上运行 certdesk produce",
    en: "This server has no production station; run certdesk produce at the station",
  },
  "production.batch_not_found": { "zh-CN": "制证批次不存在", en: "No such production batch" },
  "production.order_not_ready": {
    "zh-CN": "订单 {number} 当前状态（{state}）不在制作环节",
    en: "Order {number}, now {state}, is not at its production step",
  },
  "production.order_in_batch": {
    "zh-CN": "订单 {number} 已在制证批次 {batch} 中，请继续该批次",
    en: "Order {number} is already in production batch {batch}; resume that batch",
  },
  "production.service_makes_no_key": {
    "zh-CN": "订单 {number} 的业务（{service}）不需要制作钥匙",
    en: "Order {number} ({service}) makes no key",
  },
  "production.algorithm_unsupported": {
    "zh-CN": "制证工位的钥匙（{station}）不支持项目 {programme} 的算法（{algorithms}）",
    en: "The station's keys ({station}) support none of programme {programme}'s algorithms ({algorithms})",
  },
  "production.no_blank_key": {
    "zh-CN": "制证工位上没有空白钥匙，请插入一把：{station}",
    en: "No blank key at the station; insert one: {station}",
  },
  "production.key_missing": {
    "zh-CN": "找不到正在制作的钥匙 {label}（序列号 {serial}），请重新插入该钥匙后继续批次",
    en: "The key being made, {label} (serial {serial}), is not there; insert it again and resume the batch",
  },
  "production.key_moved": {
    "zh-CN": "钥匙 {label} 正由另一个制证进程处理",
    en: "Key {label} is being made by another production run",
  },
  "production.batch_busy": {
    "zh-CN":
      "制证批次 {batch} 正由 {program}（主机 {host}，pid {pid}，自 {since} 起）运行，不能同时继续；请等它结束或停止它",
    en: "Production batch {batch} is being run by {program} (host {host}, pid {pid}, since {since}); wait for it to end or stop it",
  },
  "production.lease_lost": {
    "zh-CN": "制证批次 {batch} 已由另一个进程接手，本进程停止",
    en: "Production batch {batch} was taken over by another process; this one stops",
  },
  "production.station_mismatch": {
    "zh-CN": "制证批次 {batch} 在工位 {station} 上制作，不能在 {given} 上继续",
    en: "Production batch {batch} is made at station {station}, not at {given}",
  },
  "production.readback_failed": {
    "zh-CN": "钥匙 {label} 上读回的证书与签发的不一致",
    en: "The certificate read back from key {label} is not the one issued",
  },

  // ---- the desk's key services
  "keys.key_not_found": {
    "zh-CN": "服务中心没有序列号为 {serial} 的钥匙",
    en: "The desk knows no key with serial {serial}",
  },
  "keys.secret_unreadable": {
    "zh-CN": "无法读取钥匙的管理员密钥（服务器密钥不符）",
    en: "The key's SO secret cannot be opened (the server's secret key does not match)",
  },
  "keys.no_certificate": { "zh-CN": "钥匙 {serial} 上没有证书", en: "Key {serial} holds no certificate" },
  "keys.not_produced": {
    "zh-CN": "订单 {number} 的钥匙尚未制作完成",
    en: "The keys of order {number} are not made yet",
  },
  "keys.not_shipped": {
    "zh-CN": "订单 {number} 的钥匙尚未寄出，寄出后会收到激活码短信",
    en: "The keys of order {number} have not shipped yet; the activation code comes by SMS when they do",
  },
  "keys.activation_code_missing": {
    "zh-CN": "该钥匙还没有激活码，请联系服务中心重发",
    en: "No activation code was sent for this key; ask the desk to send it again",
  },
  "keys.unlock_code_missing": {
    "zh-CN": "尚未发送解锁验证码，请重新运行 certdesk-client unlock",
    en: "No unlock code was sent yet; run certdesk-client unlock again",
  },
  "keys.code_wrong": {
    "zh-CN": "验证码错误，还可以尝试 {remaining} 次",
    en: "Wrong code; {remaining} tries left",
  },
  "keys.code_locked": {
    "zh-CN": "验证码错误次数过多，已失效，请重新获取",
    en: "Too many wrong codes; this code no longer works, get a new one",
  },
  "keys.code_throttled": {
    "zh-CN": "验证码尝试次数过多，请 {minutes} 分钟后再试",
    en: "Too many code attempts; try again in {minutes} minutes",
  },
  "keys.code_expired": { "zh-CN": "验证码已过期，请重新获取", en: "The code has expired; get a new one" },
  "keys.signature_invalid": {
    "zh-CN": "钥匙签名无效：钥匙上的密钥与证书不符",
    en: "The key's signature is not valid: its key pair does not match the certificate",
  },
  "keys.order_not_for_key": {
    "zh-CN": "订单 {number} 不是这把钥匙的",
    en: "Order {number} is not for this key",
  },
  "keys.reset_pin_order_required": {
    "zh-CN": "重置 PIN 须指定该钥匙已审核通过的解锁或 PIN 重置订单（--order 订单号）；钥匙未作任何改动",
    en: "A PIN reset needs the key's approved unlock or PIN reset order (--order <number>); the key was not touched",
  },
  "keys.order_not_ready": {
    "zh-CN": "订单 {number} 当前为 {state}，尚不能办理（审核期限 {due}）",
    en: "Order {number} is {state}; it cannot be carried out yet (review due {due})",
  },
  "keys.unblock_at_service_centre": {
    "zh-CN": "钥匙 {serial} 是 PKCS#11 设备，只能在服务中心用管理员 PIN 解锁或格式化，请将钥匙寄回服务中心",
    en: "Key {serial} is a PKCS#11 device: only the service centre can unblock or format it with the SO PIN; send the key in",
  },
  "keys.renewal_unpaid": {
    "zh-CN": "续期订单 {number} 尚未支付（{state}）",
    en: "Renewal order {number} is not paid yet ({state})",
  },
  "keys.no_seal_order": {
    "zh-CN": "钥匙 {serial} 的证书没有待安装的电子印章",
    en: "No electronic seal is waiting to be installed for key {serial}'s certificate",
  },
  "keys.seal_not_made": {
    "zh-CN": "订单 {order} 的电子印章尚未制作完成，请等待服务中心制章后再安装",
    en: "The electronic seal of order {order} has not been made yet; install it once the service centre has made it",
  },
  "keys.challenge_invalid": { "zh-CN": "登录挑战无效", en: "The login challenge is not valid" },
  "keys.challenge_used": {
    "zh-CN": "登录挑战已使用过，请重新登录",
    en: "The login challenge has already been used; sign in again",
  },
  "keys.login_signature_invalid": {
    "zh-CN": "登录签名无效：签名不是为本服务中心（{origin}）的登录挑战所做，可能来自其他网站",
    en: "The login signature is not valid: it was not made for this desk's ({origin}) challenge, perhaps for another site",
  },
  "keys.challenge_expired": {
    "zh-CN": "登录挑战已过期，请重试",
    en: "The login challenge has expired; try again",
  },
  "keys.certificate_unknown": {
    "zh-CN": "该证书不是本服务中心签发的",
    en: "This certificate was not issued by this desk",
  },
  "keys.certificate_expired": {
    "zh-CN": "证书不在有效期内",
    en: "The certificate is not within its validity",
  },
  "keys.not_activated": {
    "zh-CN": "钥匙 {serial} 尚未激活，不能登录。请用激活码激活：certdesk-client activate",
    en: "Key {serial} is not activated and cannot log in; activate it with the code: certdesk-client activate",
  },

  // ---- the security client
  "client.help.program": {
    "zh-CN": "certdesk 安全客户端：管理电子钥匙（激活、修改 PIN、解锁、续期、安装印章、签名）",
    en: "certdesk security client: look after your USB keys (activate, change PIN, unlock, renew, install the seal, sign)",
  },
  "client.help.exit_codes": {
    "zh-CN": "退出码：0 完成；1 尚未完成，等待服务中心（审核、付款、短信验证码），稍后再运行；2 错误",
    en: "Exit codes: 0 done; 1 not done yet, waiting on the desk (review, payment, SMS code): run it again later; 2 error",
  },
  "client.help.server": {
    "zh-CN": "服务中心地址，如 https://desk.example",
    en: "the desk's address, e.g. https://desk.example",
  },
  "client.help.token": {
    "zh-CN": "会话令牌（默认用 login 保存的）",
    en: "session token (default: the one login saved)",
  },
  "client.help.key": { "zh-CN": "软件钥匙文件", en: "a software key file" },
  "client.help.key_dir": { "zh-CN": "插入软件钥匙的文件夹", en: "a folder where a software key is inserted" },
  "client.help.pkcs11_module": {
    "zh-CN": "钥匙厂商的 PKCS#11 模块（.so/.dll）",
    en: "the key vendor's PKCS#11 module (.so/.dll)",
  },
  "client.help.token_label": { "zh-CN": "按标签选择钥匙", en: "choose the key by label" },
  "client.help.token_serial": { "zh-CN": "按序列号选择钥匙", en: "choose the key by serial" },
  "client.help.login": {
    "zh-CN": "登录服务中心（手机号和密码，或用钥匙）",
    en: "sign in to the desk (mobile and password, or with the key)",
  },
  "client.help.logout": { "zh-CN": "退出登录", en: "sign out" },
  "client.help.mobile": { "zh-CN": "经办人手机号", en: "the handler's mobile number" },
  "client.help.password": { "zh-CN": "密码", en: "password" },
  "client.help.with_key": {
    "zh-CN": "用钥匙登录（需已激活）",
    en: "sign in with the key (it must be activated)",
  },
  "client.help.pin": { "zh-CN": "用户 PIN 码（不填则提示输入）", en: "user PIN (asked for when left out)" },
  "client.help.new_pin": { "zh-CN": "新 PIN 码", en: "new PIN" },
  "client.help.list": { "zh-CN": "列出插入的钥匙", en: "list the keys inserted" },
  "client.help.show": {
    "zh-CN": "显示钥匙、证书和服务中心的记录",
    en: "show the key, its certificates and the desk's record",
  },
  "client.help.activate": {
    "zh-CN": "用激活码激活钥匙上的证书",
    en: "activate the key's certificate with the activation code",
  },
  "client.help.code": { "zh-CN": "短信中的激活码", en: "the activation code from the SMS" },
  "client.help.change_pin": { "zh-CN": "修改用户 PIN 码", en: "change the user PIN" },
  "client.help.unlock": {
    "zh-CN": "解锁被锁定或忘记的 PIN 码（申请解锁，审核通过后输入验证码和新 PIN 码）",
    en: "unlock a locked or forgotten PIN (order the unlock; once approved, enter the code and a new PIN)",
  },
  "client.help.unlock_code": { "zh-CN": "短信中的解锁验证码", en: "the unlock code from the SMS" },
  "client.help.reason": { "zh-CN": "申请原因", en: "reason for the request" },
  "client.help.renew": {
    "zh-CN": "续期：在钥匙上生成新密钥对，支付后安装续期证书",
    en: "renew: a new key pair on the key, then, once paid, the renewed certificate installed",
  },
  "client.help.years": { "zh-CN": "续期年限", en: "years to renew for" },
  "client.help.wait": { "zh-CN": "等待付款的秒数", en: "seconds to wait for the payment" },
  "client.help.install_seal": { "zh-CN": "安装电子印章", en: "install the electronic seal" },
  "client.help.sign": { "zh-CN": "对文件做分离式 CMS 签名", en: "sign a file (detached CMS)" },
  "client.help.file": { "zh-CN": "要签名的文件", en: "the file to sign" },
  "client.help.out": { "zh-CN": "签名文件（默认 <文件>.p7s）", en: "signature file (default <file>.p7s)" },
  "client.help.pem": { "zh-CN": "以 PEM 格式输出", en: "write PEM" },
  "client.help.format": {
    "zh-CN": "格式化钥匙（付费单项服务，清除钥匙上的证书和密钥）",
    en: "format the key (a paid single service: erases the certificates and keys on it)",
  },
  "client.help.yes": { "zh-CN": "不再确认", en: "do not ask for confirmation" },
  "client.help.agent": {
    "zh-CN": "运行本地代理，供网上服务大厅调用（仅监听 127.0.0.1）",
    en: "run the local agent the portal talks to (listens on 127.0.0.1 only)",
  },
  "client.help.portal_origin": {
    "zh-CN": "网上服务大厅的来源，如 https://desk.example",
    en: "the portal's origin, e.g. https://desk.example",
  },
  "client.help.platform_origin": {
    "zh-CN": "业务平台的来源（可多次给出），如 https://bid.example：可读取钥匙、签名登录和电子签章",
    en: "a relying platform's origin (may be repeated), e.g. https://bid.example: it may read the key, sign logins and stamp PDFs",
  },
  "client.help.port": { "zh-CN": "本地端口（默认 17380）", en: "local port (default 17380)" },
  "client.help.pair_again": {
    "zh-CN": "忘记之前的配对，重新配对",
    en: "forget the earlier pairing and pair again",
  },
  "client.prompt.pin": { "zh-CN": "请输入用户 PIN 码：", en: "User PIN: " },
  "client.prompt.new_pin": { "zh-CN": "请输入新 PIN 码：", en: "New PIN: " },
  "client.prompt.new_pin_again": { "zh-CN": "请再次输入新 PIN 码：", en: "New PIN again: " },
  "client.prompt.mobile": { "zh-CN": "手机号：", en: "Mobile number: " },
  "client.prompt.password": { "zh-CN": "密码：", en: "Password: " },
  "client.prompt.activation_code": { "zh-CN": "激活码：", en: "Activation code: " },
  "client.prompt.unlock_code": { "zh-CN": "短信验证码：", en: "Code from the SMS: " },
  "client.prompt.format_confirm": {
    "zh-CN": "格式化将清除钥匙上的全部证书和密钥，证书将被注销。确认请输入 yes：",
    en: "Formatting erases every certificate and key on the key, and the certificate is revoked. Type yes to go on: ",
  },
  "client.option_required": { "zh-CN": "请提供 {option}", en: "{option} is required" },
  "client.not_signed_in": {
    "zh-CN": "尚未登录，请先运行 certdesk-client login --server <地址>",
    en: "Not signed in; run certdesk-client login --server <address> first",
  },
  "client.server_unreachable": {
    "zh-CN": "无法连接服务中心 {server}",
    en: "Cannot reach the desk at {server}",
  },
  "client.server_error": {
    "zh-CN": "服务中心返回错误（{status}）",
    en: "The desk answered with an error ({status})",
  },
  "client.no_key_selected": {
    "zh-CN": "请用 --key、--key-dir 或 --pkcs11-module 选择钥匙",
    en: "Choose a key with --key, --key-dir or --pkcs11-module",
  },
  "client.no_key_inserted": { "zh-CN": "未插入钥匙（{where}）", en: "No key inserted ({where})" },
  "client.no_keys": { "zh-CN": "没有钥匙", en: "No keys" },
  "client.no_certificate_on_key": { "zh-CN": "钥匙上没有证书", en: "The key holds no certificate" },
  "keys.key_cloned": {
    "zh-CN": "钥匙 {serial} 的使用计数落后于服务中心记录：它可能是钥匙文件的副本，登录被拒绝。请联系服务中心",
    en: "Key {serial}'s use counter is behind what the desk has seen: it may be a copy of the key file, so the login is refused. Contact the service centre",
  },
  "client.unlock_no_order": {
    "zh-CN":
      "钥匙 {serial} 没有等待解锁码的解锁订单（可能已经解锁）；如需重新解锁，请先不带 --code 运行 certdesk-client unlock",
    en: "Key {serial} has no unlock order waiting for a code (it may be unlocked already); to unlock again, run certdesk-client unlock without --code first",
  },
  "client.new_pin_required": { "zh-CN": "请提供新 PIN 码（--new-pin）", en: "Give the new PIN (--new-pin)" },
  "client.pins_differ": { "zh-CN": "两次输入的新 PIN 码不一致", en: "The two new PINs differ" },
  "client.format_not_confirmed": { "zh-CN": "未确认，未格式化", en: "Not confirmed; nothing was formatted" },
  "client.renewal_not_offered": {
    "zh-CN": "项目 {programme} 不提供在线续期",
    en: "Programme {programme} offers no online renewal",
  },
  "client.renewal_window_closed": {
    "zh-CN": "尚不能续期：证书 {notAfter} 到期，{opens} 起可以续期",
    en: "Not yet renewable: the certificate expires on {notAfter}; renewal opens on {opens}",
  },
  "client.signed_in": { "zh-CN": "已登录 {server}：{name}", en: "Signed in to {server} as {name}" },
  "client.signed_out": { "zh-CN": "已退出登录", en: "Signed out" },
  "client.activated": { "zh-CN": "钥匙 {serial} 已激活（{at}）", en: "Key {serial} is activated ({at})" },
  "client.pin_changed": {
    "zh-CN": "钥匙 {serial} 的 PIN 码已修改",
    en: "The PIN of key {serial} is changed",
  },
  "client.awaiting_payment": {
    "zh-CN": "订单 {number} 待支付 {amount} 元，请在网上服务大厅付款后再运行本命令",
    en: "Order {number} awaits payment of CNY {amount}; pay in the portal, then run this command again",
  },
  "client.unlock.under_review": {
    "zh-CN": "解锁申请 {number} 正在审核，工作人员将在 {due} 前完成审核；通过后再运行本命令",
    en: "Unlock order {number} is under review, due by {due}; run this command again once approved",
  },
  "client.unlock.code_sent": {
    "zh-CN":
      "解锁申请 {number} 已通过，验证码已发送到经办人手机；请运行 certdesk-client unlock --code <验证码> --new-pin <新PIN码>",
    en: "Unlock order {number} is approved and the code was sent to the handler's phone; run certdesk-client unlock --code <code> --new-pin <new PIN>",
  },
  "client.unlock.done": { "zh-CN": "已解锁，请使用新 PIN 码", en: "Unlocked; use the new PIN" },
  "client.renewal.pay_online": {
    "zh-CN": "续期订单 {number} 待支付 {amount} 元，请打开付款页面：{url}",
    en: "Renewal order {number} awaits payment of CNY {amount}; pay here: {url}",
  },
  "client.renewed": {
    "zh-CN": "续期证书已安装：序列号 {serial}，有效期至 {notAfter}",
    en: "The renewed certificate is installed: serial {serial}, valid through {notAfter}",
  },
  "client.superseded": {
    "zh-CN": "原证书 {serial} 已被取代",
    en: "The old certificate {serial} is superseded",
  },
  "client.seal_installed": {
    "zh-CN": "电子印章“{name}”已安装（{esId}）",
    en: "Electronic seal “{name}” installed ({esId})",
  },
  "client.signed": {
    "zh-CN": "已签名 {file}，签名文件 {out}（{subject}）",
    en: "Signed {file}; signature in {out} ({subject})",
  },
  "client.formatted": { "zh-CN": "钥匙已格式化", en: "The key is formatted" },
  "client.formatted_default_pin": {
    "zh-CN": "PIN 码已恢复为初始 PIN 码 {pin}，使用前请修改",
    en: "The PIN is back to the initial PIN {pin}; change it before use",
  },
  "client.kind.software": { "zh-CN": "软件钥匙", en: "software key" },
  "client.kind.pkcs11": { "zh-CN": "PKCS#11 钥匙", en: "PKCS#11 key" },
  "client.show.key": { "zh-CN": "钥匙 {serial}  {label}  （{kind}）", en: "Key {serial}  {label}  ({kind})" },
  "client.show.blank": { "zh-CN": "空白钥匙，未初始化", en: "blank, not initialised" },
  "client.show.pin": {
    "zh-CN": "PIN 码：{state}，剩余次数 {retries}",
    en: "PIN: {state}, tries left {retries}",
  },
  "client.show.retries_unknown": { "zh-CN": "未知", en: "unknown" },
  "client.show.locked": { "zh-CN": "已锁定", en: "locked" },
  "client.show.ok": { "zh-CN": "正常", en: "usable" },
  "client.show.default_pin": { "zh-CN": "（出厂默认 PIN）", en: "(factory default PIN)" },
  "client.show.certificate": {
    "zh-CN": "证书 {serial}  {subject}  有效期至 {notAfter}",
    en: "Certificate {serial}  {subject}  valid through {notAfter}",
  },
  "client.show.no_certificate": { "zh-CN": "无证书", en: "no certificate" },
  "client.show.seal": { "zh-CN": "电子印章：{name}", en: "Electronic seal: {name}" },
  "client.show.activated": { "zh-CN": "已激活（{at}）", en: "activated ({at})" },
  "client.show.formatted": {
    "zh-CN": "已格式化：钥匙为空，没有证书和密钥",
    en: "formatted: empty, no certificate and no key pair",
  },
  "client.show.not_activated": {
    "zh-CN": "未激活：请用短信中的激活码运行 certdesk-client activate",
    en: "not activated: run certdesk-client activate with the code from the SMS",
  },
  "client.show.renewal_open": { "zh-CN": "可以续期（{date} 起）", en: "renewal open (since {date})" },
  "client.show.renewal_opens": { "zh-CN": "{date} 起可以续期", en: "renewal opens on {date}" },
  "client.show.open_order": {
    "zh-CN": "办理中：{number}（{service}，{state}）",
    en: "under way: {number} ({service}, {state})",
  },

  // ---- the local agent
  "agent.listening": {
    "zh-CN": "本地代理已启动：{url}（仅接受来自 {origin} 的请求）",
    en: "Local agent running at {url} (answers {origin} only)",
  },
  "agent.pairing_code": {
    "zh-CN": "配对码：{code}。请在 {origin} 的页面中输入一次。",
    en: "Pairing code: {code}. Enter it once in the page at {origin}.",
  },
  "agent.already_paired_with": { "zh-CN": "已与 {origin} 配对", en: "Already paired with {origin}" },
  "agent.paired": {
    "zh-CN": "已与 {origin} 配对成功（允许：{scope}）",
    en: "Paired with {origin} (it may ask for: {scope})",
  },
  "agent.pairing_code_for": {
    "zh-CN": "{origin} 的配对码：{code}。只在该网站的页面中输入；它可以请求：{scope}。",
    en: "Pairing code for {origin}: {code}. Enter it in that site's page only; it may ask for: {scope}.",
  },
  "agent.pairing_void": {
    "zh-CN": "{origin} 的配对码错误次数过多，本次配对已作废；重启本地代理可获得新的配对码",
    en: "Too many wrong pairing codes from {origin}: this pairing is void; restart the agent for a new code",
  },
  "agent.not_in_scope": {
    "zh-CN": "拒绝：{origin} 的配对不允许 {path}",
    en: "Refused: {origin}'s pairing does not allow {path}",
  },
  "agent.pairings.none": { "zh-CN": "没有已配对的网站", en: "No site is paired" },
  "agent.pairings.line": {
    "zh-CN": "{origin}  配对于 {pairedAt}  允许：{scope}",
    en: "{origin}  paired {pairedAt}  may ask for: {scope}",
  },
  "agent.revoked": {
    "zh-CN": "已撤销 {origin} 的配对；该网站须重新配对",
    en: "The pairing of {origin} is revoked; that site must pair again",
  },
  "agent.revoke_unknown": { "zh-CN": "{origin} 没有配对", en: "{origin} is not paired" },
  "agent.command_unknown": {
    "zh-CN": "未知的 agent 子命令：{what}（可用：pairings、revoke <来源>）",
    en: "Unknown agent subcommand: {what} (use: pairings, revoke <origin>)",
  },
  "agent.request_not_found": {
    "zh-CN": "没有此请求（可能已超时）",
    en: "No such request (it may have timed out)",
  },
  "agent.request_expired": {
    "zh-CN": "确认窗口已超时，请重试",
    en: "The confirmation window timed out; try again",
  },
  "agent.request_superseded": {
    "zh-CN": "已被同一网站的新请求取代",
    en: "Replaced by a newer request from the same site",
  },
  "agent.cancelled": { "zh-CN": "已在证书助手窗口中取消", en: "Cancelled in the security client's window" },
  "agent.dialog_origin_refused": {
    "zh-CN": "拒绝：确认窗口只接受本机证书助手自己页面的提交",
    en: "Refused: the confirmation window accepts its own page's submissions only",
  },
  "agent.dialog.title": {
    "zh-CN": "证书助手 · 电子钥匙确认",
    en: "Security client · confirm with the USB key",
  },
  "agent.dialog.site": { "zh-CN": "请求的网站", en: "Site asking" },
  "agent.dialog.role_portal": { "zh-CN": "证书服务门户", en: "The certificate portal" },
  "agent.dialog.role_platform": { "zh-CN": "业务平台", en: "A relying platform" },
  "agent.dialog.operation": { "zh-CN": "操作", en: "Operation" },
  "agent.op.sign-login": { "zh-CN": "使用电子钥匙登录 {origin}", en: "Sign in to {origin} with the USB key" },
  "agent.op.seal-pdf": { "zh-CN": "用电子印章签章文件", en: "Stamp a document with the electronic seal" },
  "agent.op.change-pin": { "zh-CN": "修改电子钥匙的 PIN 码", en: "Change the USB key's PIN" },
  "agent.op.activate": { "zh-CN": "激活证书", en: "Activate the certificate" },
  "agent.op.renew": {
    "zh-CN": "续期证书（在钥匙上生成新密钥对并安装新证书）",
    en: "Renew the certificate (a new key pair on the key, then the new certificate)",
  },
  "agent.op.install-seal": { "zh-CN": "把电子印章写入钥匙", en: "Write the electronic seal onto the key" },
  "agent.op.unlock-code": {
    "zh-CN": "解锁电子钥匙并设置新 PIN 码",
    en: "Unlock the USB key and set a new PIN",
  },
  "agent.dialog.detail.challenge": { "zh-CN": "登录挑战", en: "Login challenge" },
  "agent.dialog.detail.document": { "zh-CN": "文件", en: "Document" },
  "agent.dialog.detail.sha256": { "zh-CN": "文件 SHA-256", en: "Document SHA-256" },
  "agent.dialog.detail.size": { "zh-CN": "文件大小", en: "Size" },
  "agent.dialog.detail.position": { "zh-CN": "签章位置（页 · 横, 纵）", en: "Stamp (page · x, y)" },
  "agent.dialog.detail.reason": { "zh-CN": "签章理由", en: "Reason" },
  "agent.dialog.detail.years": { "zh-CN": "续期年限", en: "Years" },
  "agent.dialog.key": { "zh-CN": "电子钥匙", en: "USB key" },
  "agent.dialog.certificate": { "zh-CN": "证书", en: "Certificate" },
  "agent.dialog.tries": {
    "zh-CN": "PIN 码还可尝试 {left} 次（共 {max} 次）",
    en: "PIN: {left} of {max} tries left",
  },
  "agent.dialog.tries_unknown": { "zh-CN": "PIN 码未锁定", en: "The PIN is not locked" },
  "agent.dialog.locked": {
    "zh-CN": "PIN 码已锁定：请在证书服务门户的“我的电子钥匙”中申请解锁",
    en: "The PIN is locked: ask for an unlock under My USB key in the certificate portal",
  },
  "agent.dialog.default_pin": { "zh-CN": "仍是初始 PIN 码", en: "still the factory PIN" },
  "agent.dialog.no_key": {
    "zh-CN": "未检测到电子钥匙：请插入后刷新本窗口",
    en: "No USB key found: insert it and reload this window",
  },
  "agent.dialog.pin": { "zh-CN": "PIN 码", en: "PIN" },
  "agent.dialog.current_pin": { "zh-CN": "当前 PIN 码", en: "Current PIN" },
  "agent.dialog.new_pin": { "zh-CN": "新 PIN 码", en: "New PIN" },
  "agent.dialog.new_pin_again": { "zh-CN": "再次输入新 PIN 码", en: "New PIN again" },
  "agent.dialog.activation_code": { "zh-CN": "激活码（短信）", en: "Activation code (SMS)" },
  "agent.dialog.unlock_code": { "zh-CN": "短信验证码", en: "SMS code" },
  "agent.dialog.confirm": { "zh-CN": "确认", en: "Confirm" },
  "agent.dialog.cancel": { "zh-CN": "取消", en: "Cancel" },
  "agent.dialog.notice": {
    "zh-CN": "PIN 码只在本窗口中输入，由本机证书助手直接交给电子钥匙，网页看不到。请先核对上面的网站地址。",
    en: "The PIN is typed in this window only and goes from the security client straight to the key; the web page never sees it. Check the site above first.",
  },
  "agent.dialog.done": { "zh-CN": "已完成，可以关闭此窗口。", en: "Done; you may close this window." },
  "agent.dialog.close": { "zh-CN": "可以关闭此窗口。", en: "You may close this window." },
  "agent.dialog.pin_mismatch": { "zh-CN": "两次输入的新 PIN 码不一致", en: "The two new PINs differ" },
  "agent.dialog.field_required": { "zh-CN": "请填写{field}", en: "Please fill in: {field}" },
  "agent.origin_invalid": { "zh-CN": "门户来源无效：{origin}", en: "Not a valid portal origin: {origin}" },
  "agent.host_refused": {
    "zh-CN": "拒绝：请求的主机名不是本机（{host}）",
    en: "Refused: the request is not for this computer ({host})",
  },
  "agent.origin_required": { "zh-CN": "拒绝：请求没有来源", en: "Refused: the request has no Origin" },
  "agent.origin_refused": {
    "zh-CN": "拒绝：来源 {origin} 不是已配置的门户或业务平台",
    en: "Refused: {origin} is not the configured portal or a configured platform",
  },
  "agent.portal_only": {
    "zh-CN": "拒绝：{path} 只能由证书服务门户使用，业务平台只能读取钥匙、签名登录和电子签章",
    en: "Refused: {path} is for the certificate portal only; a platform may read the key, sign logins and stamp documents",
  },
  "client.no_seal_on_key": {
    "zh-CN": "钥匙中没有电子印章：请先在证书服务门户中安装印章",
    en: "There is no electronic seal on the key: install the seal from the certificate portal first",
  },
  "agent.not_paired": {
    "zh-CN": "本地代理尚未与门户配对，或配对密钥不正确",
    en: "The agent is not paired with the portal, or the pairing secret is wrong",
  },
  "agent.already_paired": {
    "zh-CN": "已配对；如需重新配对，请先用 certdesk-client agent revoke <来源> 撤销",
    en: "Already paired; to pair again, revoke it first with certdesk-client agent revoke <origin>",
  },
  "agent.pairing_closed": {
    "zh-CN": "配对已关闭（配对码错误次数过多），请重启本地代理获取新的配对码",
    en: "Pairing is closed (too many wrong codes); restart the agent for a new code",
  },
  "agent.pairing_code_wrong": {
    "zh-CN": "配对码错误，还可以尝试 {remaining} 次",
    en: "Wrong pairing code; {remaining} tries left",
  },
  "agent.json_required": { "zh-CN": "请求须为 application/json", en: "The request must be application/json" },
  "agent.json_invalid": { "zh-CN": "请求不是有效的 JSON", en: "The request is not valid JSON" },
  "agent.body_too_large": { "zh-CN": "请求过大", en: "The request is too large" },
  "agent.request_invalid": { "zh-CN": "请求字段有误：{detail}", en: "Invalid request fields: {detail}" },
  "agent.method_not_allowed": { "zh-CN": "不支持的请求方法", en: "Method not allowed" },
  "agent.not_found": { "zh-CN": "没有此接口：{path}", en: "No such endpoint: {path}" },
  // ---- the admin CLI's production commands
  "cli.help.produce": {
    "zh-CN": "在制证工位制作订单的电子钥匙，或继续一个批次",
    en: "make the USB keys of orders at the production station, or resume a batch",
  },
  "cli.help.produce.order": {
    "zh-CN": "订单（ID 或订单号，可重复）",
    en: "an order (id or number; repeatable)",
  },
  "cli.help.produce.batch": { "zh-CN": "继续此批次", en: "resume this batch" },
  "cli.help.produce.station": {
    "zh-CN": "制证工位：software:<文件夹> 或 pkcs11:<模块路径>（默认 CERTDESK_KEY_STATION）",
    en: "the station: software:<folder> or pkcs11:<module path> (default CERTDESK_KEY_STATION)",
  },
  "cli.help.key": { "zh-CN": "服务中心的钥匙操作", en: "key operations at the service centre" },
  "cli.help.key.reset_pin": {
    "zh-CN": "在服务中心用管理员 PIN 重置 PKCS#11 钥匙的用户 PIN（恢复为初始 PIN）",
    en: "reset a PKCS#11 key's user PIN at the service centre with its SO PIN (back to the initial PIN)",
  },
  "cli.help.key.order": {
    "zh-CN": "本次办结的已审核通过的解锁或 PIN 重置订单（必填）",
    en: "the approved unlock or PIN reset order this fulfils (required)",
  },
  "cli.produce.order_or_batch": {
    "zh-CN": "请给出 --order 或 --batch（二选一）",
    en: "Give --order or --batch (one of them)",
  },
  "cli.produce.started": {
    "zh-CN": "批次 {batch} 已开始（{done}/{total}）；中断后用 certdesk produce --batch {batch} 继续",
    en: "Batch {batch} started ({done}/{total}); if interrupted, resume with certdesk produce --batch {batch}",
  },
  "cli.produce.key_done": { "zh-CN": "{done}/{total} {label} 已完成", en: "{done}/{total} {label} done" },
  "cli.produce.done": {
    "zh-CN": "批次 {batch}：已完成 {done}/{total} 把钥匙",
    en: "Batch {batch}: {done} of {total} keys made",
  },
  "cli.produce.resume_hint": {
    "zh-CN": "批次已停止，排除问题后用 certdesk produce --batch <批次ID> 继续，已签发的证书不会重复签发",
    en: "The batch stopped; fix the cause, then resume with certdesk produce --batch <batch id>: no certificate is issued twice",
  },
  "cli.option_required_any": { "zh-CN": "请提供 {options}", en: "Give {options}" },
  "cli.key.pin_reset": {
    "zh-CN": "钥匙 {serial} 的用户 PIN 已重置为初始 PIN，请持有人尽快修改",
    en: "The user PIN of key {serial} is back to the initial PIN; the holder must change it",
  },
};
