/**
 * certdesk audit verify: checks the audit trail in the configured store, its hash chain against
 * the signed checkpoints and the anchor file (src/desk/audit-anchor.ts); certdesk audit
 * checkpoint: signs the rows not yet covered by one, now.
 */
import type { CheckpointSummary } from "../store/audit-anchor.js";
import { type CliContext, EXIT_NO, EXIT_OK } from "./output.js";
import { withStore } from "./source.js";

async function anchorDeps(ctx: CliContext) {
  const { anchorSettings } = await import("../desk/audit-anchor.js");
  const config = ctx.config();
  return anchorSettings(config.secretKey, config.audit);
}

/** Exits 0 when the trail is intact and 1 when it is broken. */
export async function auditVerifyCommand(ctx: CliContext): Promise<number> {
  const { verifyAuditTrail } = await import("../desk/audit-anchor.js");
  const anchor = await anchorDeps(ctx);
  const verdict = await withStore(ctx.config(), { create: false }, ({ db }) =>
    verifyAuditTrail({ db, anchor }),
  );
  const { out } = ctx;
  if (verdict.ok) {
    const { rows, headHash, checkpoints, anchor: latest, anchorFile } = verdict;
    out.result({ ok: true, rows, headHash, checkpoints, anchor: latest, anchorFile }, () =>
      [
        out.t("cli.audit.ok", { rows, headHash }),
        latest
          ? out.t("cli.audit.anchored", { checkpoints, ...checkpointParams(latest) })
          : out.t("cli.audit.unanchored", { checkpoints }),
      ].join("\n"),
    );
    return EXIT_OK;
  }
  const { seq, problem } = verdict;
  const checkpoint = "checkpoint" in verdict ? verdict.checkpoint : undefined;
  out.result({ ok: false, seq, problem, ...(checkpoint ? { checkpoint } : {}) }, () =>
    [
      out.t("cli.audit.broken", { seq, problem: out.t(`cli.audit.problem.${problem}`) }),
      ...(checkpoint ? [out.t("cli.audit.against", checkpointParams(checkpoint))] : []),
    ].join("\n"),
  );
  return EXIT_NO;
}

/** Signs what is not yet signed; the newest checkpoint also goes to the anchor file. */
export async function auditCheckpointCommand(ctx: CliContext): Promise<number> {
  const { checkpointAudit } = await import("../desk/audit-anchor.js");
  const anchor = await anchorDeps(ctx);
  const r = await withStore(ctx.config(), { create: false }, ({ db }) =>
    checkpointAudit({ db, clock: ctx.clock, anchor }, { force: true }),
  );
  const { out } = ctx;
  out.result({ made: r.made.length, latest: r.latest, anchorFile: r.latest ? anchor.file : null }, () =>
    r.latest
      ? out.t("cli.audit.checkpointed", { made: r.made.length, ...checkpointParams(r.latest) })
      : out.t("cli.audit.nothing_to_checkpoint"),
  );
  return EXIT_OK;
}

function checkpointParams(cp: CheckpointSummary) {
  return { id: cp.id, at: cp.at, checkpointSeq: cp.seq, headHash: cp.headHash };
}
