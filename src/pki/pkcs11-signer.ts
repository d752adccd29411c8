/**
 * The Signer port over a private key on a PKCS#11 token (an HSM holding a CA key, or SoftHSM2 in
 * tests). The key never leaves the token: we send it the bytes to sign and get the signature back.
 */
import { Pkcs11Module } from "../token/pkcs11-module.js";
import type { KeyRef, TokenSelector } from "../token/pkcs11-types.js";
import { signatureAlgorithm } from "./signer.js";
import type { Signer } from "./signer.js";

export type Pkcs11SignerOptions = {
  /** path of the PKCS#11 library, e.g. /usr/lib/softhsm/libsofthsm2.so */
  modulePath: string;
  /** by label or serial: slot ids are not stable */
  token: TokenSelector;
  /** the user PIN */
  pin: string;
} & ({ keyLabel: string; keyId?: never } | { keyId: Uint8Array; keyLabel?: never });

export interface Pkcs11Signer extends Signer {
  /** the token's label, for logs */
  readonly tokenLabel: string;
  /** the key's CKA_LABEL */
  readonly keyLabel: string;
  /** Ends the session and releases the library; later sign() calls fail with pkcs11.session_closed. */
  close(): Promise<void>;
}

/**
 * Opens one read-only session, logs in and finds the key once, so each signature costs one
 * C_SignInit + C_Sign. The session queues calls (a PKCS#11 session does one operation at a time),
 * so concurrent sign() calls on one signer are safe; use several signers for parallel signing.
 * If the token is removed the signer stays broken: close it and make a new one.
 */
export async function pkcs11Signer(options: Pkcs11SignerOptions): Promise<Pkcs11Signer> {
  const module = Pkcs11Module.open(options.modulePath);
  try {
    const session = module.openSession(options.token);
    await session.login(options.pin);
    const ref: KeyRef = options.keyLabel !== undefined ? { label: options.keyLabel } : { id: options.keyId };
    const key = await session.findKey("private", ref);
    const publicKeySpki = await session.publicKeySpki(key);
    // publicKeySpki accepts only P-256 among EC curves, so "ec" here means P-256.
    const algorithm = signatureAlgorithm(key.keyType === "rsa" ? "rsa" : "ecdsa-p256");
    return {
      algorithm,
      publicKeySpki,
      tokenLabel: session.token.label,
      keyLabel: key.label,
      sign: (data) => session.sign(key, data),
      close: () => module.close(),
    };
  } catch (e) {
    await module.close();
    throw e;
  }
}
