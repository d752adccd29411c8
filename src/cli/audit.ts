/** certdesk audit verify: checks the hash chain of the audit trail in the configured store. */
import { verifyAuditChain } from "../store/audit.js";
import { type CliContext, EXIT_NO, EXIT_OK } from "./output.js";
import { withStore } from "./source.js";

/** Exits 0 when the chain is intact and 1 when it is broken. */
export async function auditVerifyCommand(ctx: CliContext): Promise<number> {
  const verdict = await withStore(ctx.config(), { create: false }, ({ db }) => verifyAuditChain(db));
  if (verdict.ok) {
    const { rows, headHash } = verdict;
    ctx.out.result({ ok: true, rows, headHash }, () => ctx.out.t("cli.audit.ok", { rows, headHash }));
    return EXIT_OK;
  }
  const { seq, problem } = verdict;
  ctx.out.result({ ok: false, seq, problem }, () =>
    ctx.out.t("cli.audit.broken", { seq, problem: ctx.out.t(`cli.audit.problem.${problem}`) }),
  );
  return EXIT_NO;
}
