/**
 * The timestamp a stamped PDF or OFD asks for: the desk's timestamp authority (POST /tsa, RFC 3161)
 * at --tsa, CERTDESK_TSA_URL, or the desk's server + /tsa. A TSA out of reach does not stop the
 * signing: the document is signed without a timestamp and the outcome says why.
 */
import { DomainError, type ErrorParams } from "../domain/errors.js";
import { requestTimestamp } from "../pki/tsa.js";

export type TimestampOutcome =
  | { status: "stamped"; url: string }
  | { status: "unavailable"; url: string; code: string; params: ErrorParams }
  | { status: "none" };

export interface Timestamper {
  /** the hook signPdf and signOfd call with the signature value */
  hook: ((signatureValue: Uint8Array) => Promise<Uint8Array | undefined>) | undefined;
  outcome(): TimestampOutcome;
}

/** The TSA's URL: given, or the desk's /tsa; undefined when neither is known. */
export function tsaUrlOf(given: string | undefined, server: string | undefined): string | undefined {
  if (given) return given;
  return server ? `${server.replace(/\/$/, "")}/tsa` : undefined;
}

export function timestamper(url: string | undefined): Timestamper {
  if (!url) return { hook: undefined, outcome: () => ({ status: "none" }) };
  let outcome: TimestampOutcome = { status: "none" };
  return {
    hook: async (signatureValue) => {
      try {
        const token = await requestTimestamp(url, signatureValue);
        outcome = { status: "stamped", url };
        return token;
      } catch (e) {
        // A refused connection or a timeout throws a TypeError or an AbortError, not a DomainError.
        outcome =
          e instanceof DomainError
            ? { status: "unavailable", url, code: e.code, params: e.params }
            : { status: "unavailable", url, code: "tsa.unreachable", params: { url, status: "-" } };
        return undefined;
      }
    },
    outcome: () => outcome,
  };
}
