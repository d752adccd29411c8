/**
 * One verification check and its outcome. Each check names its own message code and parameters,
 * so a verdict can be shown in either language, or as JSON, without re-deriving anything.
 */
import type { ErrorParams } from "../domain/errors.js";

/** A warning is reported but does not make a verdict invalid (a seal's odd header version). */
export type CheckStatus = "pass" | "fail" | "skipped" | "warning";

export interface Check<Name extends string> {
  name: Name;
  status: CheckStatus;
  /** a code of src/i18n/messages/seal.ts */
  code: string;
  params: ErrorParams;
}

export const pass = <N extends string>(name: N, code: string, params: ErrorParams = {}): Check<N> => ({
  name,
  status: "pass",
  code,
  params,
});

export const fail = <N extends string>(name: N, code: string, params: ErrorParams = {}): Check<N> => ({
  name,
  status: "fail",
  code,
  params,
});

export const skipped = <N extends string>(name: N, code: string, params: ErrorParams = {}): Check<N> => ({
  name,
  status: "skipped",
  code,
  params,
});

export const warning = <N extends string>(name: N, code: string, params: ErrorParams = {}): Check<N> => ({
  name,
  status: "warning",
  code,
  params,
});

/** A skipped check does not make a verdict invalid; a failed one does. */
export const allPass = (checks: readonly Check<string>[]): boolean =>
  checks.every((c) => c.status !== "fail");

/** ISO 8601 to the second, in UTC: what users and logs compare. */
export const isoSecond = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, "Z");

export type ValidityOutcome = "valid" | "not_yet_valid" | "expired";

export function validityAt(at: Date, notBefore: Date, notAfter: Date): ValidityOutcome {
  if (at.getTime() < notBefore.getTime()) return "not_yet_valid";
  if (at.getTime() > notAfter.getTime()) return "expired";
  return "valid";
}
