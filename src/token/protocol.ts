/**
 * What a key signs for the desk, byte for byte, so that the client and the server agree: the
 * proof that the key holding a certificate is present (activation, installing a renewed
 * certificate) and the answer to a login challenge. Each message names its purpose, so a signature
 * made for one can never be used as another.
 */
import { signatureAlgorithm, type KeyAlgorithm } from "../pki/signer.js";
import type { AlgorithmIdentifier } from "@peculiar/asn1-x509";

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

export function activationMessage(input: {
  keySerial: string;
  certificateSerial: string;
  code: string;
}): Uint8Array {
  return utf8(`certdesk activate\n${input.keySerial}\n${input.certificateSerial}\n${input.code}`);
}

export function installMessage(input: {
  keySerial: string;
  certificateSerial: string;
  orderId: string;
}): Uint8Array {
  return utf8(`certdesk install\n${input.keySerial}\n${input.certificateSerial}\n${input.orderId}`);
}

/** With the key's use counter (software keys logging in to the desk), the counter is signed too. */
export function loginMessage(challenge: string, useCounter?: number): Uint8Array {
  return utf8(
    useCounter === undefined
      ? `certdesk login\n${challenge}`
      : `certdesk login\n${challenge}\ncounter ${useCounter}`,
  );
}

/** The signature algorithm a key of this kind signs with (SM2: SM3withSM2, the standard signer ID). */
export function signatureAlgorithmFor(keyAlgorithm: string): AlgorithmIdentifier {
  const algorithm: KeyAlgorithm =
    keyAlgorithm === "sm2" ? "sm2" : keyAlgorithm === "ecdsa-p256" ? "ecdsa-p256" : "rsa";
  return signatureAlgorithm(algorithm);
}
