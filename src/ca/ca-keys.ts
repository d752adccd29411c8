/**
 * Where CA keys come from, as configured: the passphrase that unlocks keys encrypted at rest, and,
 * when CERTDESK_HSM_* are set, a PKCS#11 token that holds them instead. The PKCS#11 code is loaded
 * only when an HSM is configured, so a desk without one never loads the native module.
 */
import { randomBytes } from "node:crypto";
import type { Config } from "../config.js";
import { DomainError } from "../domain/errors.js";
import type { Signer } from "../pki/signer.js";
import type { CaAlgorithm } from "../store/schema.js";
import type { CaSecrets, InitCasInput, Pkcs11KeyRef } from "./ca.js";

type HsmConfig = NonNullable<Config["ca"]["hsm"]>;

export interface ClosableSigner extends Signer {
  close(): Promise<void>;
}

async function openHsmSigner(hsm: HsmConfig, ref: Pkcs11KeyRef): Promise<ClosableSigner> {
  const { pkcs11Signer } = await import("../pki/pkcs11-signer.js");
  return pkcs11Signer({ modulePath: ref.module, token: ref.token, pin: hsm.pin, keyLabel: ref.keyLabel });
}

/**
 * The secrets a CaRegistry needs: the passphrase, and the HSM opener when one is configured.
 * close() ends the HSM sessions opened through it (a CLI command's, or the server's at shutdown).
 */
export function caSecrets(
  ca: Config["ca"],
  passphrase: string = ca.passphrase,
): CaSecrets & { close(): Promise<void> } {
  const { hsm } = ca;
  const opened: ClosableSigner[] = [];
  const close = async (): Promise<void> => {
    await Promise.allSettled(opened.splice(0).map((s) => s.close()));
  };
  if (!hsm) return { passphrase, close };
  return {
    passphrase,
    openPkcs11Signer: async (ref) => {
      const signer = await openHsmSigner(hsm, ref);
      opened.push(signer);
      return signer;
    },
    close,
  };
}

/**
 * Makes CA keys in the configured HSM for initCas: a key pair per CA, labelled with the CA's id.
 * The token signs RSA and P-256 only (src/token/pkcs11.ts): SM2 CAs stay encrypted at rest.
 * Call close() when done: each signer keeps a session open.
 */
export function hsmKeyMaker(ca: Config["ca"]): NonNullable<InitCasInput["hsm"]> & { close(): Promise<void> } {
  const { hsm } = ca;
  if (!hsm) throw new DomainError("ca.hsm_not_configured");
  const opened: ClosableSigner[] = [];
  return {
    async generate(id: string, algorithm: CaAlgorithm) {
      if (algorithm === "sm2") throw new DomainError("ca.hsm_algorithm_unsupported", { algorithm });
      const { withPkcs11Module, withSession } = await import("../token/pkcs11-module.js");
      const token = { label: hsm.token };
      await withPkcs11Module(hsm.module, (module) =>
        withSession(module, token, { readWrite: true, login: { pin: hsm.pin } }, (session) =>
          session.generateKeyPair({
            algorithm: algorithm === "rsa" ? "rsa-2048" : "ecdsa-p256",
            label: id,
            id: randomBytes(16),
          }),
        ),
      );
      const ref: Pkcs11KeyRef = { storage: "pkcs11", module: hsm.module, token, keyLabel: id };
      const signer = await openHsmSigner(hsm, ref);
      opened.push(signer);
      return { ref, signer };
    },
    async close() {
      await Promise.allSettled(opened.map((s) => s.close()));
    },
  };
}
