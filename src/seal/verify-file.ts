/**
 * `certdesk seal verify FILE` may be given a seal (.esl) or a signature made with one
 * (SignedValue.dat in an OFD package): tell them apart by shape, then verify as the file is.
 */
import { TAG, children, readTlv } from "../pki/der.js";
import { verifySeal } from "./seal.js";
import type { SealVerdict } from "./seal.js";
import { verifySealSignature } from "./signature.js";
import type { SealSignatureVerdict, VerifySealSignatureOptions } from "./signature.js";

export type SealFileVerdict =
  { kind: "seal"; verdict: SealVerdict } | { kind: "signature"; verdict: SealSignatureVerdict };

/**
 * SESeal and SES_Signature have the same outer shapes (4 or 2 fields), but SES_SealInfo opens
 * with the header SEQUENCE and TBS_Sign with its version INTEGER.
 */
export function sealFileKind(der: Uint8Array): "seal" | "signature" {
  try {
    const top = readTlv(der, 0);
    const first = top.tag === TAG.SEQUENCE ? children(der, top)[0] : undefined;
    const inner = first?.tag === TAG.SEQUENCE ? children(der, first)[0] : undefined;
    return inner?.tag === TAG.INTEGER ? "signature" : "seal";
  } catch {
    // Unreadable either way: the seal verifier reports the structure fault.
    return "seal";
  }
}

export function verifySealFile(der: Uint8Array, options: VerifySealSignatureOptions = {}): SealFileVerdict {
  return sealFileKind(der) === "signature"
    ? { kind: "signature", verdict: verifySealSignature(der, options) }
    : { kind: "seal", verdict: verifySeal(der, options.at ? { at: options.at } : {}) };
}
