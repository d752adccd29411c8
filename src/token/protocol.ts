/**
 * What a key signs for the desk, byte for byte, so that the client and the server agree: the
 * proof that the key holding a certificate is present (activation, installing a renewed
 * certificate) and the answer to a login challenge. Each message names its purpose, so a signature
 * made for one can never be used as another.
 */
import { createHash } from "node:crypto";
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

/**
 * A login answer bound to the site that asked, as Web eID signs hash(origin) ‖ hash(nonce): the
 * purpose, then SHA-256 of the origin (scheme://host[:port]) and SHA-256 of the challenge. A
 * signature made for one site's page never logs into another site, whoever relays it. A software
 * key logging in to the desk signs its use counter too, so a copied key file is caught.
 */
export function loginMessage(input: {
  origin: string;
  challenge: string;
  useCounter?: number | undefined;
}): Uint8Array {
  const sha256 = (text: string): Buffer => createHash("sha256").update(text, "utf8").digest();
  const counter = input.useCounter === undefined ? [] : [Buffer.from(`\ncounter ${input.useCounter}`)];
  return new Uint8Array(
    Buffer.concat([
      Buffer.from("certdesk login\n"),
      sha256(input.origin),
      sha256(input.challenge),
      ...counter,
    ]),
  );
}

/** The signature algorithm a key of this kind signs with (SM2: SM3withSM2, the standard signer ID). */
export function signatureAlgorithmFor(keyAlgorithm: string): AlgorithmIdentifier {
  const algorithm: KeyAlgorithm =
    keyAlgorithm === "sm2" ? "sm2" : keyAlgorithm === "ecdsa-p256" ? "ecdsa-p256" : "rsa";
  return signatureAlgorithm(algorithm);
}
