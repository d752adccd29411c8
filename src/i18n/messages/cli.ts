import type { MessageTable } from "./types.js";

/** The admin CLI (src/cli): its errors, its output and its help text. */
export const cliMessages: MessageTable = {
  // ---- Errors ---------------------------------------------------------------------------------
  "cli.usage": {
    "zh-CN": "命令用法有误：{detail}（运行 certdesk --help 查看用法）",
    en: "Wrong usage: {detail} (run certdesk --help for usage)",
  },
  "cli.unknown_command": {
    "zh-CN": "未知命令：{command}（运行 certdesk --help 查看可用命令）",
    en: "Unknown command: {command} (run certdesk --help for the commands)",
  },
  "cli.unknown_option": {
    "zh-CN": "未知选项：{option}（运行 certdesk --help 查看可用选项）",
    en: "Unknown option: {option} (run certdesk --help for the options)",
  },
  "cli.missing_argument": {
    "zh-CN": "缺少参数：{argument}",
    en: "Missing argument: {argument}",
  },
  "cli.option_value_missing": {
    "zh-CN": "选项 {option} 缺少取值",
    en: "The option {option} needs a value",
  },
  "cli.option_required": {
    "zh-CN": "必须提供选项 {option}",
    en: "The option {option} is required",
  },
  "cli.too_many_arguments": {
    "zh-CN": "命令 {command} 的参数过多",
    en: "Too many arguments for the command {command}",
  },
  "cli.command_required": {
    "zh-CN": "请指定命令（运行 {command} --help 查看可用命令）",
    en: "Name a command (run {command} --help for the commands)",
  },
  "cli.not_whole_number": {
    "zh-CN": "{option} 应为整数，当前为“{value}”",
    en: "{option} must be a whole number, not “{value}”",
  },
  "cli.invalid_value": {
    "zh-CN": "{option} 的取值“{value}”无效，可选：{allowed}",
    en: "“{value}” is not a valid value for {option}; choose one of {allowed}",
  },
  "cli.bad_date": {
    "zh-CN": "日期“{value}”无效：请按 YYYY-MM-DD 填写真实存在的日期，如 2026-10-08",
    en: "“{value}” is not a date: write a real date as YYYY-MM-DD, e.g. 2026-10-08",
  },
  "cli.config_invalid": {
    "zh-CN": "环境变量配置有误：{detail}",
    en: "The configuration in the environment is not valid: {detail}",
  },
  "cli.no_store": {
    "zh-CN":
      "未配置数据库：请设置 DATABASE_URL，或将 CERTDESK_DATA_DIR 指向已有的数据目录（当前未找到 {folder}）",
    en: "No store is configured: set DATABASE_URL, or point CERTDESK_DATA_DIR at an existing data folder ({folder} does not exist)",
  },
  "cli.store_unavailable": {
    "zh-CN": "无法打开数据库：{detail}",
    en: "Cannot open the store: {detail}",
  },
  "cli.file_unreadable": {
    "zh-CN": "无法读取文件 {path}：{detail}",
    en: "Cannot read the file {path}: {detail}",
  },
  "cli.file_invalid": {
    "zh-CN": "文件 {path} 不是有效的 JSON 或 YAML：{detail}",
    en: "The file {path} is not valid JSON or YAML: {detail}",
  },
  "cli.unexpected": {
    "zh-CN": "命令执行失败：{detail}",
    en: "The command failed: {detail}",
  },

  // ---- Output ---------------------------------------------------------------------------------
  "cli.quote.item": { "zh-CN": "项目", en: "Item" },
  "cli.quote.unit_price": { "zh-CN": "单价（元）", en: "Unit price (CNY)" },
  "cli.quote.quantity": { "zh-CN": "数量", en: "Qty" },
  "cli.quote.amount": { "zh-CN": "金额（元）", en: "Amount (CNY)" },
  "cli.quote.total": { "zh-CN": "合计：{total} 元", en: "Total: CNY {total}" },
  "cli.calendar.working_day": { "zh-CN": "{date} 是工作日", en: "{date} is a working day" },
  "cli.calendar.not_working_day": { "zh-CN": "{date} 不是工作日", en: "{date} is not a working day" },
  "cli.calendar.loaded": {
    "zh-CN": "已载入 {year} 年节假日安排（{holidays} 天放假，{workdays} 天调休上班）",
    en: "Loaded the {year} calendar ({holidays} days off, {workdays} weekend days worked)",
  },
  "cli.calendar.none": { "zh-CN": "尚未载入任何年份的节假日安排", en: "No calendar year is loaded" },
  "cli.validate.valid": { "zh-CN": "有效：{value}", en: "Valid: {value}" },
  "cli.validate.invalid": { "zh-CN": "无效：{reason}", en: "Not valid: {reason}" },
  "cli.audit.ok": {
    "zh-CN": "审计链完整：共 {rows} 条记录，链头哈希 {headHash}",
    en: "The audit chain is intact: {rows} rows, head hash {headHash}",
  },
  "cli.audit.broken": {
    "zh-CN": "审计链已损坏，位置：第 {seq} 条记录。{problem}",
    en: "The audit chain is broken at row {seq}. {problem}",
  },
  "cli.audit.problem.hash": {
    "zh-CN": "该记录的内容与其哈希不符（记录被修改过）",
    en: "The row's content does not match its hash (the row was edited)",
  },
  "cli.audit.problem.link": {
    "zh-CN": "该记录未指向上一条记录的哈希（记录被替换或插入）",
    en: "The row does not point to the previous row's hash (a row was replaced or inserted)",
  },
  "cli.audit.problem.gap": {
    "zh-CN": "缺少该序号的记录（记录被删除）",
    en: "The row with this number is missing (a row was deleted)",
  },
  "cli.audit.problem.head": {
    "zh-CN": "链头与最后一条记录不符（末尾记录被删除或链头被修改）",
    en: "The head does not match the last row (rows were cut off the end or the head was edited)",
  },
  "cli.programme.loaded": {
    "zh-CN": "已载入业务方案 {programme}（第 {version} 版）",
    en: "Loaded the programme {programme} (version {version})",
  },
  "cli.programme.none": { "zh-CN": "尚未载入任何业务方案", en: "No programme is loaded" },
  "cli.programme.platform": { "zh-CN": "业务平台：{name}", en: "Platform: {name}" },
  "cli.programme.ca": { "zh-CN": "认证机构：{name}", en: "CA: {name}" },
  "cli.programme.agent": { "zh-CN": "代理机构：{name}", en: "Agent: {name}" },
  "cli.programme.services": { "zh-CN": "业务：", en: "Services:" },
  "cli.programme.fee.term_per_year": { "zh-CN": "每年 {price} 元", en: "CNY {price} per year" },
  "cli.programme.fee.term_plans": { "zh-CN": "按资费方案：{plans}", en: "By plan: {plans}" },
  "cli.programme.fee.per_key": { "zh-CN": "每次每个钥匙 {price} 元", en: "CNY {price} per time per key" },
  "cli.programme.fee.per_order": { "zh-CN": "每次 {price} 元", en: "CNY {price} per time" },
  "cli.programme.fee.free": { "zh-CN": "免费", en: "free" },
  "cli.programme.fee.none": { "zh-CN": "不收费", en: "no fee" },

  // ---- Help -----------------------------------------------------------------------------------
  "cli.help.program": {
    "zh-CN":
      "certdesk 管理命令行：报价、工作日计算、证件号码校验、审计链校验和业务方案管理。" +
      "已配置数据库（DATABASE_URL，或已存在的 CERTDESK_DATA_DIR 数据目录）时读取数据库，否则读取演示业务方案和内置节假日安排。",
    en:
      "The certdesk admin CLI: quotes, working days, number checks, the audit chain and programmes. " +
      "It reads the configured store (DATABASE_URL, or an existing CERTDESK_DATA_DIR folder), or the demo programmes and the bundled calendar when none is configured.",
  },
  "cli.help.exit_codes": {
    "zh-CN":
      "退出码：0 = 成功（号码有效、审计链完整）；1 = 命令已执行但结果为否（号码无效、审计链损坏）；2 = 出错（用法错误、数据不存在、年份无节假日数据、数据库不可用等）。\n" +
      '使用 --json 时，结果为一行 JSON；出错时输出 {"error": {"code": …, "message": …}}。',
    en:
      "Exit codes: 0 = success (value valid, chain intact); 1 = the command ran and the answer is no (value not valid, chain broken); 2 = error (wrong usage, unknown data, a year without a calendar, store unavailable, …).\n" +
      'With --json the result is one line of JSON; an error prints {"error": {"code": …, "message": …}}.',
  },
  "cli.help.title.usage": { "zh-CN": "用法：", en: "Usage:" },
  "cli.help.title.arguments": { "zh-CN": "参数：", en: "Arguments:" },
  "cli.help.title.options": { "zh-CN": "选项：", en: "Options:" },
  "cli.help.title.commands": { "zh-CN": "命令：", en: "Commands:" },
  "cli.help.title.global_options": { "zh-CN": "全局选项：", en: "Global Options:" },
  "cli.help.json": {
    "zh-CN": "以一行 JSON 输出结果或错误",
    en: "print the result or the error as one line of JSON",
  },
  "cli.help.lang": {
    "zh-CN": "提示语言：zh-CN（默认）或 en；未指定时依据 LC_ALL / LANG",
    en: "language of messages: zh-CN (default) or en; otherwise taken from LC_ALL / LANG",
  },
  "cli.help.help": { "zh-CN": "显示帮助", en: "show help" },
  "cli.help.version": { "zh-CN": "显示版本号", en: "show the version" },
  "cli.help.quote": { "zh-CN": "按业务方案的资费计算报价", en: "price a service from a programme's tariff" },
  "cli.help.quote.programme": {
    "zh-CN": "业务方案 id，如 procurement、power-trading",
    en: "programme id, e.g. procurement, power-trading",
  },
  "cli.help.quote.service": {
    "zh-CN": "业务代码，如 new、renewal、reissue、pin-reset、courier",
    en: "service code, e.g. new, renewal, reissue, pin-reset, courier",
  },
  "cli.help.quote.years": {
    "zh-CN": "证书年限（默认为方案的默认年限）",
    en: "term in years (default: the programme's)",
  },
  "cli.help.quote.keys": { "zh-CN": "电子钥匙数量（默认 1）", en: "number of keys (default 1)" },
  "cli.help.quote.plan": {
    "zh-CN": "资费方案，如 basic、all-inclusive（单项服务：所涉钥匙的资费方案）",
    en: "plan for the term, e.g. basic, all-inclusive (single services: the plan the keys are on)",
  },
  "cli.help.quote.covered_by": {
    "zh-CN": "单项服务所涉钥匙的资费方案（组合资费已包含的服务不再收费）",
    en: "plan of the keys a single service is for (services the plan includes cost nothing)",
  },
  "cli.help.quote.courier": {
    "zh-CN": "快递付费方式：prepaid（寄付）或 cash-on-delivery（到付）",
    en: "courier payment: prepaid or cash-on-delivery",
  },
  "cli.help.calendar": { "zh-CN": "工作日计算与节假日安排", en: "working days and the holiday calendar" },
  "cli.help.calendar.add": {
    "zh-CN": "计算某日之后第 N 个工作日",
    en: "the N-th working day after a date",
  },
  "cli.help.calendar.is": { "zh-CN": "判断某日是否为工作日", en: "whether a date is a working day" },
  "cli.help.calendar.load": {
    "zh-CN": "将一年的节假日安排（JSON 或 YAML 文件）载入数据库（需管理员权限，记入审计）",
    en: "load one year's calendar (a JSON or YAML file) into the store (admin; audited)",
  },
  "cli.help.calendar.years": { "zh-CN": "列出已有节假日安排的年份", en: "list the years with a calendar" },
  "cli.help.date": { "zh-CN": "日期 YYYY-MM-DD", en: "date as YYYY-MM-DD" },
  "cli.help.days": { "zh-CN": "工作日天数（≥ 0）", en: "number of working days (>= 0)" },
  "cli.help.calendar_file": { "zh-CN": "节假日安排文件", en: "calendar file" },
  "cli.help.validate": {
    "zh-CN": "校验号码；有效时退出码为 0，无效时为 1",
    en: "check a number; exits 0 when valid, 1 when not",
  },
  "cli.help.validate.uscc": {
    "zh-CN": "统一社会信用代码（GB 32100）",
    en: "unified social credit code (GB 32100)",
  },
  "cli.help.validate.id": { "zh-CN": "居民身份证号码（GB 11643）", en: "resident ID number (GB 11643)" },
  "cli.help.validate.mobile": { "zh-CN": "中国大陆手机号码", en: "mainland China mobile number" },
  "cli.help.value": { "zh-CN": "要校验的号码", en: "the number to check" },
  "cli.help.seal": { "zh-CN": "电子印章", en: "electronic seals" },
  "cli.help.seal.verify": {
    "zh-CN": "校验电子印章（SESeal）或电子签章（SES_Signature）文件；通过时退出码为 0，不通过时为 1",
    en: "verify an electronic seal (SESeal) or seal signature (SES_Signature) file; exits 0 when it verifies, 1 when not",
  },
  "cli.help.seal_file": { "zh-CN": "印章或签章文件（DER）", en: "the seal or signature file (DER)" },
  "cli.help.at": {
    "zh-CN": "按此时刻校验（ISO 8601，如 2021-06-01T00:00:00Z）；默认为当前时间",
    en: "verify as of this moment (ISO 8601, e.g. 2021-06-01T00:00:00Z); now by default",
  },
  "cli.help.audit": { "zh-CN": "审计记录", en: "the audit trail" },
  "cli.help.audit.verify": {
    "zh-CN": "校验审计哈希链；完整时退出码为 0，损坏时为 1",
    en: "verify the audit hash chain; exits 0 when intact, 1 when broken",
  },
  "cli.help.programme": { "zh-CN": "业务方案", en: "programmes" },
  "cli.help.programme.list": { "zh-CN": "列出业务方案", en: "list the programmes" },
  "cli.help.platform": { "zh-CN": "业务平台及其接口凭据", en: "relying platforms and their API credentials" },
  "cli.help.platform.add": {
    "zh-CN": "为业务方案登记一个业务平台，并给出第一个凭据",
    en: "register a relying platform for a programme, with its first credential",
  },
  "cli.help.platform.rotate": {
    "zh-CN": "轮换凭据：新凭据立即生效，旧凭据在宽限期内仍可用",
    en: "rotate: a new credential now, older ones work for the grace period",
  },
  "cli.help.platform.list": { "zh-CN": "列出业务平台", en: "list the relying platforms" },
  "cli.help.platform_id": {
    "zh-CN": "平台标识，如 procurement-portal",
    en: "the platform's id, e.g. procurement-portal",
  },
  "cli.help.platform.programme": { "zh-CN": "业务方案标识", en: "the programme's id" },
  "cli.help.platform.name": { "zh-CN": "平台名称", en: "the platform's name" },
  "cli.help.platform.webhook": { "zh-CN": "接收事件推送的地址", en: "the URL that receives webhooks" },
  "cli.help.platform.grace": {
    "zh-CN": "旧凭据还可使用的小时数（默认 24）",
    en: "hours the older credentials keep working (default 24)",
  },
  "cli.platform.added": {
    "zh-CN": "已登记平台 {id}。\n密钥标识：{keyId}\n密钥：{secret}\n密钥只显示这一次，请妥善交给平台。",
    en: "Platform {id} registered.\nKey id: {keyId}\nSecret: {secret}\nThe secret is shown this once: hand it to the platform safely.",
  },
  "cli.platform.rotated": {
    "zh-CN": "平台 {id} 的新凭据：\n密钥标识：{keyId}\n密钥：{secret}\n旧凭据在 {hours} 小时后失效。",
    en: "New credential for platform {id}:\nKey id: {keyId}\nSecret: {secret}\nOlder credentials stop working in {hours} hours.",
  },
  "cli.platform.none": { "zh-CN": "尚未登记业务平台", en: "No relying platform is registered" },
  "cli.help.programme.show": { "zh-CN": "显示一个业务方案", en: "show one programme" },
  "cli.help.programme.load": {
    "zh-CN": "将业务方案文件（YAML 或 JSON）载入数据库（需管理员权限，记入审计）",
    en: "load a programme file (YAML or JSON) into the store (admin; audited)",
  },
  "cli.help.programme_id": { "zh-CN": "业务方案 id", en: "programme id" },
  "cli.help.programme_file": { "zh-CN": "业务方案文件", en: "programme file" },
};
