/**
 * Certificate login checked by the platform itself, without asking certdesk's API: the chain to
 * a CA the platform trusts, the validity period, the key's signature over the platform's own
 * challenge, and revocation over OCSP (a nonce, the responder's signature and authority checked).
 *
 * OCSP answers are kept for a short while (maxOcspAgeSeconds, and never past nextUpdate): that is
 * the freshness window, the longest a just-revoked certificate can still log in. A revoked answer
 * is kept for good. Which account the certificate is bound to is the platform's own record (the
 * bind response and the binding webhooks tell it).
 */
import { randomBytes, randomUUID } from "node:crypto";
import {
  parseCertificate,
  verifyCertificateSignature,
  type CertificateView,
} from "../../../src/pki/certificate.js";
import { buildOcspRequest, certIdFor, parseOcspResponse } from "../../../src/pki/ocsp.js";
import { OID } from "../../../src/pki/oids.js";
import { verifySignature } from "../../../src/pki/signer.js";
import { loginMessage, signatureAlgorithmFor } from "../../../src/token/protocol.js";

export type LoginRefusal =
  | "certificate_malformed"
  | "untrusted_issuer"
  | "not_yet_valid"
  | "expired"
  | "signature_invalid"
  | "revoked"
  | "ocsp_unknown"
  | "ocsp_unavailable"
  | "ocsp_invalid"
  | "challenge_unknown";

export class LoginRefused extends Error {
  constructor(
    readonly reason: LoginRefusal,
    detail?: string,
  ) {
    super(detail ? `${reason}: ${detail}` : reason);
  }
}

export interface LocalLoginResult {
  serial: string;
  subject: string;
  /** the unified social credit code, from the GM/T 0015 extension or the subject's serialNumber */
  uscc: string | undefined;
  organisation: string | undefined;
  notAfter: Date;
  ocsp: { status: "good"; thisUpdate: Date; nextUpdate: Date | undefined; checkedAt: Date; cached: boolean };
}

export interface LocalVerifierOptions {
  /**
   * The platform's own web origin (scheme://host[:port]) its login page is served from: the key's
   * signature must be bound to it (a signature made on another site's page is refused).
   */
  origin: string;
  /** the issuing CA certificates the platform trusts (DER or PEM), e.g. from certdesk's /ca/… */
  trustedCas: (Uint8Array | string)[];
  /** the OCSP responder; else the URL in the certificate's Authority Information Access */
  ocspUrl?: string;
  /** how long a good answer is trusted (default 60 s): the revocation freshness window */
  maxOcspAgeSeconds?: number;
  now?: () => Date;
  fetch?: typeof fetch;
}

interface CachedAnswer {
  status: "good" | "revoked";
  thisUpdate: Date;
  nextUpdate: Date | undefined;
  checkedAt: Date;
  until: number;
}

const SKEW_MS = 5 * 60_000;

export class LocalLoginVerifier {
  readonly #cas: CertificateView[];
  readonly #cache = new Map<string, CachedAnswer>();
  readonly #now: () => Date;
  readonly #fetch: typeof fetch;
  readonly #maxAgeMs: number;

  constructor(private readonly options: LocalVerifierOptions) {
    this.#cas = options.trustedCas.map((c) => parseCertificate(c));
    this.#now = options.now ?? (() => new Date());
    this.#fetch = options.fetch ?? fetch;
    this.#maxAgeMs = (options.maxOcspAgeSeconds ?? 60) * 1000;
  }

  /**
   * Checks a login: the certificate (DER base64, as the security client returns it) and its
   * key's signature over the challenge bound to this platform's origin. Throws LoginRefused with
   * the reason (signature_invalid for one made on another site's page).
   */
  async verify(input: {
    challenge: string;
    certificate: string;
    signature: string;
  }): Promise<LocalLoginResult> {
    const cert = this.#parse(new Uint8Array(Buffer.from(input.certificate, "base64")));
    const signed = verifySignature(
      cert.spki,
      signatureAlgorithmFor(cert.keyAlgorithm),
      loginMessage({ origin: new URL(this.options.origin).origin, challenge: input.challenge }),
      new Uint8Array(Buffer.from(input.signature, "base64")),
    );
    if (!signed) throw new LoginRefused("signature_invalid");
    return this.#check(cert);
  }

  /**
   * Checks a certificate presented some other way (a TLS client certificate, whose key the TLS
   * handshake proved): the chain, the validity period and its OCSP status.
   */
  async status(certificate: Uint8Array): Promise<LocalLoginResult> {
    return this.#check(this.#parse(certificate));
  }

  #parse(der: Uint8Array): CertificateView {
    try {
      return parseCertificate(der);
    } catch {
      throw new LoginRefused("certificate_malformed");
    }
  }

  async #check(cert: CertificateView): Promise<LocalLoginResult> {
    const issuer = this.#cas.find(
      (ca) =>
        Buffer.compare(ca.subjectDer, cert.issuerDer) === 0 && verifyCertificateSignature(cert, ca.spki),
    );
    if (!issuer) throw new LoginRefused("untrusted_issuer", cert.issuerText);
    const now = this.#now();
    if (now < cert.notBefore) throw new LoginRefused("not_yet_valid");
    if (now > cert.notAfter) throw new LoginRefused("expired");
    const ocsp = await this.#status(cert, issuer, now);
    if (ocsp.status === "revoked") throw new LoginRefused("revoked", cert.serialNumber);
    const gm = cert.extensions.gmIdentity;
    return {
      serial: cert.serialNumber,
      subject: cert.subjectText,
      uscc: gm?.businessRegistrationNumber ?? gm?.organizationCode ?? cert.subject.serialNumber,
      organisation: cert.subject.O ?? cert.subject.CN,
      notAfter: cert.notAfter,
      ocsp: {
        status: "good",
        thisUpdate: ocsp.thisUpdate,
        nextUpdate: ocsp.nextUpdate,
        checkedAt: ocsp.checkedAt,
        cached: ocsp.checkedAt.getTime() !== now.getTime(),
      },
    };
  }

  async #status(cert: CertificateView, issuer: CertificateView, now: Date): Promise<CachedAnswer> {
    const key = `${issuer.fingerprintSha256}:${cert.serialNumber}`;
    const cached = this.#cache.get(key);
    if (cached && (cached.status === "revoked" || now.getTime() < cached.until)) return cached;
    const url = this.options.ocspUrl ?? cert.extensions.ocspUrls?.[0];
    if (!url) throw new LoginRefused("ocsp_unavailable", "no OCSP URL");
    const certId = certIdFor(issuer, cert.serialNumber);
    const nonce = randomBytes(16);
    let der: Uint8Array;
    try {
      const res = await this.#fetch(url, {
        method: "POST",
        headers: { "content-type": "application/ocsp-request", accept: "application/ocsp-response" },
        body: buildOcspRequest([certId], nonce),
        signal: AbortSignal.timeout(10_000),
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      der = new Uint8Array(await res.arrayBuffer());
    } catch (e) {
      throw new LoginRefused("ocsp_unavailable", e instanceof Error ? e.message : String(e));
    }
    const answer = this.#readAnswer(der, certId.der, issuer, nonce, now);
    const until = Math.min(now.getTime() + this.#maxAgeMs, answer.nextUpdate?.getTime() ?? Infinity);
    const entry: CachedAnswer = { ...answer, checkedAt: now, until };
    this.#cache.set(key, entry);
    return entry;
  }

  #readAnswer(
    der: Uint8Array,
    certIdDer: Uint8Array,
    issuer: CertificateView,
    nonce: Uint8Array,
    now: Date,
  ): Omit<CachedAnswer, "checkedAt" | "until"> {
    let view;
    try {
      view = parseOcspResponse(der);
    } catch (e) {
      throw new LoginRefused("ocsp_invalid", String(e));
    }
    const basic = view.basic;
    if (view.status !== "successful" || !basic) throw new LoginRefused("ocsp_invalid", view.status);
    if (!this.#signedByAuthority(basic, issuer))
      throw new LoginRefused("ocsp_invalid", "responder not authorised");
    if (!basic.nonce || !endsWith(basic.nonce, nonce))
      throw new LoginRefused("ocsp_invalid", "nonce not echoed");
    const single = basic.responses.find((r) => Buffer.compare(r.certId.der, certIdDer) === 0);
    if (!single) throw new LoginRefused("ocsp_invalid", "no answer for the certificate");
    if (single.thisUpdate.getTime() > now.getTime() + SKEW_MS)
      throw new LoginRefused("ocsp_invalid", "thisUpdate in the future");
    if (single.nextUpdate && single.nextUpdate.getTime() < now.getTime() - SKEW_MS)
      throw new LoginRefused("ocsp_invalid", "answer out of date");
    if (single.status === "unknown") throw new LoginRefused("ocsp_unknown");
    return { status: single.status, thisUpdate: single.thisUpdate, nextUpdate: single.nextUpdate };
  }

  /** RFC 6960 4.2.2.2: the CA itself, or a responder certificate it issued for OCSP signing. */
  #signedByAuthority(
    basic: NonNullable<ReturnType<typeof parseOcspResponse>["basic"]>,
    issuer: CertificateView,
  ): boolean {
    if (basic.verify(issuer.spki)) return true;
    for (const der of basic.certificates) {
      const responder = parseCertificate(der);
      const delegated =
        Buffer.compare(responder.issuerDer, issuer.subjectDer) === 0 &&
        verifyCertificateSignature(responder, issuer.spki) &&
        (responder.extensions.extendedKeyUsage ?? []).includes(OID.kpOcspSigning) &&
        responder.notAfter >= this.#now();
      if (delegated && basic.verify(responder.spki)) return true;
    }
    return false;
  }
}

function endsWith(whole: Uint8Array, tail: Uint8Array): boolean {
  return (
    whole.length >= tail.length && Buffer.compare(whole.subarray(whole.length - tail.length), tail) === 0
  );
}

/**
 * The platform's own login challenges: random, remembered for five minutes, each usable once, so
 * a signature seen once cannot log in again.
 */
export class ChallengeBook {
  readonly #open = new Map<string, number>();
  constructor(
    private readonly ttlMs = 5 * 60_000,
    private readonly now: () => Date = () => new Date(),
  ) {}

  issue(): string {
    const t = this.now().getTime();
    for (const [c, until] of this.#open) if (until < t) this.#open.delete(c);
    const challenge = `platform-login/${randomUUID()}`;
    this.#open.set(challenge, t + this.ttlMs);
    return challenge;
  }

  /** True once for a challenge this book issued and that has not expired. */
  use(challenge: string): boolean {
    const until = this.#open.get(challenge);
    this.#open.delete(challenge);
    return until !== undefined && until >= this.now().getTime();
  }
}
