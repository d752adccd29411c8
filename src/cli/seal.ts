/**
 * certdesk seal verify FILE [--at TIME]: a seal (SESeal, GB/T 38540 or GM/T 0031) or a seal
 * signature (SES_Signature), checked as of now or a past moment. Exits 0 when it verifies, 1 when
 * it does not.
 */
import { readFileSync } from "node:fs";
import { DomainError } from "../domain/errors.js";
import {
  describeSealVerdict,
  sealSignatureVerdictToJson,
  sealVerdictToJson,
  verifySealFile,
} from "../seal/index.js";
import { type CliContext, EXIT_NO, EXIT_OK } from "./output.js";

export async function sealVerifyCommand(
  ctx: CliContext,
  file: string,
  options: { at?: string },
): Promise<number> {
  let at: Date | undefined;
  if (options.at !== undefined) {
    at = new Date(options.at);
    if (Number.isNaN(at.getTime())) {
      throw new DomainError("cli.invalid_value", {
        option: "--at",
        value: options.at,
        allowed: "ISO 8601, e.g. 2021-06-01T00:00:00Z",
      });
    }
  }
  let der: Uint8Array;
  try {
    der = readFileSync(file);
  } catch (e) {
    throw new DomainError("cli.file_unreadable", { path: file, detail: (e as Error).message });
  }
  const result = verifySealFile(der, { at: at ?? ctx.clock.now() });
  const json =
    result.kind === "seal" ? sealVerdictToJson(result.verdict) : sealSignatureVerdictToJson(result.verdict);
  ctx.out.result({ kind: result.kind, ...json }, () =>
    describeSealVerdict(result.verdict, ctx.out.locale).join("\n"),
  );
  return result.verdict.valid ? EXIT_OK : EXIT_NO;
}
