import type { MessageTable } from "./types.js";

/** One desk in many processes (issue #17): settings held in the store, the CLI beside a desk. */
export const deskProcessesMessages: MessageTable = {
  "settings.conflict": {
    "zh-CN":
      "CA 设置 {setting} 与数据库中的不一致：数据库中为 {stored}，本进程给出 {given}。证书中的地址和发布设置以数据库为准（各节点和命令行共用）；请删除该设置，或改为数据库中的值",
    en: "The CA setting {setting} disagrees with the database: the database holds {stored}, this process gives {given}. Certificate addresses and publication settings come from the database (shared by every node and the CLI); remove the setting or give the stored value",
  },
  "cli.desk_login_required": {
    "zh-CN":
      "嵌入式数据库正由运行中的服务台使用，命令需经服务台的接口执行：请先运行 certdesk login --server <服务台地址> --login <工号>（会话保存在 {file}）",
    en: "The embedded database is held by a running desk, so this command goes through the desk's API: run certdesk login --server <desk URL> --login <staff login> first (the session is kept in {file})",
  },
  "cli.desk_unreachable": {
    "zh-CN": "无法访问服务台 {server}：{detail}",
    en: "The desk at {server} cannot be reached: {detail}",
  },
  "cli.login.password_prompt": { "zh-CN": "密码：", en: "Password: " },
  "cli.login.done": {
    "zh-CN": "已以 {login} 登录服务台 {server}；会话保存在 {file}（仅本人可读）",
    en: "Logged in to the desk at {server} as {login}; the session is kept in {file} (readable by you only)",
  },
  "cli.key.desk_station": {
    "zh-CN":
      "服务台 {server} 正在运行：由服务台在其自己的制证工位上重置该订单钥匙的 PIN，--pkcs11-module 与 --token-* 不适用",
    en: "The desk at {server} is running: it resets the PIN of the order's key on its own station, --pkcs11-module and --token-* do not apply",
  },
  "cli.produce.desk_station": {
    "zh-CN": "服务台 {server} 正在运行：USB 钥匙由服务台在其自己的制证工位上制作，--station 不适用",
    en: "The desk at {server} is running: it makes the USB keys on its own station, --station does not apply",
  },
  "cli.produce.desk_stopped": {
    "zh-CN": "服务台上的批次 {batch} 已停止（状态 {state}）：用 certdesk produce --batch {batch} 继续",
    en: "Batch {batch} stopped on the desk (state {state}): resume it with certdesk produce --batch {batch}",
  },
  "cli.help.login": {
    "zh-CN": "登录运行中的服务台，供嵌入式数据库被服务台占用时经其接口执行命令（produce、ca revoke）",
    en: "Log in to a running desk, so that commands (produce, ca revoke) go through its API while it holds the embedded database",
  },
  "cli.help.login.server": {
    "zh-CN": "服务台地址，如 http://127.0.0.1:8080",
    en: "the desk's address, e.g. http://127.0.0.1:8080",
  },
  "cli.help.login.login": { "zh-CN": "员工登录名", en: "staff login" },
  "cli.help.login.password": {
    "zh-CN": "密码（默认读取 CERTDESK_PASSWORD，或在终端上询问）",
    en: "password (default: CERTDESK_PASSWORD, or asked on a terminal)",
  },
};
