/**
 * SM2 signing and verification by OpenSSL, through the small addon in native/sm2 (built at
 * `npm install`/`npm ci` by native/sm2/build.mjs). Node's crypto signs SM2 only with an empty
 * signer ID; OpenSSL takes the ID GM/T 0009 requires. A signature costs about a third of a
 * millisecond there, against half a millisecond to sign and 1.7 ms to verify in sm2.ts.
 *
 * Where the addon was not built (no compiler, no headers) or is switched off (CERTDESK_SM2_NATIVE
 * =off, or setSm2Native(false) in a test), sm2Backend() is undefined and callers use sm2.ts, the
 * reference: the same signatures, only slower. A missing addon is said once, in one line.
 */
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { setKeepingNewest } from "../domain/bounded.js";

/** An SM2 key held by OpenSSL (an EVP_PKEY, freed when this value is collected). */
export interface NativeSm2Key {
  readonly __nativeSm2Key: unique symbol;
}

export interface Sm2Native {
  /** a private key from PKCS#8 DER */
  privateKey(pkcs8: Uint8Array): NativeSm2Key;
  /** a public key from its point, 04 || x || y (checked to be on the curve) */
  publicKey(point: Uint8Array): NativeSm2Key;
  /** DER SEQUENCE { r, s } over SM3(Z_A || message) */
  sign(key: NativeSm2Key, message: Uint8Array, id: Uint8Array): Uint8Array;
  verify(key: NativeSm2Key, message: Uint8Array, signature: Uint8Array, id: Uint8Array): boolean;
  /** the same on libuv's thread pool, off the event loop */
  signAsync(key: NativeSm2Key, message: Uint8Array, id: Uint8Array): Promise<Uint8Array>;
  verifyAsync(
    key: NativeSm2Key,
    message: Uint8Array,
    signature: Uint8Array,
    id: Uint8Array,
  ): Promise<boolean>;
}

/** Where native/sm2/build.mjs leaves the addon, from src/pki. */
export const SM2_ADDON_PATH = fileURLToPath(
  new URL("../../native/sm2/build/Release/sm2.node", import.meta.url),
);

let enabled = true;
/** undefined: not tried yet; null: tried, not there */
let addon: Sm2Native | null | undefined;

/** Switches the addon off (or on again): the composition root's setting, and the fallback's tests. */
export function setSm2Native(on: boolean): void {
  enabled = on;
}

/** Loads the addon, or says in one line why SM2 stays in JavaScript. */
export function loadSm2Addon(
  path = SM2_ADDON_PATH,
  warn: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Sm2Native | undefined {
  try {
    return createRequire(import.meta.url)(path) as Sm2Native;
  } catch (e) {
    const why = e instanceof Error ? e.message.split("\n")[0] : String(e);
    warn(
      `certdesk: SM2 runs in JavaScript (slower): the native addon is not available (${why}); run npm rebuild or npm ci`,
    );
    return undefined;
  }
}

/** The addon, when built and not switched off. */
export function sm2Backend(): Sm2Native | undefined {
  if (!enabled) return undefined;
  addon ??= loadSm2Addon() ?? null;
  return addon ?? undefined;
}

const publicKeys = new Map<string, NativeSm2Key>();

/**
 * The native public key for an SM2 point, remembered: a CA checks the same keys (its own, on its
 * CRLs and OCSP answers) again and again. Throws for a point OpenSSL does not take.
 */
export function nativePublicKey(backend: Sm2Native, point: Uint8Array): NativeSm2Key {
  const cacheKey = Buffer.from(point.buffer, point.byteOffset, point.byteLength).toString("base64");
  let key = publicKeys.get(cacheKey);
  if (!key) {
    key = backend.publicKey(point);
    setKeepingNewest(publicKeys, cacheKey, key, 256);
  }
  return key;
}
