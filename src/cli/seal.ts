/**
 * certdesk seal verify FILE [--at TIME] [--trust CA…] [--crl CRL…]: a seal (SESeal, GB/T 38540
 * or GM/T 0031) or a seal signature (SES_Signature), checked as of now or a past moment, with the
 * maker's and signer's chains to the trusted CAs (src/cli/trust.ts). Exits 0 when it verifies, 1
 * when it does not.
 */
import { readFileSync } from "node:fs";
import { DomainError } from "../domain/errors.js";
import {
  describeSealVerdict,
  sealSignatureVerdictToJson,
  sealVerdictToJson,
  verifySealFileTrusted,
} from "../seal/index.js";
import { loadTrust, type TrustOptions } from "./trust.js";
import { type CliContext, EXIT_NO, EXIT_OK } from "./output.js";

export async function sealVerifyCommand(
  ctx: CliContext,
  file: string,
  options: { at?: string } & TrustOptions,
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
  const { trust, source } = await loadTrust(ctx, options);
  const result = await verifySealFileTrusted(der, { at: at ?? ctx.clock.now(), trust });
  const json =
    result.kind === "seal" ? sealVerdictToJson(result.verdict) : sealSignatureVerdictToJson(result.verdict);
  ctx.out.result({ kind: result.kind, ...json, trust: { source, certificates: trust.anchors.length } }, () =>
    describeSealVerdict(result.verdict, ctx.out.locale).join("\n"),
  );
  return result.verdict.valid ? EXIT_OK : EXIT_NO;
}
