/**
 * The software key's file: its format, integrity and authentication MACs, the sealing of secrets
 * under the PINs, and the SO challenge and response.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  hkdfSync,
  randomBytes as nodeRandomBytes,
  scrypt as scryptCallback,
} from "node:crypto";
import { x25519 } from "@noble/curves/ed25519.js";
import { z } from "zod";
import { DomainError } from "../domain/errors.js";
import type { SoPurpose } from "./port.js";

export type RandomBytes = (length: number) => Uint8Array;

export const FORMAT = "certdesk-software-key";
export const SCRYPT = { N: 2 ** 15, r: 8, p: 1 };
export const MAXMEM = 64 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// The file

export const b64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/);
export const sealedSchema = z.strictObject({ iv: b64, tag: b64, ct: b64 });
export type Sealed = z.infer<typeof sealedSchema>;

export const fileSchema = z.strictObject({
  format: z.literal(FORMAT),
  version: z.literal(1),
  serial: z.string().regex(/^[0-9A-F]{16}$/),
  manufacturer: z.string(),
  model: z.string(),
  label: z.string(),
  initialised: z.boolean(),
  user: z
    .strictObject({
      maxRetries: z.int().min(1).max(15),
      retriesLeft: z.int().min(0).max(15),
      defaultPin: z.boolean(),
      kdf: z.strictObject({ salt: b64, N: z.int(), r: z.int(), p: z.int() }),
      wrap: sealedSchema,
    })
    .optional(),
  so: z
    .strictObject({
      maxRetries: z.int().min(1).max(15),
      retriesLeft: z.int().min(0).max(15),
      /** X25519 public key derived from the SO PIN and the serial */
      publicKey: b64,
      /** the DEK wrapped to publicKey from an ephemeral key */
      wrap: sealedSchema.extend({ ephemeral: b64 }),
    })
    .optional(),
  challenge: z.strictObject({ purpose: z.enum(["unblock", "format"]), nonce: b64, secret: b64 }).optional(),
  keyPairs: z.array(
    z.strictObject({
      id: z.string().regex(/^[0-9a-f]{2,64}$/),
      label: z.string(),
      algorithm: z.enum(["sm2", "ecdsa-p256", "rsa-2048"]),
      publicKey: b64,
      privateKey: sealedSchema,
    }),
  ),
  certificates: z.array(z.strictObject({ id: z.string(), label: z.string(), der: b64 })),
  objects: z.array(z.strictObject({ label: z.string(), value: b64 })),
  /** logins so far: the desk refuses a key whose counter is behind what it saw (a copied file) */
  useCounter: z.int().min(0).optional(),
  /** MAC under the DEK over everything but counters, challenge and the MACs */
  authMac: b64.optional(),
  /** MAC keyed from the serial over everything else */
  integrity: b64,
});
export type KeyFile = z.infer<typeof fileSchema>;
export type Body = Omit<KeyFile, "integrity">;

/** JSON with sorted keys, so that a MAC does not depend on property order. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export const toB64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64");
export const fromB64 = (text: string): Buffer => Buffer.from(text, "base64");

export function integrityOf(body: Body): string {
  const key = createHash("sha256").update(`certdesk software key integrity\n${body.serial}`).digest();
  return createHmac("sha256", key).update(canonical(body)).digest("base64");
}

export function authenticatedPart(body: Body): unknown {
  return {
    serial: body.serial,
    label: body.label,
    initialised: body.initialised,
    user: body.user && { ...body.user, retriesLeft: undefined },
    so: body.so && { ...body.so, retriesLeft: undefined },
    keyPairs: body.keyPairs,
    certificates: body.certificates,
    objects: body.objects,
    useCounter: body.useCounter,
  };
}

export const subkey = (dek: Uint8Array, info: string): Buffer =>
  Buffer.from(hkdfSync("sha256", dek, Buffer.alloc(0), `certdesk software key ${info}`, 32));

export function authMacOf(dek: Uint8Array, body: Body): string {
  return createHmac("sha256", subkey(dek, "auth"))
    .update(canonical(authenticatedPart(body)))
    .digest("base64");
}

export function seal(key: Uint8Array, plain: Uint8Array, aad: string, random: RandomBytes): Sealed {
  const iv = random(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(aad, "utf8"));
  const ct = Buffer.concat([cipher.update(plain), cipher.final()]);
  return { iv: toB64(iv), tag: toB64(cipher.getAuthTag()), ct: toB64(ct) };
}

/** undefined when the key or the data is wrong: GCM says no and nothing else is learnt. */
export function open(key: Uint8Array, sealed: Sealed, aad: string): Buffer | undefined {
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, fromB64(sealed.iv));
    decipher.setAAD(Buffer.from(aad, "utf8"));
    decipher.setAuthTag(fromB64(sealed.tag));
    return Buffer.concat([decipher.update(fromB64(sealed.ct)), decipher.final()]);
  } catch {
    return undefined;
  }
}

export function scrypt(
  pin: string,
  salt: Buffer,
  params: { N: number; r: number; p: number },
): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCallback(pin.normalize("NFC"), salt, 32, { ...params, maxmem: MAXMEM }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// The SO side: X25519 keys from the SO PIN, wraps and responses

/** The SO's X25519 private key: from the SO PIN (random and long, made by the desk) and the serial. */
export function soPrivateKey(soPin: string, serial: string): Uint8Array {
  return new Uint8Array(
    hkdfSync("sha256", Buffer.from(soPin, "utf8"), Buffer.from(serial, "utf8"), "certdesk so key", 32),
  );
}

export function soPublicKey(soPin: string, serial: string): Uint8Array {
  return x25519.getPublicKey(soPrivateKey(soPin, serial));
}

export function wrapKey(shared: Uint8Array, ephemeral: Uint8Array, soPub: Uint8Array): Buffer {
  return Buffer.from(hkdfSync("sha256", shared, Buffer.concat([ephemeral, soPub]), "certdesk so wrap", 32));
}

export function responseKey(shared: Uint8Array, nonce: Uint8Array): Buffer {
  return Buffer.from(hkdfSync("sha256", shared, nonce, "certdesk so response", 32));
}

export const wrapAad = (serial: string): string => `certdesk so wrap\n${serial}`;
export const responseAad = (serial: string, nonce: string, purpose: SoPurpose): string =>
  `certdesk so response\n${serial}\n${nonce}\n${purpose}`;

/** Wraps the DEK to the SO public key from a fresh ephemeral key: needs no SO secret. */
export function wrapForSo(dek: Uint8Array, serial: string, soPub: Uint8Array, random: RandomBytes) {
  const ephemeralSecret = random(32);
  const ephemeral = x25519.getPublicKey(ephemeralSecret);
  const key = wrapKey(x25519.getSharedSecret(ephemeralSecret, soPub), ephemeral, soPub);
  return { ...seal(key, dek, wrapAad(serial), random), ephemeral: toB64(ephemeral) };
}

export const challengeSchema = z.strictObject({
  v: z.literal(1),
  serial: z.string(),
  purpose: z.enum(["unblock", "format"]),
  nonce: b64,
  E: b64,
  T: b64,
});

export function decodeJson<T>(text: string, schema: z.ZodType<T>, code: string): T {
  try {
    return schema.parse(JSON.parse(Buffer.from(text, "base64url").toString("utf8")));
  } catch {
    throw new DomainError(code);
  }
}

export const encodeJson = (value: unknown): string =>
  Buffer.from(JSON.stringify(value), "utf8").toString("base64url");

/** The serial and purpose a challenge claims, for the server to check against its own records. */
export function readSoChallenge(challenge: string): { serial: string; purpose: SoPurpose } {
  const c = decodeJson(challenge, challengeSchema, "token.challenge_invalid");
  return { serial: c.serial, purpose: c.purpose };
}

/**
 * The server's half: from the SO PIN it holds and the key's challenge, the response the key
 * accepts. Nothing derived from the SO PIN but the one-time wrap key leaves, encrypted to the key.
 */
export function soRespond(input: {
  soPin: string;
  serial: string;
  challenge: string;
  purpose: SoPurpose;
  random?: RandomBytes;
}): string {
  const random = input.random ?? nodeRandomBytes;
  const c = decodeJson(input.challenge, challengeSchema, "token.challenge_invalid");
  if (c.serial !== input.serial) throw new DomainError("token.challenge_wrong_key", { serial: c.serial });
  if (c.purpose !== input.purpose)
    throw new DomainError("token.challenge_wrong_purpose", { purpose: c.purpose });
  const so = soPrivateKey(input.soPin, input.serial);
  const soPub = x25519.getPublicKey(so);
  const E = fromB64(c.E);
  const T = fromB64(c.T);
  const nonce = fromB64(c.nonce);
  let shared: Uint8Array;
  let sharedT: Uint8Array;
  try {
    shared = x25519.getSharedSecret(so, E);
    sharedT = x25519.getSharedSecret(so, T);
  } catch {
    throw new DomainError("token.challenge_invalid");
  }
  const key = wrapKey(shared, E, soPub);
  const sealed = seal(
    responseKey(sharedT, nonce),
    key,
    responseAad(input.serial, c.nonce, input.purpose),
    random,
  );
  return encodeJson({ v: 1, ...sealed });
}

export const responseSchema = z.strictObject({ v: z.literal(1), iv: b64, tag: b64, ct: b64 });

export const userAad = (serial: string): string => `certdesk user pin\n${serial}`;
export const privateKeyAad = (serial: string, id: string): string => `certdesk private key\n${serial}\n${id}`;

export function soFailure(left: number, serial: string): DomainError {
  return left === 0
    ? new DomainError("token.so_locked", { serial })
    : new DomainError("token.so_auth_failed", { remaining: left });
}
