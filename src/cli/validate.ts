/** certdesk validate: the applicant-number validators (src/domain/validators.ts) from the shell. */
import { shanghaiDate } from "../domain/dates.js";
import {
  type ValidationResult,
  validateMobile,
  validateResidentId,
  validateUscc,
} from "../domain/validators.js";
import { type CliContext, EXIT_NO, EXIT_OK } from "./output.js";

export type ValidateKind = "uscc" | "id" | "mobile";

/** Exits 0 when the value is valid and 1 when it is not, so that scripts can branch on it. */
export function validateCommand(ctx: CliContext, kind: ValidateKind, value: string): number {
  const result: ValidationResult<{ value: string }> =
    kind === "uscc"
      ? validateUscc(value)
      : kind === "id"
        ? validateResidentId(value, shanghaiDate(ctx.clock.now()))
        : validateMobile(value);
  if (result.valid) {
    ctx.out.result(result, () => ctx.out.t("cli.validate.valid", { value: result.value }));
    return EXIT_OK;
  }
  const reason = ctx.out.t(result.reason, result.params);
  ctx.out.result({ valid: false, code: result.reason, reason }, () =>
    ctx.out.t("cli.validate.invalid", { reason }),
  );
  return EXIT_NO;
}
