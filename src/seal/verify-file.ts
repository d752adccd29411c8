/**
 * `certdesk seal verify FILE` may be given a seal (.esl) or a signature made with one
 * (SignedValue.dat in an OFD package): tell them apart by shape, then verify as the file is.
 */
import { TAG, children, readTlv } from "../pki/der.js";
import type { CertificateView } from "../pki/certificate.js";
import type { CrlView } from "../pki/crl.js";
import { parseSeal, verifySeal } from "./seal.js";
import type { SealVerdict } from "./seal.js";
import { parseSealSignature, verifySealSignature } from "./signature.js";
import { chainChecks, type SealTrust } from "./trust.js";
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

/**
 * As verifySealFile, with the maker's and (for a signature) the signer's chain to the trusted CAs
 * and their revocation. Async: CRLs may be fetched.
 */
export async function verifySealFileTrusted(
  der: Uint8Array,
  options: Omit<VerifySealSignatureOptions, "chain"> & { trust: SealTrust },
): Promise<SealFileVerdict> {
  const at = options.at ?? new Date();
  const kind = sealFileKind(der);
  let maker: CertificateView | undefined;
  let signer: CertificateView | undefined;
  try {
    if (kind === "signature")
      ({
        signer,
        seal: { maker },
      } = parseSealSignature(der));
    else maker = parseSeal(der).maker;
  } catch {
    // Unreadable: the structure check reports it, and there is no chain to follow.
  }
  const fetched = new Map<string, Promise<CrlView>>();
  const chain = {
    maker: maker ? await chainChecks("maker", maker, options.trust, at, fetched) : [],
    signer: signer ? await chainChecks("signer", signer, options.trust, at, fetched) : [],
  };
  const { trust: _trust, ...rest } = options;
  return kind === "signature"
    ? { kind, verdict: verifySealSignature(der, { ...rest, at, chain }) }
    : { kind, verdict: verifySeal(der, { at, chain: chain.maker }) };
}
