/**
 * CA private keys at rest: PKCS#8 encrypted with AES-256-GCM under a key derived from the CA
 * passphrase with scrypt. The passphrase comes from configuration (or a prompt) and is never
 * stored or logged; a wrong passphrase fails the GCM tag check and reveals nothing.
 */
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from "node:crypto";
import { DomainError } from "../domain/errors.js";

export interface EncryptedKey {
  storage: "encrypted";
  kdf: "scrypt";
  N: number;
  r: number;
  p: number;
  salt: string;
  iv: string;
  tag: string;
  ciphertext: string;
}

const SCRYPT = { N: 2 ** 15, r: 8, p: 1 };
const MAXMEM = 64 * 1024 * 1024;

export function sealPrivateKey(pkcs8: Uint8Array, passphrase: string): EncryptedKey {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const key = scryptSync(passphrase.normalize("NFC"), salt, 32, { ...SCRYPT, maxmem: MAXMEM });
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const ciphertext = Buffer.concat([cipher.update(pkcs8), cipher.final()]);
  return {
    storage: "encrypted",
    kdf: "scrypt",
    ...SCRYPT,
    salt: salt.toString("base64"),
    iv: iv.toString("base64"),
    tag: cipher.getAuthTag().toString("base64"),
    ciphertext: ciphertext.toString("base64"),
  };
}

export function openPrivateKey(sealed: EncryptedKey, passphrase: string): Uint8Array {
  const key = scryptSync(passphrase.normalize("NFC"), Buffer.from(sealed.salt, "base64"), 32, {
    N: sealed.N,
    r: sealed.r,
    p: sealed.p,
    maxmem: MAXMEM,
  });
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(sealed.iv, "base64"));
  decipher.setAuthTag(Buffer.from(sealed.tag, "base64"));
  try {
    return Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, "base64")), decipher.final()]);
  } catch {
    throw new DomainError("ca.passphrase_wrong");
  }
}
