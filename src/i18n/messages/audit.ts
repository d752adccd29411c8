import type { MessageTable } from "./types.js";

/** The audit anchor (src/store/audit-anchor.ts, src/desk/audit-anchor.ts) and its CLI. */
export const auditMessages: MessageTable = {
  "audit.chain_broken": {
    "zh-CN": "审计链在第 {seq} 条记录处不连续，拒绝为其签署检查点（请先运行 certdesk audit verify）",
    en: "The audit chain breaks at row {seq}; no checkpoint is signed over it (run certdesk audit verify)",
  },
  "audit.checkpoint_unverifiable": {
    "zh-CN": "审计检查点 {id} 的签名无法验证（密钥 CERTDESK_SECRET_KEY 不同，或检查点被伪造），不再续签",
    en: "The signature of audit checkpoint {id} does not verify (another CERTDESK_SECRET_KEY, or a forged checkpoint); no checkpoint follows it",
  },
  "audit.anchor_unreadable": {
    "zh-CN": "无法读取审计锚定文件 {path}：{detail}",
    en: "The audit anchor file {path} cannot be read: {detail}",
  },
  "cli.audit.anchored": {
    "zh-CN":
      "已核对 {checkpoints} 个签名检查点；最新锚点：检查点 {id}（{at}），至第 {checkpointSeq} 条记录，链头哈希 {headHash}",
    en: "Checked against {checkpoints} signed checkpoints; newest anchor: checkpoint {id} ({at}) up to row {checkpointSeq}, head hash {headHash}",
  },
  "cli.audit.unanchored": {
    "zh-CN":
      "尚无锚点文件，仅核对了数据库中的 {checkpoints} 个签名检查点（运行 certdesk audit checkpoint 签署一个）",
    en: "No anchor file yet: checked against the {checkpoints} signed checkpoints in the database only (run certdesk audit checkpoint to sign one)",
  },
  "cli.audit.against": {
    "zh-CN": "所对照的检查点：{id}（{at}），至第 {checkpointSeq} 条记录，签名时的链头哈希 {headHash}",
    en: "Broken against checkpoint {id} ({at}), up to row {checkpointSeq}, signed head hash {headHash}",
  },
  "cli.audit.problem.checkpoint": {
    "zh-CN": "该记录的哈希与签名检查点中的不符（记录被修改，且其后的哈希链被重新计算过）",
    en: "The row's hash differs from the one in the signed checkpoint (the row was edited and the chain after it recomputed)",
  },
  "cli.audit.problem.truncated": {
    "zh-CN": "签名检查点覆盖的记录缺失（末尾记录被删除）",
    en: "Rows covered by a signed checkpoint are missing (rows were cut off the end)",
  },
  "cli.audit.problem.checkpoint_signature": {
    "zh-CN": "检查点的签名无效（检查点被伪造或修改，或 CERTDESK_SECRET_KEY 不是签署时的密钥）",
    en: "A checkpoint's signature is invalid (forged or edited, or CERTDESK_SECRET_KEY is not the key it was signed with)",
  },
  "cli.audit.problem.checkpoint_sequence": {
    "zh-CN": "检查点缺失或顺序被打乱（数据库中的检查点被删除或替换）",
    en: "Checkpoints are missing or out of order (checkpoints were deleted from the database or replaced)",
  },
  "cli.audit.problem.anchor": {
    "zh-CN": "数据库外保存的锚点与数据库中的检查点不符或已从数据库中删除",
    en: "The anchor kept outside the database does not match the database's checkpoints, or was removed from them",
  },
  "cli.audit.checkpointed": {
    "zh-CN":
      "新签署 {made} 个检查点；最新：检查点 {id}（{at}），至第 {checkpointSeq} 条记录，链头哈希 {headHash}",
    en: "Signed {made} new checkpoints; newest: checkpoint {id} ({at}) up to row {checkpointSeq}, head hash {headHash}",
  },
  "cli.audit.nothing_to_checkpoint": {
    "zh-CN": "审计记录为空，无需签署检查点",
    en: "The audit trail is empty: nothing to sign",
  },
  "cli.help.audit.checkpoint": {
    "zh-CN": "立即为尚未签署的审计记录签署检查点，并更新锚点文件",
    en: "sign a checkpoint over the audit rows not yet signed, now, and update the anchor file",
  },
};
