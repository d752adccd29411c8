/**
 * The OCSP responder: answers from the certificate store, cached per certificate and rechecked,
 * with nonces and the issuers' responder keys reloaded as they change.
 */
import { createHash } from "node:crypto";
import { AsnConvert } from "@peculiar/asn1-schema";
import { setKeepingNewest } from "../domain/bounded.js";
import { DomainError } from "../domain/errors.js";
import { parseCertificate } from "../pki/certificate.js";
import { REASON_CODES } from "../pki/crl.js";
import {
  TAG,
  bitString,
  children,
  content,
  contextConstructed,
  explicit,
  generalizedTime,
  octetString,
  oid,
  readOnly,
  readTlv,
  sequence,
  tlv,
  toHex,
} from "../pki/der.js";
import {
  issuerHashes,
  ocspErrorResponse,
  parseOcspRequest,
  type CertIdHash,
  type CertIdView,
  type CertStatusInput,
  type OcspErrorStatus,
  type OcspRequestView,
} from "../pki/ocsp.js";
import { OID } from "../pki/oids.js";
import { normalizeSerial } from "../pki/serial.js";
import type { Signer } from "../pki/signer.js";
import { type PublicationDeps, toSecond, reasonOf } from "./crls.js";

// =============================================================================================
// OCSP

/** The responder that signs for one issuing CA, with everything but the signature prepared. */
export interface PreparedResponder {
  signer: Signer;
  /** [2] EXPLICIT KeyHash: responderID byKey (RFC 6960 4.2.1) */
  responderId: Uint8Array;
  /** signatureAlgorithm AlgorithmIdentifier */
  algorithm: Uint8Array;
  /** [0] EXPLICIT SEQUENCE OF Certificate: the responder's certificate, so clients can check it */
  certs: Uint8Array;
}

export interface ServedIssuer {
  caId: string;
  /** the delegated responder's cas id, or the CA itself when it has none (RFC 6960 4.2.2.2) */
  responderCaId: string;
  responder?: Promise<PreparedResponder>;
}

/** One CertID as a client sent it, with its SingleResponse and, once made, the signed answer. */
export interface Single {
  der: Uint8Array;
  signed?: Promise<Uint8Array>;
}

export interface StatusEntry {
  key: string;
  issuer: ServedIssuer;
  serial: string;
  status: CertStatusInput;
  thisUpdate: Date;
  nextUpdate: Date;
  /** after this (ms), a fresh thisUpdate is signed: clients always get at least half the validity */
  renewAt: number;
  /** when the status was last read from the store (ms) */
  checkedAt: number;
  /** by CertID DER in hex: clients hash with SHA-1, SHA-256 or SM3 and expect their CertID back */
  singles: Map<string, Single>;
}

export interface OcspAnswer {
  /** the DER OCSPResponse, always HTTP 200 application/ocsp-response */
  der: Uint8Array;
  status: "successful" | OcspErrorStatus;
  /** for successful answers without a nonce: how long an HTTP cache may keep it (RFC 5019 6.2) */
  cache?: { producedAt: Date; nextUpdate: Date; maxAgeSeconds: number };
  /**
   * For a pre-signed answer (one CertID, no nonce): the status it carries, "caId:serial", which
   * forgetters are told on revocation; and how long a copy may be kept without asking again.
   */
  presigned?: { status: string; keepMs: number };
}

/** Told the "caId:serial" of a status that changed; copies of its answers must be gone when it resolves. */
export type OcspForgetter = (status: string) => Promise<void>;

export interface OcspStats {
  requests: number;
  /** answered with a response signed earlier */
  cached: number;
  /** signatures made (pre-signed answers and per-request ones) */
  signatures: number;
  /** status reads from the store */
  lookups: number;
}

export const DEFAULT_CACHE_ENTRIES = 20_000;
export const DEFAULT_RECHECK_SECONDS = 60;
/** After a CertID names no issuer we serve, the issuer list is read again at most this often. */
export const ISSUER_RELOAD_MS = 30_000;
/** RFC 9654 (which replaced RFC 8954): nonces of 1 to 128 octets; others are malformed. */
export const MAX_NONCE = 128;
/** CertIDs answered in one request. */
export const MAX_CERT_IDS = 100;
/** Requests without a nonce kept already read (each at most PARSED_REQUEST_MAX_BYTES). */
export const PARSED_REQUESTS_KEPT = 4096;
export const PARSED_REQUEST_MAX_BYTES = 1024;

export const sameStatus = (a: CertStatusInput, b: CertStatusInput): boolean =>
  a.status === b.status &&
  (a.status !== "revoked" ||
    (b.status === "revoked" && a.revokedAt.getTime() === b.revokedAt.getTime() && a.reason === b.reason));

export const issuerKey = (hash: CertIdHash, nameHash: Uint8Array, keyHash: Uint8Array): string =>
  `${hash}:${toHex(nameHash)}:${toHex(keyHash)}`;

export function certStatusDer(s: CertStatusInput): Uint8Array {
  switch (s.status) {
    case "good":
      return Uint8Array.of(0x80, 0x00); // [0] IMPLICIT NULL
    case "unknown":
      return Uint8Array.of(0x82, 0x00); // [2] IMPLICIT NULL
    case "revoked": {
      // RFC 5280 5.3.1: no reason rather than "unspecified".
      const reason =
        s.reason === undefined || s.reason === "unspecified"
          ? []
          : [explicit(0, tlv(TAG.ENUMERATED, Uint8Array.of(REASON_CODES[s.reason])))];
      return tlv(contextConstructed(1), generalizedTime(toSecond(s.revokedAt)), ...reason);
    }
  }
}

/** SingleResponse (RFC 6960 4.2.1) with the client's CertID echoed byte for byte. */
export function singleResponseDer(
  certId: Uint8Array,
  status: CertStatusInput,
  thisUpdate: Date,
  nextUpdate: Date,
) {
  return sequence(
    certId,
    certStatusDer(status),
    generalizedTime(thisUpdate),
    explicit(0, generalizedTime(nextUpdate)),
  );
}

/** The nonce's extnValue if it is 1..128 octets (RFC 9654); throws for anything else. */
export function checkedNonce(extnValue: Uint8Array): Uint8Array {
  let length = extnValue.length;
  try {
    // The value is DER of Nonce ::= OCTET STRING; older clients put the bytes in directly.
    const t = readTlv(extnValue);
    if (t.tag === TAG.OCTET_STRING && t.end === extnValue.length) length = t.end - t.contentStart;
  } catch {
    // raw bytes: their own length counts
  }
  if (length < 1 || length > MAX_NONCE)
    throw new DomainError("pki.ocsp_request_malformed", {}, `nonce of ${length} octets`);
  return extnValue;
}

/**
 * The OCSP responder for every issuing CA of the desk. RFC choices:
 * - CertIDs naming an issuer we do not serve: when no CertID of the request names one of ours,
 *   the answer is "unauthorized" (RFC 6960 2.3, RFC 5019 2.2.3: we cannot answer
 *   authoritatively, and no key of ours may sign for that issuer); in a request that also names
 *   one of our CAs, those CertIDs get "unknown" (RFC 6960 2.2: an issuer not served here).
 * - A serial our CA never issued: "unknown" (RFC 6960 2.2).
 * - Expired certificates keep their real status, good or revoked: revocations are never purged,
 *   so the answer stays true after expiry (RFC 6960 2.2 and 4.4.4 allow keeping it).
 * - A request naming several of our CAs is answered by the responder of the first one named; the
 *   CertIDs of the others get "unknown" (one signature cannot be authoritative for two CAs).
 */
export class OcspResponder {
  readonly stats: OcspStats = { requests: 0, cached: 0, signatures: 0, lookups: 0 };
  readonly #entries = new Map<string, StatusEntry>();
  readonly #pending = new Map<string, Promise<StatusEntry>>();
  /** requests without a nonce already read, by their bytes (latin1); the oldest go first */
  readonly #parsedRequests = new Map<string, OcspRequestView>();
  /** bumped by every invalidation: a lookup begun before one never stores what it read */
  #epoch = 0;
  #issuers: Promise<Map<string, ServedIssuer>> | undefined;
  #issuersLoadedAt = 0;
  readonly #maxEntries: number;
  readonly #recheckMs: number;
  readonly #forgetters = new Set<OcspForgetter>();

  constructor(private readonly deps: Pick<PublicationDeps, "db" | "clock" | "cas" | "settings">) {
    this.#maxEntries = deps.settings.ocspCacheEntries ?? DEFAULT_CACHE_ENTRIES;
    this.#recheckMs = (deps.settings.ocspRecheckSeconds ?? DEFAULT_RECHECK_SECONDS) * 1000;
  }

  /** Answers one DER OCSPRequest. Never throws for what a client sent. */
  async respond(requestDer: Uint8Array): Promise<OcspAnswer> {
    this.stats.requests++;
    let certIds: CertIdView[];
    let nonce: Uint8Array | undefined;
    try {
      const request = this.#parse(requestDer);
      certIds = request.certIds;
      nonce = request.nonce ? checkedNonce(request.nonce) : undefined;
    } catch {
      return { der: ocspErrorResponse("malformedRequest"), status: "malformedRequest" };
    }
    // Each CertID costs a lookup; RFC 5019 clients send one. Refuse to be an amplifier.
    if (certIds.length > MAX_CERT_IDS)
      return { der: ocspErrorResponse("malformedRequest"), status: "malformedRequest" };

    const issuers = await Promise.all(certIds.map((c) => this.#issuerOf(c)));
    const chosen = issuers.find((i) => i !== undefined);
    // A reload in between may give two objects for one CA: compare CA ids.
    const served = (i: ServedIssuer | undefined): boolean => i?.caId === chosen?.caId;
    if (!chosen) return { der: ocspErrorResponse("unauthorized"), status: "unauthorized" };
    const now = this.deps.clock.now();

    if (certIds.length === 1 && !nonce) {
      const entry = await this.#entry(chosen, certIds[0]!.serialNumber, now);
      const single = this.#single(entry, certIds[0]!.der);
      const cachedAlready = single.signed !== undefined;
      const der = await this.#presigned(entry, single);
      if (cachedAlready) this.stats.cached++;
      const cache = cacheOf(entry, now);
      // A copy elsewhere checks again as often as this cache reads the store, and never keeps an
      // answer longer than an HTTP cache may.
      const keepMs = Math.min(this.#recheckMs, cache.maxAgeSeconds * 1000);
      return { der, status: "successful", cache, presigned: { status: entry.key, keepMs } };
    }

    const singles: Uint8Array[] = [];
    let nextUpdate: Date | undefined;
    for (const [i, certId] of certIds.entries()) {
      if (served(issuers[i])) {
        const entry = await this.#entry(chosen, certId.serialNumber, now);
        singles.push(this.#single(entry, certId.der).der);
        if (!nextUpdate || entry.nextUpdate < nextUpdate) nextUpdate = entry.nextUpdate;
      } else {
        const thisUpdate = toSecond(now);
        singles.push(
          singleResponseDer(certId.der, { status: "unknown" }, thisUpdate, this.#nextUpdate(thisUpdate)),
        );
      }
    }
    const responder = await this.#responder(chosen);
    const der = await this.#sign(responder, toSecond(now), singles, nonce);
    return {
      der,
      status: "successful",
      ...(nonce || !nextUpdate
        ? {}
        : { cache: { producedAt: toSecond(now), nextUpdate, maxAgeSeconds: maxAge(nextUpdate, now) } }),
    };
  }

  /**
   * Forgets the cached status of (CA, serial) at once, here and in every forgetter's copies, then
   * reads it again and re-signs the answers clients had asked for, so that the next request is
   * served the new status from the cache.
   */
  async refresh(caId: string, serial: string): Promise<void> {
    const key = `${caId}:${normalizeSerial(serial)}`;
    const previous = this.#entries.get(key);
    this.invalidate(caId, serial);
    await Promise.all([...this.#forgetters].map((forget) => forget(key)));
    const issuers = await this.#servedIssuers();
    const issuer = [...new Set(issuers.values())].find((i) => i.caId === caId);
    if (!issuer) return;
    const entry = await this.#entry(issuer, normalizeSerial(serial), this.deps.clock.now());
    for (const der of previous?.singles.keys() ?? []) {
      await this.#presigned(entry, this.#single(entry, Uint8Array.from(Buffer.from(der, "hex"))));
    }
  }

  /**
   * Registers a holder of copies of pre-signed answers (the OCSP worker processes): refresh tells it
   * each changed status and waits for it. Returns the unregistering function.
   */
  addForgetter(forget: OcspForgetter): () => void {
    this.#forgetters.add(forget);
    return () => this.#forgetters.delete(forget);
  }

  /** Drops the cached status of (CA, serial); synchronous, so nothing can be served from it after. */
  invalidate(caId: string, serial: string): void {
    const key = `${caId}:${normalizeSerial(serial)}`;
    this.#epoch++;
    this.#entries.delete(key);
    this.#pending.delete(key);
  }

  /** Whether a status of (CA, serial) is cached here. */
  holds(caId: string, serial: string): boolean {
    return this.#entries.has(`${caId}:${normalizeSerial(serial)}`);
  }

  /** Reads the served issuers again (after a CA was created or rolled over). */
  reloadIssuers(): void {
    this.#issuers = undefined;
  }

  /**
   * Reads a request, remembering those without a nonce by their bytes: RFC 5019 clients send the
   * same bytes for a certificate every time, and reading DER through the ASN.1 schema library
   * costs more than the rest of a cached answer. Nonced requests are all different: never kept.
   */
  #parse(der: Uint8Array): OcspRequestView {
    if (der.length > PARSED_REQUEST_MAX_BYTES) return parseOcspRequest(der);
    const key = Buffer.from(der.buffer, der.byteOffset, der.length).toString("latin1");
    const known = this.#parsedRequests.get(key);
    if (known) return known;
    const parsed = parseOcspRequest(der);
    if (!parsed.nonce) setKeepingNewest(this.#parsedRequests, key, parsed, PARSED_REQUESTS_KEPT);
    return parsed;
  }

  // ---- issuers and responders ----------------------------------------------------------------

  async #issuerOf(certId: CertIdView): Promise<ServedIssuer | undefined> {
    if (!certId.hash) return undefined;
    const key = issuerKey(certId.hash, certId.issuerNameHash, certId.issuerKeyHash);
    const found = (await this.#servedIssuers()).get(key);
    if (found) return found;
    // Perhaps a CA created since: look again, but not for every stranger's request.
    if (this.deps.clock.now().getTime() - this.#issuersLoadedAt < ISSUER_RELOAD_MS) return undefined;
    this.#issuers = undefined;
    return (await this.#servedIssuers()).get(key);
  }

  #servedIssuers(): Promise<Map<string, ServedIssuer>> {
    if (!this.#issuers) {
      this.#issuersLoadedAt = this.deps.clock.now().getTime();
      const loading = this.#loadIssuers();
      loading.catch(() => {
        if (this.#issuers === loading) this.#issuers = undefined;
      });
      this.#issuers = loading;
    }
    return this.#issuers;
  }

  async #loadIssuers(): Promise<Map<string, ServedIssuer>> {
    const now = this.deps.clock.now();
    const rows = await this.deps.db
      .selectFrom("cas")
      .select(["id", "kind", "issuer_id", "certificate", "active", "not_before", "created_at"])
      .where("kind", "in", ["issuing", "ocsp-responder"])
      .where("not_after", ">", now)
      .execute();
    const byKey = new Map<string, ServedIssuer>();
    for (const ca of rows.filter((r) => r.kind === "issuing")) {
      // The active responder of this CA, else its newest one; the CA itself when it has none.
      const responders = rows
        .filter((r) => r.kind === "ocsp-responder" && r.issuer_id === ca.id && r.not_before <= now)
        .sort(
          (a, b) => Number(b.active) - Number(a.active) || b.created_at.getTime() - a.created_at.getTime(),
        );
      const served: ServedIssuer = { caId: ca.id, responderCaId: responders[0]?.id ?? ca.id };
      const view = parseCertificate(ca.certificate);
      for (const hash of ["sha1", "sha256", "sm3"] as const) {
        const h = issuerHashes(view, hash);
        byKey.set(issuerKey(hash, h.issuerNameHash, h.issuerKeyHash), served);
      }
    }
    return byKey;
  }

  #responder(issuer: ServedIssuer): Promise<PreparedResponder> {
    if (!issuer.responder) {
      const preparing = this.deps.cas.byId(issuer.responderCaId).then((loaded) => {
        const spki = readOnly(loaded.view.spki, TAG.SEQUENCE);
        const keyBits = content(loaded.view.spki, children(loaded.view.spki, spki)[1]!).subarray(1);
        return {
          signer: loaded.signer,
          responderId: explicit(2, octetString(new Uint8Array(createHash("sha1").update(keyBits).digest()))),
          algorithm: new Uint8Array(AsnConvert.serialize(loaded.signer.algorithm)),
          certs: explicit(0, sequence(loaded.certificate)),
        };
      });
      // A signer that failed to open (HSM away) is tried again next time.
      preparing.catch(() => {
        if (issuer.responder === preparing) delete issuer.responder;
      });
      issuer.responder = preparing;
    }
    return issuer.responder;
  }

  // ---- statuses -------------------------------------------------------------------------------

  async #entry(issuer: ServedIssuer, serial: string, now: Date): Promise<StatusEntry> {
    const key = `${issuer.caId}:${serial}`;
    const cached = this.#entries.get(key);
    const t = now.getTime();
    if (cached && t < cached.renewAt) {
      // Most recently used last, so that eviction takes the oldest first.
      this.#entries.delete(key);
      this.#entries.set(key, cached);
      if (t - cached.checkedAt < this.#recheckMs) return cached;
    }
    return this.#load(issuer, serial, cached && t < cached.renewAt ? cached : undefined);
  }

  #load(issuer: ServedIssuer, serial: string, current: StatusEntry | undefined): Promise<StatusEntry> {
    const key = `${issuer.caId}:${serial}`;
    const pending = this.#pending.get(key);
    if (pending) return pending;
    const epoch = this.#epoch;
    const loading = (async () => {
      const status = await this.#statusOf(issuer.caId, serial);
      const now = this.deps.clock.now();
      let entry: StatusEntry;
      if (current && sameStatus(current.status, status)) {
        current.checkedAt = now.getTime();
        entry = current;
      } else {
        const thisUpdate = toSecond(now);
        const validity = this.deps.settings.ocspValidityMinutes * 60_000;
        entry = {
          key,
          issuer,
          serial,
          status,
          thisUpdate,
          nextUpdate: this.#nextUpdate(thisUpdate),
          renewAt: thisUpdate.getTime() + validity / 2,
          checkedAt: now.getTime(),
          singles: new Map(),
        };
      }
      if (epoch === this.#epoch) this.#remember(entry);
      return entry;
    })();
    this.#pending.set(key, loading);
    void loading
      .finally(() => {
        if (this.#pending.get(key) === loading) this.#pending.delete(key);
      })
      .catch(() => undefined);
    return loading;
  }

  #remember(entry: StatusEntry): void {
    setKeepingNewest(this.#entries, entry.key, entry, this.#maxEntries);
  }

  async #statusOf(caId: string, serial: string): Promise<CertStatusInput> {
    this.stats.lookups++;
    const row = await this.deps.db
      .selectFrom("certificates")
      .select(["revoked_at", "revocation_reason"])
      .where("serial", "=", serial)
      .where("ca_id", "=", caId)
      .executeTakeFirst();
    if (!row) {
      // The CA's own subordinates (OCSP responder, seal maker) live in cas, not in certificates.
      const sub = await this.deps.db
        .selectFrom("cas")
        .select("id")
        .where("issuer_id", "=", caId)
        .where("serial", "=", serial)
        .executeTakeFirst();
      return sub ? { status: "good" } : { status: "unknown" };
    }
    if (row.revoked_at === null) return { status: "good" };
    const reason = reasonOf(row.revocation_reason);
    return { status: "revoked", revokedAt: row.revoked_at, ...(reason ? { reason } : {}) };
  }

  #nextUpdate(thisUpdate: Date): Date {
    return new Date(thisUpdate.getTime() + this.deps.settings.ocspValidityMinutes * 60_000);
  }

  #single(entry: StatusEntry, certIdDer: Uint8Array): Single {
    const key = toHex(certIdDer);
    let single = entry.singles.get(key);
    if (!single) {
      single = { der: singleResponseDer(certIdDer, entry.status, entry.thisUpdate, entry.nextUpdate) };
      // A handful of hash algorithms per serial at most; a client inventing CertIDs gets no room.
      if (entry.singles.size < 8) entry.singles.set(key, single);
    }
    return single;
  }

  // ---- signing --------------------------------------------------------------------------------

  #presigned(entry: StatusEntry, single: Single): Promise<Uint8Array> {
    if (!single.signed) {
      const signing = this.#responder(entry.issuer).then((r) =>
        this.#sign(r, toSecond(this.deps.clock.now()), [single.der], undefined),
      );
      signing.catch(() => {
        if (single.signed === signing) delete single.signed;
      });
      single.signed = signing;
    }
    return single.signed;
  }

  async #sign(
    responder: PreparedResponder,
    producedAt: Date,
    singles: Uint8Array[],
    nonce: Uint8Array | undefined,
  ): Promise<Uint8Array> {
    const extensions = nonce ? [explicit(1, sequence(sequence(oid(OID.ocspNonce), octetString(nonce))))] : [];
    const tbs = sequence(
      responder.responderId,
      generalizedTime(producedAt),
      sequence(...singles),
      ...extensions,
    );
    this.stats.signatures++;
    const signature = await responder.signer.sign(tbs);
    const basic = sequence(tbs, responder.algorithm, bitString(signature), responder.certs);
    // OCSPResponse { successful, [0] ResponseBytes { id-pkix-ocsp-basic, OCTET STRING } }
    return sequence(
      tlv(TAG.ENUMERATED, Uint8Array.of(0)),
      explicit(0, sequence(oid(OID.ocspBasic), octetString(basic))),
    );
  }
}

export function maxAge(nextUpdate: Date, now: Date): number {
  return Math.max(0, Math.floor((nextUpdate.getTime() - now.getTime()) / 1000));
}

/**
 * RFC 5019 6.2: max-age later than thisUpdate and earlier than nextUpdate. Caches keep a response
 * only until we would sign a newer one.
 */
export function cacheOf(entry: StatusEntry, now: Date): NonNullable<OcspAnswer["cache"]> {
  return {
    producedAt: entry.thisUpdate,
    nextUpdate: entry.nextUpdate,
    maxAgeSeconds: Math.min(maxAge(new Date(entry.renewAt), now), maxAge(entry.nextUpdate, now)),
  };
}
