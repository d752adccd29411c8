/**
 * Secrets the desk keeps for USB keys: each key's SO PIN, sealed under the desk's secret key the
 * way src/pki/key-vault.ts seals CA keys (AES-256-GCM under a scrypt-derived key, a fresh salt per
 * seal), and the short codes sent by SMS, kept as an HMAC under the same secret so that a copy of
 * the store does not give them away by brute force. Nothing here is ever logged or returned.
 */
import { createHmac, randomBytes, randomInt, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { DomainError } from "../domain/errors.js";
import { openPrivateKey, sealPrivateKey, type EncryptedKey } from "../pki/key-vault.js";

const sealedSchema = z.object({
  storage: z.literal("encrypted"),
  kdf: z.literal("scrypt"),
  N: z.int(),
  r: z.int(),
  p: z.int(),
  salt: z.string(),
  iv: z.string(),
  tag: z.string(),
  ciphertext: z.string(),
});

/** An SO PIN the desk makes for one key: 24 characters from a 32-letter alphabet (120 bits). */
export function newSoPin(): string {
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  return Array.from(randomBytes(24), (b) => alphabet[b % 32]).join("");
}

export function sealSoPin(soPin: string, secretKey: string): EncryptedKey {
  return sealPrivateKey(Buffer.from(soPin, "utf8"), secretKey);
}

export function openSoPin(sealed: unknown, secretKey: string): string {
  try {
    return Buffer.from(openPrivateKey(sealedSchema.parse(sealed), secretKey)).toString("utf8");
  } catch {
    throw new DomainError("keys.secret_unreadable");
  }
}

/** A code of digits, uniformly drawn. */
export function newCode(digits: number): string {
  return Array.from({ length: digits }, () => String(randomInt(10))).join("");
}

export function codeHash(secretKey: string, purpose: string, orderId: string, code: string): string {
  return createHmac("sha256", secretKey)
    .update(`certdesk ${purpose} code\n${orderId}\n${code}`)
    .digest("hex");
}

export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, "hex");
  const y = Buffer.from(b, "hex");
  return x.length === y.length && timingSafeEqual(x, y);
}
