/**
 * The seal maker's and the signer's certificate chains as verification checks: is each one issued,
 * link by link, by a CA the verifier trusts (src/pki/chain.ts), and is any certificate on the way
 * revoked. Two checks per certificate, named for whose it is, so a report says which chain failed.
 */
import type { CertificateView } from "../pki/certificate.js";
import { buildPath, checkRevocation } from "../pki/chain.js";
import type { CrlFetcher, PathResult } from "../pki/chain.js";
import type { CrlView } from "../pki/crl.js";
import { fail, isoSecond, pass, skipped, warning } from "./checks.js";
import type { Check } from "./checks.js";

export interface SealTrust {
  /** the CA certificates trusted: the desk's own, or those given with --trust */
  anchors: readonly CertificateView[];
  /** CRLs given by the user */
  crls?: readonly CrlView[];
  /** fetches CRLs from distribution points; without it revocation is judged on given CRLs only */
  fetchCrl?: CrlFetcher;
}

export type ChainRole = "maker" | "signer";
export type ChainCheckName<R extends ChainRole> = `${R}Chain` | `${R}Revocation`;

function pathCheck<R extends ChainRole>(
  name: `${R}Chain`,
  cert: CertificateView,
  result: PathResult,
  trust: SealTrust,
  at: Date,
): Check<`${R}Chain`> {
  const subject = cert.subjectText;
  if (result.trusted)
    return pass(name, "chain.trusted", { subject, anchor: result.path[result.path.length - 1]!.subjectText });
  if (trust.anchors.length === 0) return fail(name, "chain.no_trust", { subject });
  const where = result.certificate;
  const issuer = result.issuer;
  return fail(name, `chain.${result.problem}`, {
    subject,
    certificate: where.subjectText,
    issuer: issuer?.subjectText ?? where.issuerText,
    notBefore: issuer ? isoSecond(issuer.notBefore) : "",
    notAfter: issuer ? isoSecond(issuer.notAfter) : "",
    at: isoSecond(at),
  });
}

/**
 * The chain and revocation checks for one certificate, as of `at`. `fetched` is shared across the
 * certificates of one run, so each CRL is fetched once.
 */
export async function chainChecks<R extends ChainRole>(
  role: R,
  cert: CertificateView,
  trust: SealTrust,
  at: Date,
  fetched: Map<string, Promise<CrlView>> = new Map(),
): Promise<Check<ChainCheckName<R>>[]> {
  const chainName = `${role}Chain` as const;
  const revocationName = `${role}Revocation` as const;
  const path = buildPath({ certificate: cert, anchors: trust.anchors, at, signing: true });
  const chain = pathCheck<R>(chainName, cert, path, trust, at);
  if (!path.trusted) return [chain, skipped(revocationName, "chain.revocation_not_checked")];
  const revocation = await checkRevocation({
    path: path.path,
    at,
    ...(trust.crls ? { crls: trust.crls } : {}),
    ...(trust.fetchCrl ? { fetchCrl: trust.fetchCrl } : {}),
    fetched,
  });
  switch (revocation.status) {
    case "good":
      return [chain, pass(revocationName, "chain.not_revoked", { count: revocation.checked })];
    case "revoked":
      return [
        chain,
        fail(revocationName, "chain.revoked", {
          subject: revocation.certificate.subjectText,
          serial: revocation.certificate.serialNumber,
          revokedAt: isoSecond(revocation.revokedAt),
          reason: revocation.reason ?? "unspecified",
        }),
      ];
    case "unknown":
      // Offline, or the CA publishes no CRL: reported, but not a reason to call the seal bad.
      return [
        chain,
        warning(revocationName, "chain.revocation_unknown", {
          subject: revocation.certificate.subjectText,
          detail: revocation.detail,
        }),
      ];
  }
}
