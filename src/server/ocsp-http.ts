/**
 * OCSP over HTTP (RFC 6960 A.1, RFC 5019), the parts the app's /ocsp routes and the OCSP worker
 * processes share: where a GET carries its request, and the headers of an answer.
 */
import { createHash } from "node:crypto";
import type { OcspAnswer } from "../ca/ocsp-responder.js";

/** An OCSP request is a few hundred bytes; a signed one with a chain a few kilobytes. */
export const OCSP_BODY_LIMIT = 64 * 1024;
export const OCSP_REQUEST = "application/ocsp-request";
export const OCSP_RESPONSE = "application/ocsp-response";

/**
 * The URL-encoded base64 of a GET /ocsp/{request}, taken from the raw URL: base64 may hold '/'
 * and '+', which a router's splitting would not keep.
 */
export function ocspGetPath(url: string): string {
  return url.slice(url.indexOf("/ocsp/") + "/ocsp/".length).split("?")[0] ?? "";
}

/** RFC 5019 6.2: a GET answer without a nonce may be cached until shortly before it is renewed. */
export function ocspResponseHeaders(
  der: Uint8Array,
  cache: OcspAnswer["cache"],
  get: boolean,
): Record<string, string> {
  const headers: Record<string, string> = { "content-type": OCSP_RESPONSE };
  if (get && cache) {
    headers["cache-control"] = `max-age=${cache.maxAgeSeconds}, public, no-transform, must-revalidate`;
    headers["last-modified"] = cache.producedAt.toUTCString();
    headers.expires = cache.nextUpdate.toUTCString();
    headers.etag = `"${createHash("sha1").update(der).digest("hex")}"`;
  } else if (get) {
    headers["cache-control"] = "no-store";
  }
  return headers;
}
