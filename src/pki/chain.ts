/**
 * Certificate paths (RFC 5280 §6, the parts a verifier of seals and signatures needs): from a
 * certificate up to one of the given trust anchors, each link's signature checked (SM2 with the
 * GM/T 0009 default signer ID, RSA, ECDSA), each CA valid at the moment judged, a CA by its
 * basicConstraints and keyUsage, and path lengths kept. Then revocation, from CRLs given or
 * fetched from the certificate's CRL distribution point; a CRL that cannot be had makes the answer
 * "unknown", not "revoked": an offline verifier must not call a good signature bad.
 */
import type { CertificateView } from "./certificate.js";
import { verifyCertificateSignature } from "./certificate.js";
import { parseCrl } from "./crl.js";
import type { CrlView, RevocationReason } from "./crl.js";
import { normalizeSerial } from "./serial.js";
import { SM2_DEFAULT_ID } from "./sm2.js";

/** Why no path reached an anchor; `certificate` is where the best attempt stopped. */
export type ChainProblem =
  /** no anchor or CA certificate given names this certificate's issuer */
  | "issuer_unknown"
  /** an issuer by name, but its key did not sign this certificate */
  | "signature_invalid"
  /** a CA certificate on the path outside its validity at the moment judged */
  | "issuer_expired"
  | "issuer_not_yet_valid"
  /** the issuer is not a CA (basicConstraints), or may not sign certificates (keyUsage) */
  | "issuer_not_ca"
  | "issuer_key_usage"
  /** the path is longer than a CA's pathLenConstraint allows */
  | "path_length"
  /** the certificate itself may not sign (keyUsage without digitalSignature or nonRepudiation) */
  | "key_usage";

export type PathResult =
  /** path[0] is the certificate, the last one the anchor it reached */
  | { trusted: true; path: CertificateView[] }
  | { trusted: false; problem: ChainProblem; certificate: CertificateView; issuer?: CertificateView };

export interface PathInput {
  certificate: CertificateView;
  /** trusted as they are: roots, or any CA certificate the verifier chooses to trust */
  anchors: readonly CertificateView[];
  /** CA certificates that may complete a path but are not trusted on their own */
  intermediates?: readonly CertificateView[];
  at: Date;
  /** the certificate signs documents: its keyUsage, when present, must allow that */
  signing?: boolean;
}

const MAX_DEPTH = 8;
const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(a, b) === 0;

/** The issuer's name as bytes (how CAs write it), or as text (a CA that re-encoded its name). */
const names = (issuer: CertificateView, cert: CertificateView): boolean =>
  same(issuer.subjectDer, cert.issuerDer) || issuer.subjectText === cert.issuerText;

const keyIdsAgree = (issuer: CertificateView, cert: CertificateView): boolean => {
  const ski = issuer.extensions.subjectKeyIdentifier;
  const aki = cert.extensions.authorityKeyIdentifier;
  return !ski || !aki || ski.toLowerCase() === aki.toLowerCase();
};

const signedBy = (cert: CertificateView, issuer: CertificateView): boolean => {
  try {
    return verifyCertificateSignature(cert, issuer.spki, { sm2Id: SM2_DEFAULT_ID });
  } catch {
    return false;
  }
};

const selfIssued = (c: CertificateView): boolean => same(c.subjectDer, c.issuerDer);

/** What stops `issuer` from issuing `cert` at `at` (below it: `below` CAs that count for pathLen). */
function issuerProblem(issuer: CertificateView, at: Date, below: number): ChainProblem | undefined {
  if (at < issuer.notBefore) return "issuer_not_yet_valid";
  if (at > issuer.notAfter) return "issuer_expired";
  const bc = issuer.extensions.basicConstraints;
  // A v1 certificate has no extensions: only a trust anchor may be one (RFC 5280 §6.1.4 (k)).
  if (issuer.version >= 3 ? !bc?.ca : false) return "issuer_not_ca";
  const ku = issuer.extensions.keyUsage;
  if (ku && !ku.includes("keyCertSign")) return "issuer_key_usage";
  if (bc?.pathLength !== undefined && below > bc.pathLength) return "path_length";
  return undefined;
}

/** How far an attempt got, to name the most telling failure when every attempt fails. */
const RANK: Record<ChainProblem, number> = {
  issuer_unknown: 0,
  signature_invalid: 1,
  issuer_not_ca: 2,
  issuer_key_usage: 2,
  path_length: 3,
  issuer_not_yet_valid: 4,
  issuer_expired: 4,
  key_usage: 5,
};

/** The path from the certificate to an anchor, or why there is none. Pure: no I/O. */
export function buildPath(input: PathInput): PathResult {
  const { certificate, anchors, at } = input;
  const ku = certificate.extensions.keyUsage;
  if (input.signing && ku && !ku.includes("digitalSignature") && !ku.includes("nonRepudiation"))
    return { trusted: false, problem: "key_usage", certificate };
  const pool = [...anchors, ...(input.intermediates ?? [])];
  const isAnchor = (c: CertificateView) => anchors.some((a) => same(a.der, c.der));
  let best: Extract<PathResult, { trusted: false }> = {
    trusted: false,
    problem: "issuer_unknown",
    certificate,
  };
  const consider = (r: Extract<PathResult, { trusted: false }>) => {
    if (RANK[r.problem] > RANK[best.problem]) best = r;
  };

  // Depth first over candidate issuers: a CA renewed with a new key has two certificates by name.
  const walk = (path: CertificateView[], intermediatesBelow: number): CertificateView[] | undefined => {
    const current = path[path.length - 1]!;
    if (isAnchor(current)) return path;
    if (path.length > MAX_DEPTH) return undefined;
    for (const issuer of pool) {
      if (!names(issuer, current)) continue;
      if (path.some((p) => same(p.der, issuer.der))) continue;
      // Same name, another key (a renewed CA, or a forger): not this certificate's issuer.
      if (!keyIdsAgree(issuer, current) || !signedBy(current, issuer)) {
        consider({ trusted: false, problem: "signature_invalid", certificate: current, issuer });
        continue;
      }
      const problem = issuerProblem(issuer, at, intermediatesBelow);
      if (problem) {
        consider({ trusted: false, problem, certificate: current, issuer });
        continue;
      }
      // RFC 5280 §6.1.4 (l): self-issued CA certificates do not count against pathLen.
      const counts = selfIssued(issuer) ? 0 : 1;
      const found = walk([...path, issuer], intermediatesBelow + counts);
      if (found) return found;
    }
    return undefined;
  };
  const path = walk([certificate], 0);
  return path ? { trusted: true, path } : best;
}

// ---------------------------------------------------------------------------------------------
// Revocation

export type RevocationResult =
  | { status: "good"; checked: number }
  | { status: "revoked"; certificate: CertificateView; revokedAt: Date; reason?: RevocationReason }
  /** no usable CRL for `certificate`: none given, its distribution point unreachable, or stale */
  | { status: "unknown"; certificate: CertificateView; detail: string };

/** Fetches a CRL's bytes from a distribution point URL; throws when it cannot. */
export type CrlFetcher = (url: string) => Promise<Uint8Array>;

/** An HTTP(S) fetch with a short timeout: a verifier offline waits seconds, not minutes. */
export function httpCrlFetcher(timeoutMs = 3000): CrlFetcher {
  return async (url) => {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return new Uint8Array(await res.arrayBuffer());
  };
}

export interface RevocationInput {
  /** a trusted path from buildPath: each certificate but the anchor is checked against its issuer's CRL */
  path: readonly CertificateView[];
  at: Date;
  /** CRLs to hand (given by the user); tried before any distribution point */
  crls?: readonly CrlView[];
  /** without it, nothing is fetched */
  fetchCrl?: CrlFetcher;
  /** CRLs fetched so far, by URL: one run verifying many signatures fetches each CRL once */
  fetched?: Map<string, Promise<CrlView>>;
}

const issuedBy = (crl: CrlView, issuer: CertificateView): boolean =>
  same(crl.issuerDer, issuer.subjectDer) &&
  (() => {
    try {
      return crl.verify(issuer.spki, { sm2Id: SM2_DEFAULT_ID });
    } catch {
      return false;
    }
  })();

/** A CRL is usable at `at` when it was issued by then and its next update has not passed. */
const current = (crl: CrlView, at: Date): boolean =>
  crl.thisUpdate <= at && (!crl.nextUpdate || crl.nextUpdate >= at);

function revocationIn(crl: CrlView, cert: CertificateView, at: Date) {
  const serial = normalizeSerial(cert.serialNumber);
  const entry = crl.entries.find((e) => normalizeSerial(e.serialNumber) === serial);
  return entry && entry.revokedAt <= at ? entry : undefined;
}

export async function checkRevocation(input: RevocationInput): Promise<RevocationResult> {
  const { path, at } = input;
  const fetched = input.fetched ?? new Map<string, Promise<CrlView>>();
  let checked = 0;
  for (let i = 0; i + 1 < path.length; i++) {
    const cert = path[i]!;
    const issuer = path[i + 1]!;
    const given = (input.crls ?? []).filter((c) => issuedBy(c, issuer));
    const candidates = [...given];
    let detail = given.length ? "stale CRL" : "no CRL";
    // A revocation listed in any CRL of the issuer stands, even in a stale one.
    const listed = (crls: CrlView[]) =>
      crls.map((c) => ({ c, entry: revocationIn(c, cert, at) })).find((x) => x.entry);
    let hit = listed(candidates);
    if (!hit && !candidates.some((c) => current(c, at))) {
      const urls = (cert.extensions.crlDistributionPoints ?? []).filter((u) => /^https?:\/\//i.test(u));
      if (urls.length === 0 && !given.length) detail = "no CRL given and no distribution point";
      for (const url of urls) {
        if (!input.fetchCrl) {
          detail = `not fetched: ${url}`;
          break;
        }
        let crl: CrlView;
        try {
          let pending = fetched.get(url);
          if (!pending) {
            pending = input.fetchCrl(url).then((der) => parseCrl(der));
            fetched.set(url, pending);
          }
          crl = await pending;
        } catch (e) {
          detail = `${url}: ${e instanceof Error ? e.message : String(e)}`;
          continue;
        }
        if (!issuedBy(crl, issuer)) {
          detail = `${url}: not signed by ${issuer.subjectText}`;
          continue;
        }
        candidates.push(crl);
        hit = listed([crl]);
        if (hit || current(crl, at)) break;
        detail = `${url}: stale CRL`;
      }
    }
    if (hit)
      return {
        status: "revoked",
        certificate: cert,
        revokedAt: hit.entry!.revokedAt,
        ...(hit.entry!.reason ? { reason: hit.entry!.reason } : {}),
      };
    if (!candidates.some((c) => current(c, at))) return { status: "unknown", certificate: cert, detail };
    checked++;
  }
  return { status: "good", checked };
}
