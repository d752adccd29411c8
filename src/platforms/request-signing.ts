/**
 * How a platform signs its requests to certdesk, and how certdesk signs the webhooks it sends: one
 * definition, used by the desk and by the SDK platforms embed.
 *
 * A request carries
 *   Authorization: Certdesk-HMAC-SHA256 keyId=<id>, timestamp=<unix seconds>, nonce=<random>, signature=<base64url>
 * where signature = HMAC-SHA256(secret, method "\n" path-with-query "\n" timestamp "\n" nonce "\n"
 * hex SHA-256 of the body). The desk accepts a timestamp within five minutes of its clock and each
 * nonce once, so a captured request cannot be sent again.
 *
 * A webhook carries
 *   Certdesk-Signature: keyId=<id>, t=<unix seconds>, v1=<hex HMAC-SHA256(secret, t "." body)>
 * signed with the platform's newest credential; the receiver checks it and that t is recent.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export const AUTH_SCHEME = "Certdesk-HMAC-SHA256";
export const WEBHOOK_SIGNATURE_HEADER = "certdesk-signature";
/** How far a request's or a webhook's timestamp may be from the receiver's clock. */
export const CLOCK_SKEW_SECONDS = 300;

export interface RequestToSign {
  method: string;
  /** the path with its query string, as sent: /api/platform/v1/bindings?x=1 */
  path: string;
  body: Uint8Array | string;
}

export interface SignedAuthorization {
  keyId: string;
  timestamp: number;
  nonce: string;
  signature: string;
}

const sha256Hex = (body: Uint8Array | string): string => createHash("sha256").update(body).digest("hex");

export function canonicalRequest(r: RequestToSign, timestamp: number, nonce: string): string {
  return `${r.method.toUpperCase()}\n${r.path}\n${timestamp}\n${nonce}\n${sha256Hex(r.body)}`;
}

export function requestSignature(secret: string, r: RequestToSign, timestamp: number, nonce: string): string {
  return createHmac("sha256", secret)
    .update(canonicalRequest(r, timestamp, nonce))
    .digest("base64url");
}

/** The Authorization header for a request, signed now. */
export function authorizationHeader(
  credential: { keyId: string; secret: string },
  r: RequestToSign,
  now: Date = new Date(),
): string {
  const timestamp = Math.floor(now.getTime() / 1000);
  const nonce = randomBytes(16).toString("base64url");
  const signature = requestSignature(credential.secret, r, timestamp, nonce);
  return `${AUTH_SCHEME} keyId=${credential.keyId}, timestamp=${timestamp}, nonce=${nonce}, signature=${signature}`;
}

/** Reads an Authorization header; undefined when it is not ours or is missing a part. */
export function parseAuthorization(header: string | undefined): SignedAuthorization | undefined {
  if (!header?.startsWith(`${AUTH_SCHEME} `)) return undefined;
  const parts = new Map<string, string>();
  for (const item of header.slice(AUTH_SCHEME.length + 1).split(",")) {
    const eq = item.indexOf("=");
    if (eq > 0) parts.set(item.slice(0, eq).trim(), item.slice(eq + 1).trim());
  }
  const keyId = parts.get("keyId");
  const timestamp = Number(parts.get("timestamp"));
  const nonce = parts.get("nonce");
  const signature = parts.get("signature");
  if (!keyId || !nonce || !signature || !Number.isSafeInteger(timestamp)) return undefined;
  if (nonce.length < 8 || nonce.length > 64) return undefined;
  return { keyId, timestamp, nonce, signature };
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

// ---- webhooks -----------------------------------------------------------------------------

export function webhookSignature(secret: string, timestamp: number, body: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
}

export function webhookSignatureHeader(
  credential: { keyId: string; secret: string },
  body: string,
  now: Date,
): string {
  const t = Math.floor(now.getTime() / 1000);
  return `keyId=${credential.keyId}, t=${t}, v1=${webhookSignature(credential.secret, t, body)}`;
}

export type WebhookCheck =
  | { ok: true; keyId: string; timestamp: number }
  | { ok: false; reason: "missing" | "unknown_key" | "stale" | "bad_signature" };

/**
 * Checks a webhook as received: the raw body (not re-serialised JSON), the Certdesk-Signature
 * header and the platform's credentials by key id (the current one and, during a rotation, the
 * one being replaced).
 */
export function verifyWebhook(input: {
  body: string;
  header: string | undefined;
  secrets: Record<string, string>;
  now?: Date;
}): WebhookCheck {
  const parts = new Map<string, string>();
  for (const item of (input.header ?? "").split(",")) {
    const eq = item.indexOf("=");
    if (eq > 0) parts.set(item.slice(0, eq).trim(), item.slice(eq + 1).trim());
  }
  const keyId = parts.get("keyId");
  const t = Number(parts.get("t"));
  const v1 = parts.get("v1");
  if (!keyId || !v1 || !Number.isSafeInteger(t)) return { ok: false, reason: "missing" };
  const secret = input.secrets[keyId];
  if (!secret) return { ok: false, reason: "unknown_key" };
  const now = Math.floor((input.now ?? new Date()).getTime() / 1000);
  if (Math.abs(now - t) > CLOCK_SKEW_SECONDS) return { ok: false, reason: "stale" };
  if (!safeEqual(webhookSignature(secret, t, input.body), v1)) return { ok: false, reason: "bad_signature" };
  return { ok: true, keyId, timestamp: t };
}
