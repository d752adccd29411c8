/**
 * What a failed query says about the request, read from the driver's error: a constraint the
 * store refused (PostgreSQL SQLSTATE class 23, the same codes from PGlite), a value it could not
 * take (class 22), or a database it cannot reach at all. The server's one error mapper
 * (server/problem.ts) turns these into statuses and codes; everything else stays an internal error.
 */
export type StoreFailure = "unavailable" | "foreign_key" | "unique" | "check" | "not_null" | "invalid_value";

const CONSTRAINTS: Record<string, StoreFailure> = {
  "23503": "foreign_key",
  "23505": "unique",
  "23514": "check",
  "23502": "not_null",
  "23P01": "unique", // exclusion: another row already holds what this one wanted
};

/** Socket errors of a server that is gone, refusing, or never answering. */
const NETWORK = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

// node-postgres reports a dropped or timed-out connection by message only, without a code.
const DROPPED =
  /^(Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect|Connection terminated due to connection timeout)/;

export function storeFailureOf(error: unknown): StoreFailure | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string") {
    if (CONSTRAINTS[code]) return CONSTRAINTS[code];
    if (code.startsWith("22")) return "invalid_value";
    // 08: connection exception; 57P01–57P03: the server shutting down or starting; 53300: full.
    if (code.startsWith("08") || /^57P0[1-3]$/.test(code) || code === "53300") return "unavailable";
    if (NETWORK.has(code)) return "unavailable";
  }
  // A pool that could not connect wraps the socket error (AggregateError of every address tried).
  if (error instanceof AggregateError && error.errors.some((e) => storeFailureOf(e) === "unavailable"))
    return "unavailable";
  const message = (error as { message?: unknown }).message;
  if (typeof message === "string" && DROPPED.test(message)) return "unavailable";
  return undefined;
}
