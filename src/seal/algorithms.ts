/**
 * Signature algorithms a seal may carry, and the digest each implies for the document hash.
 * GB/T 38540 seals are SM3withSM2 with the GM/T 0009 default signer ID; certdesk also makes RSA
 * seals where a programme asks, and reads ECDSA seals made by others.
 */
import { createHash } from "node:crypto";
import { AlgorithmIdentifier } from "@peculiar/asn1-x509";
import { DomainError } from "../domain/errors.js";
import { OID } from "../pki/oids.js";
import { SIGNATURE_ALGORITHM_NAMES, verifySignature } from "../pki/signer.js";
import { SM2_DEFAULT_ID } from "../pki/sm2.js";

/** Digest of each signature algorithm we verify (SHA-1 ones are absent: never accepted). */
const DIGEST_OF: Readonly<Record<string, string>> = {
  [OID.sm3WithSm2]: "sm3",
  [OID.ecdsaWithSha256]: "sha256",
  [OID.ecdsaWithSha384]: "sha384",
  [OID.ecdsaWithSha512]: "sha512",
  [OID.sha256WithRsa]: "sha256",
  [OID.sha384WithRsa]: "sha384",
  [OID.sha512WithRsa]: "sha512",
};

/** What certdesk itself signs seals with: SM2, or RSA where a programme asks; never ECDSA. */
export const SEAL_MAKER_ALGORITHMS: readonly string[] = [OID.sm3WithSm2, OID.sha256WithRsa];

/** What a SES_Signature's signer may sign with: the organisation's own key, whatever it is. */
export const SEAL_SIGNER_ALGORITHMS: readonly string[] = [
  OID.sm3WithSm2,
  OID.ecdsaWithSha256,
  OID.sha256WithRsa,
];

export const signatureAlgorithmName = (oid: string): string => SIGNATURE_ALGORITHM_NAMES[oid] ?? oid;

export const digestAlgorithmOf = (signatureAlgorithm: string): string | undefined =>
  DIGEST_OF[signatureAlgorithm];

export function digest(algorithm: string, data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash(algorithm).update(data).digest());
}

export type SignatureOutcome = "valid" | "invalid" | "unsupported";

/** SM2 signatures are checked with the default signer ID, as GB/T 38540 requires. */
export function checkSignature(
  spki: Uint8Array,
  algorithm: string,
  data: Uint8Array,
  signature: Uint8Array,
): SignatureOutcome {
  if (!(algorithm in DIGEST_OF)) return "unsupported";
  try {
    const ok = verifySignature(spki, new AlgorithmIdentifier({ algorithm }), data, signature, {
      sm2Id: SM2_DEFAULT_ID,
    });
    return ok ? "valid" : "invalid";
  } catch (e) {
    if (e instanceof DomainError && e.code === "pki.signature_algorithm_unsupported") return "unsupported";
    throw e;
  }
}

/** Digest names a CertDigestObj.type may give, mapped to node's hash names. */
export function digestAlgorithmsForLabel(label: string, length: number): string[] {
  const normal = label.toLowerCase().replace(/[^a-z0-9]/g, "");
  if (normal === "sm3") return ["sm3"];
  if (normal === "sha256") return ["sha256"];
  if (normal === "sha384") return ["sha384"];
  if (normal === "sha512") return ["sha512"];
  // The type is "自定义类型" (left to the maker): for an unknown label try the 32-byte digests we trust.
  return length === 32 ? ["sm3", "sha256"] : [];
}
