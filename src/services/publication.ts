/**
 * What relying parties fetch to learn whether a certificate still stands: a full CRL per CA
 * (RFC 5280 section 5) and an OCSP responder for the issuing CAs (RFC 6960, RFC 5019 profile).
 *
 * CRLs are numbered from cas.crl_number under a row lock and stored in crls; they are rebuilt on a
 * timer (CrlRefreshTimer) and at once after a revocation. OCSP answers come from a cache of
 * statuses with their SingleResponses already encoded: a request without a nonce is answered with
 * a response signed once and kept; a request with a nonce costs one signature and nothing else.
 * A revocation drops and re-signs the certificate's entry before the revoking request returns.
 */
import { createHash } from "node:crypto";
import { AsnConvert } from "@peculiar/asn1-schema";
import { sql, type Kysely, type Transaction } from "kysely";
import { setKeepingNewest } from "../domain/bounded.js";
import type { Clock } from "../domain/clock.js";
import { DomainError } from "../domain/errors.js";
import { parseCertificate } from "../pki/certificate.js";
import { REASON_CODES, buildCrl, type RevocationReason } from "../pki/crl.js";
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
import { appendAudit } from "../store/audit.js";
import type { Database } from "../store/schema.js";
import { actorLabel, systemActor, type Actor } from "./actor.js";
import type { CaRegistry, LoadedCa } from "./ca.js";
import { consumeOnce, type DeskEvent } from "./desk-events.js";
import { publishDeltaCrlInTx } from "./delta-crl.js";
import type { RevocationEvent, RevocationListener } from "./revocation.js";

export interface PublicationSettings {
  crlValidityHours: number;
  crlRefreshMinutes: number;
  ocspValidityMinutes: number;
  /** Statuses kept in the OCSP cache (least recently used go first). */
  ocspCacheEntries?: number;
  /**
   * How long a cached status is trusted before it is read again from the store. Revocations made in
   * this process reach the cache at once; this bounds how late one made elsewhere (the CLI, a
   * second server) is seen.
   */
  ocspRecheckSeconds?: number;
  /**
   * Delta CRLs (RFC 5280 5.2.4): published this often between complete CRLs and at once after a
   * revocation, at `deltaCrlUrl`, which complete CRLs name in freshestCRL. Absent, none.
   */
  deltaCrlMinutes?: number;
  deltaCrlUrl?: (caId: string) => string;
}

/** The delta CRL settings when deltas are published. */
export function deltaCrlsOf(
  settings: Pick<PublicationSettings, "deltaCrlMinutes" | "deltaCrlUrl">,
): { minutes: number; url: (caId: string) => string } | undefined {
  const { deltaCrlMinutes: minutes, deltaCrlUrl: url } = settings;
  return minutes && minutes > 0 && url ? { minutes, url } : undefined;
}

export interface PublicationDeps {
  db: Kysely<Database>;
  clock: Clock;
  cas: Pick<CaRegistry, "byId">;
  settings: PublicationSettings;
  /** Failures that no caller waits for (a CRL rebuilt after a revocation, a scheduled round). */
  onError?: (error: unknown, context: string) => void;
  /** Each CRL published, for the log. */
  onPublished?: ((crl: PublishedCrl) => void) | undefined;
}

// =============================================================================================
// CRLs

export interface PublishedCrl {
  caId: string;
  crlNumber: bigint;
  thisUpdate: Date;
  nextUpdate: Date;
  entries: number;
  der: Uint8Array;
  /** set on a delta CRL: the complete CRL it updates (RFC 5280 5.2.4) */
  baseCrlNumber?: bigint;
}

/** Only CAs whose certificates carry cRLSign publish CRLs: the roots and the issuing CAs. */
const CRL_ISSUER_KINDS = ["root", "issuing"] as const;
/** CRLs kept per CA; older rows are pruned in the transaction that stores a new one. */
export const CRLS_KEPT = 3;

const toSecond = (d: Date): Date => new Date(Math.floor(d.getTime() / 1000) * 1000);

/** A stored reason name as OCSP wants it; unknown text is treated as unspecified. */
function reasonOf(text: string | null): RevocationReason | undefined {
  if (!text || !Object.hasOwn(REASON_CODES, text)) return undefined;
  const reason = text as RevocationReason;
  return reason === "unspecified" || reason === "removeFromCRL" ? undefined : reason;
}

/**
 * The revoked certificates of one CA (those revoked after `since`, for a delta CRL), in no
 * particular order (a CRL needs none), as PackedEntries: one query that comes back as one text.
 * Per-row work in the drivers, not the database, is what a million rows cost, and the CRL writer
 * reads the text in one pass without an object per entry. One query rather than pages in serial
 * order: walking the serial index visits the table at random for every row where the embedded
 * store has no visibility map (it never vacuums), four times slower than one scan in table order.
 * The text is about the size of the CRL built from it, which is held whole anyway.
 */
export async function revokedPacked(
  tx: Transaction<Database>,
  caId: string,
  since?: Date,
): Promise<{ packed: string; entries: number }> {
  const { rows } = await sql<{ packed: string | null; entries: string | number }>`
    select string_agg(serial || ' ' || to_char(revoked_at at time zone 'UTC', 'YYYYMMDDHH24MISS') || ' ' ||
                      coalesce(revocation_reason, ''), ',') as packed,
           count(*) as entries
      from certificates
     where ca_id = ${caId} and revoked_at is not null
       ${since ? sql`and revoked_at > ${since}` : sql``}`.execute(tx);
  return { packed: rows[0]?.packed ?? "", entries: Number(rows[0]?.entries ?? 0) };
}

/** The CAs that publish CRLs now: roots and issuing CAs whose certificates have not expired. */
export async function crlIssuers(db: Kysely<Database>, now: Date): Promise<string[]> {
  const rows = await db
    .selectFrom("cas")
    .select("id")
    .where("kind", "in", CRL_ISSUER_KINDS)
    .where("not_after", ">", now)
    .orderBy("algorithm")
    .orderBy("kind", "desc")
    .orderBy("id")
    .execute();
  return rows.map((r) => r.id);
}

/** The issuing CAs that sign now (the CLI's default). */
export async function activeIssuingCas(db: Kysely<Database>): Promise<string[]> {
  const rows = await db
    .selectFrom("cas")
    .select("id")
    .where("kind", "=", "issuing")
    .where("active", "=", true)
    .orderBy("algorithm")
    .execute();
  return rows.map((r) => r.id);
}

export interface PublishCrlOptions {
  actor?: Actor;
  /** Why this CRL was made: "schedule", "revocation", "request", "cli"; written to the audit row. */
  trigger?: string;
}

/**
 * Builds, signs and stores the next full CRL of a CA. The cas row is locked first and the entries
 * are read after it, so a CRL with a higher number never knows less than one with a lower number,
 * and two concurrent builds can never share a number.
 */
export async function publishCrl(
  deps: Pick<PublicationDeps, "db" | "clock" | "cas" | "settings">,
  caId: string,
  options: PublishCrlOptions = {},
): Promise<PublishedCrl> {
  const ca = await crlIssuer(deps, caId);
  const crl = await deps.db.transaction().execute((tx) => publishCrlInTx(tx, deps, ca, options));
  // Without unlessNewerThan a CRL is always made.
  return crl!;
}

/** The CA, opened, if it issues CRLs. */
export async function crlIssuer(deps: Pick<PublicationDeps, "db" | "cas">, caId: string): Promise<LoadedCa> {
  const kind = await deps.db.selectFrom("cas").select("kind").where("id", "=", caId).executeTakeFirst();
  if (!kind || !(CRL_ISSUER_KINDS as readonly string[]).includes(kind.kind))
    throw new DomainError("publication.crl_not_found", { ca: caId });
  // Opened before any transaction: on the embedded store the transaction holds the only connection.
  return deps.cas.byId(caId);
}

/**
 * publishCrl in the caller's transaction, with the CA already opened. With unlessNewerThan, the
 * newest CRL is looked at under the CA's row lock and nothing is made when it is that recent (a
 * scheduled refresh that another process has just done).
 */
export async function publishCrlInTx(
  tx: Transaction<Database>,
  deps: Pick<PublicationDeps, "clock" | "settings">,
  ca: Pick<LoadedCa, "id" | "certificate" | "signer">,
  options: PublishCrlOptions & { unlessNewerThan?: Date } = {},
): Promise<PublishedCrl | undefined> {
  const caId = ca.id;
  const actor = options.actor ?? systemActor("publication");
  const row = await tx
    .selectFrom("cas")
    .select("crl_number")
    .where("id", "=", caId)
    .forUpdate()
    .executeTakeFirstOrThrow();
  if (options.unlessNewerThan) {
    const newest = await tx
      .selectFrom("crls")
      .select("this_update")
      .where("ca_id", "=", caId)
      .where("base_crl_number", "is", null)
      .orderBy("crl_number", "desc")
      .limit(1)
      .executeTakeFirst();
    if (newest && newest.this_update >= options.unlessNewerThan) return undefined;
  }
  const crlNumber = row.crl_number + 1n;
  const thisUpdate = toSecond(deps.clock.now());
  const nextUpdate = new Date(thisUpdate.getTime() + deps.settings.crlValidityHours * 3_600_000);
  const { packed, entries } = await revokedPacked(tx, caId);
  const deltas = deltaCrlsOf(deps.settings);
  const der = await buildCrl({
    issuerCertificate: ca.certificate,
    signer: ca.signer,
    crlNumber,
    thisUpdate,
    nextUpdate,
    entries: { packed },
    ...(deltas ? { freshestCrl: [deltas.url(caId)] } : {}),
  });
  await storeCrl(tx, { caId, crlNumber, thisUpdate, nextUpdate, entries, der });
  await tx.updateTable("cas").set({ crl_number: crlNumber }).where("id", "=", caId).execute();
  // The CRLS_KEPT newest complete CRLs stay, with the deltas over them; anything older goes.
  const kept = await tx
    .selectFrom("crls")
    .select("crl_number")
    .where("ca_id", "=", caId)
    .where("base_crl_number", "is", null)
    .orderBy("crl_number", "desc")
    .offset(CRLS_KEPT - 1)
    .limit(1)
    .executeTakeFirst();
  if (kept)
    await tx.deleteFrom("crls").where("ca_id", "=", caId).where("crl_number", "<", kept.crl_number).execute();
  await appendAudit(
    tx,
    {
      actor: actorLabel(actor),
      action: "ca.crl_publish",
      subjectType: "ca",
      subjectId: caId,
      data: {
        crlNumber: crlNumber.toString(),
        entries,
        thisUpdate: thisUpdate.toISOString(),
        nextUpdate: nextUpdate.toISOString(),
        ...(options.trigger ? { trigger: options.trigger } : {}),
      },
    },
    thisUpdate,
  );
  return { caId, crlNumber, thisUpdate, nextUpdate, entries, der };
}

/**
 * Stores a CRL's row. The DER goes as base64 text: PGlite turns a bytea parameter into hex one
 * byte at a time (seconds for 40 MB).
 */
export async function storeCrl(
  tx: Transaction<Database>,
  crl: Omit<PublishedCrl, "baseCrlNumber"> & { baseCrlNumber?: bigint },
): Promise<void> {
  const derBase64 = Buffer.from(crl.der.buffer, crl.der.byteOffset, crl.der.length).toString("base64");
  await tx
    .insertInto("crls")
    .values({
      ca_id: crl.caId,
      crl_number: crl.crlNumber,
      this_update: crl.thisUpdate,
      next_update: crl.nextUpdate,
      entries: crl.entries,
      der: sql<Uint8Array>`decode(${derBase64}, 'base64')`,
      base_crl_number: crl.baseCrlNumber ?? null,
    })
    .execute();
}

/** The newest stored complete CRL of a CA (or delta CRL, when asked), or undefined. */
export async function latestCrl(
  db: Kysely<Database>,
  caId: string,
  kind: "complete" | "delta" = "complete",
): Promise<PublishedCrl | undefined> {
  const row = await db
    .selectFrom("crls")
    .select(["ca_id", "crl_number", "this_update", "next_update", "entries", "base_crl_number"])
    // Hex again, for the same reason as on the way in.
    .select(sql<string>`encode(der, 'hex')`.as("der_hex"))
    .where("ca_id", "=", caId)
    .where("base_crl_number", kind === "complete" ? "is" : "is not", null)
    .orderBy("crl_number", "desc")
    .limit(1)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    caId: row.ca_id,
    crlNumber: row.crl_number,
    thisUpdate: row.this_update,
    nextUpdate: row.next_update,
    entries: row.entries,
    der: new Uint8Array(Buffer.from(row.der_hex, "hex")),
    ...(row.base_crl_number === null ? {} : { baseCrlNumber: BigInt(row.base_crl_number) }),
  };
}

/**
 * Runs one task per key at a time. A call made while a task runs queues one more run (it will see
 * everything committed before the call); calls made while that run still waits share it.
 */
class CoalescingRunner<T> {
  readonly #slots = new Map<string, { done: Promise<unknown>; waiting: Promise<T> | undefined }>();

  run(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#slots.get(key);
    if (previous?.waiting) return previous.waiting;
    const slot: { done: Promise<unknown>; waiting: Promise<T> | undefined } = {
      done: Promise.resolve(),
      waiting: undefined,
    };
    const result = (previous?.done ?? Promise.resolve()).then(() => {
      slot.waiting = undefined;
      return task();
    });
    slot.waiting = result;
    slot.done = result
      .catch(() => undefined)
      .finally(() => {
        if (this.#slots.get(key) === slot) this.#slots.delete(key);
      });
    this.#slots.set(key, slot);
    return result;
  }
}

/**
 * Rebuilds the CRLs that are due on a fixed interval, in this process (a later issue moves timers
 * to pg-boss). Rounds never overlap; stop() waits for a round in progress.
 */
export class CrlRefreshTimer {
  #timer: NodeJS.Timeout | undefined;
  #round: Promise<void> | undefined;
  #running = false;

  constructor(
    private readonly publication: Pick<Publication, "refreshDueCrls">,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  /** Starts with a round at once (a fresh desk has no CRL yet), then one every interval. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#tick();
  }

  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#round;
  }

  #tick(): void {
    // A CRL made within the last 90% of an interval (after a revocation, by another server) is fresh.
    this.#round = this.publication
      .refreshDueCrls(this.intervalMs * 0.9)
      .then(
        () => undefined,
        (e: unknown) => this.onError(e),
      )
      .finally(() => {
        this.#round = undefined;
        if (!this.#running) return;
        this.#timer = setTimeout(() => this.#tick(), this.intervalMs);
        this.#timer.unref();
      });
  }
}

// =============================================================================================
// OCSP

/** The responder that signs for one issuing CA, with everything but the signature prepared. */
interface PreparedResponder {
  signer: Signer;
  /** [2] EXPLICIT KeyHash: responderID byKey (RFC 6960 4.2.1) */
  responderId: Uint8Array;
  /** signatureAlgorithm AlgorithmIdentifier */
  algorithm: Uint8Array;
  /** [0] EXPLICIT SEQUENCE OF Certificate: the responder's certificate, so clients can check it */
  certs: Uint8Array;
}

interface ServedIssuer {
  caId: string;
  /** the delegated responder's cas id, or the CA itself when it has none (RFC 6960 4.2.2.2) */
  responderCaId: string;
  responder?: Promise<PreparedResponder>;
}

/** One CertID as a client sent it, with its SingleResponse and, once made, the signed answer. */
interface Single {
  der: Uint8Array;
  signed?: Promise<Uint8Array>;
}

interface StatusEntry {
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

const DEFAULT_CACHE_ENTRIES = 20_000;
const DEFAULT_RECHECK_SECONDS = 60;
/** After a CertID names no issuer we serve, the issuer list is read again at most this often. */
const ISSUER_RELOAD_MS = 30_000;
/** RFC 9654 (which replaced RFC 8954): nonces of 1 to 128 octets; others are malformed. */
const MAX_NONCE = 128;
/** CertIDs answered in one request. */
const MAX_CERT_IDS = 100;
/** Requests without a nonce kept already read (each at most PARSED_REQUEST_MAX_BYTES). */
const PARSED_REQUESTS_KEPT = 4096;
const PARSED_REQUEST_MAX_BYTES = 1024;

const sameStatus = (a: CertStatusInput, b: CertStatusInput): boolean =>
  a.status === b.status &&
  (a.status !== "revoked" ||
    (b.status === "revoked" && a.revokedAt.getTime() === b.revokedAt.getTime() && a.reason === b.reason));

const issuerKey = (hash: CertIdHash, nameHash: Uint8Array, keyHash: Uint8Array): string =>
  `${hash}:${toHex(nameHash)}:${toHex(keyHash)}`;

function certStatusDer(s: CertStatusInput): Uint8Array {
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
function singleResponseDer(certId: Uint8Array, status: CertStatusInput, thisUpdate: Date, nextUpdate: Date) {
  return sequence(
    certId,
    certStatusDer(status),
    generalizedTime(thisUpdate),
    explicit(0, generalizedTime(nextUpdate)),
  );
}

/** The nonce's extnValue if it is 1..128 octets (RFC 9654); throws for anything else. */
function checkedNonce(extnValue: Uint8Array): Uint8Array {
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

function maxAge(nextUpdate: Date, now: Date): number {
  return Math.max(0, Math.floor((nextUpdate.getTime() - now.getTime()) / 1000));
}

/**
 * RFC 5019 6.2: max-age later than thisUpdate and earlier than nextUpdate. Caches keep a response
 * only until we would sign a newer one.
 */
function cacheOf(entry: StatusEntry, now: Date): NonNullable<OcspAnswer["cache"]> {
  return {
    producedAt: entry.thisUpdate,
    nextUpdate: entry.nextUpdate,
    maxAgeSeconds: Math.min(maxAge(new Date(entry.renewAt), now), maxAge(entry.nextUpdate, now)),
  };
}

// =============================================================================================
// The publication service the server and the revocation path use

export class Publication implements RevocationListener {
  readonly ocsp: OcspResponder;
  readonly #crlRuns = new CoalescingRunner<PublishedCrl>();
  /** the newest CRL each CA has published, to serve without reading megabytes per request */
  readonly #crls = new Map<string, PublishedCrl>();
  /** statuses whose revocation this process has already refreshed in OCSP */
  readonly #refreshedHere = new Map<string, true>();

  readonly settings: Readonly<PublicationSettings>;
  private readonly deps: PublicationDeps;

  constructor(deps: PublicationDeps) {
    // Only what publication uses: callers may hand in the whole CA configuration, secrets and all.
    const {
      crlValidityHours,
      crlRefreshMinutes,
      ocspValidityMinutes,
      ocspCacheEntries,
      ocspRecheckSeconds,
      deltaCrlMinutes,
      deltaCrlUrl,
    } = deps.settings;
    this.settings = {
      crlValidityHours,
      crlRefreshMinutes,
      ocspValidityMinutes,
      ...(deltaCrlMinutes === undefined ? {} : { deltaCrlMinutes }),
      ...(deltaCrlUrl === undefined ? {} : { deltaCrlUrl }),
      ...(ocspCacheEntries === undefined ? {} : { ocspCacheEntries }),
      ...(ocspRecheckSeconds === undefined ? {} : { ocspRecheckSeconds }),
    };
    this.deps = { ...deps, settings: this.settings };
    this.ocsp = new OcspResponder(this.deps);
  }

  /**
   * Builds and stores the next CRL of the CA. Concurrent calls for one CA share a build that has
   * not started yet, so a burst of revocations costs at most two builds.
   */
  rebuildCrl(caId: string, trigger = "request"): Promise<PublishedCrl> {
    return this.#crlRuns.run(caId, async () => {
      const crl = await publishCrl(this.deps, caId, { trigger });
      this.deps.onPublished?.(crl);
      this.#keep(crl);
      return crl;
    });
  }

  /**
   * The CRL to publish now: the newest stored one while it is valid, else a new one (none yet,
   * or the timer has not run). Throws publication.crl_not_found for a CA that issues no CRLs.
   */
  async currentCrl(caId: string): Promise<PublishedCrl> {
    const head = await this.deps.db
      .selectFrom("crls")
      .select(["crl_number", "next_update"])
      .where("ca_id", "=", caId)
      .where("base_crl_number", "is", null)
      .orderBy("crl_number", "desc")
      .limit(1)
      .executeTakeFirst();
    if (head && head.next_update > this.deps.clock.now()) {
      const kept = this.#crls.get(caId);
      if (kept && kept.crlNumber === head.crl_number) return kept;
      const latest = await latestCrl(this.deps.db, caId);
      if (latest && latest.nextUpdate > this.deps.clock.now()) return this.#keep(latest);
    }
    return this.rebuildCrl(caId, "request");
  }

  /**
   * The delta CRL to publish now over the current complete CRL: the newest stored one while it is
   * valid and its base is current, else a new one. publication.crl_not_found when deltas are off.
   */
  async currentDeltaCrl(caId: string): Promise<PublishedCrl> {
    if (!deltaCrlsOf(this.settings)) throw new DomainError("publication.crl_not_found", { ca: caId });
    const complete = await this.currentCrl(caId);
    const delta = await latestCrl(this.deps.db, caId, "delta");
    if (delta && delta.baseCrlNumber === complete.crlNumber && delta.nextUpdate > this.deps.clock.now())
      return delta;
    return (await this.#publishDelta(caId, "request")) ?? this.rebuildCrl(caId, "request");
  }

  /** Publishes the delta CRL of every CRL issuer whose newest CRL is older than maxAgeMs. */
  async refreshDueDeltaCrls(maxAgeMs: number): Promise<PublishedCrl[]> {
    if (!deltaCrlsOf(this.settings)) return [];
    const now = this.deps.clock.now();
    const made: PublishedCrl[] = [];
    for (const id of await crlIssuers(this.deps.db, now)) {
      try {
        const crl = await this.#publishDelta(id, "schedule", new Date(now.getTime() - maxAgeMs));
        if (crl) made.push(crl);
      } catch (e) {
        this.#report(e, `delta CRL of ${id}`);
      }
    }
    return made;
  }

  async #publishDelta(caId: string, trigger: string, unlessNewerThan?: Date) {
    const ca = await crlIssuer(this.deps, caId);
    const crl = await this.deps.db
      .transaction()
      .execute((tx) =>
        publishDeltaCrlInTx(tx, this.deps, ca, { trigger, ...(unlessNewerThan ? { unlessNewerThan } : {}) }),
      );
    if (crl) this.deps.onPublished?.(crl);
    return crl;
  }

  /**
   * How long an HTTP cache may keep a CRL: until the next scheduled one is out, never past its
   * nextUpdate.
   */
  crlMaxAgeSeconds(crl: PublishedCrl): number {
    const deltas = deltaCrlsOf(this.settings);
    const every =
      crl.baseCrlNumber !== undefined && deltas ? deltas.minutes : this.settings.crlRefreshMinutes;
    const refetchAt = Math.min(crl.thisUpdate.getTime() + every * 60_000, crl.nextUpdate.getTime());
    return Math.max(0, Math.floor((refetchAt - this.deps.clock.now().getTime()) / 1000));
  }

  /** Rebuilds the CRL of every CRL issuer whose newest CRL is older than maxAgeMs (or missing). */
  async refreshDueCrls(maxAgeMs = 0): Promise<PublishedCrl[]> {
    const now = this.deps.clock.now();
    const ids = await crlIssuers(this.deps.db, now);
    const newest = new Map(
      (
        await this.deps.db
          .selectFrom("crls")
          .select(["ca_id"])
          .select((eb) => eb.fn.max("this_update").as("this_update"))
          .where("base_crl_number", "is", null)
          .groupBy("ca_id")
          .execute()
      ).map((r) => [r.ca_id, new Date(r.this_update)]),
    );
    const made: PublishedCrl[] = [];
    for (const id of ids) {
      const last = newest.get(id);
      if (last && now.getTime() - last.getTime() < maxAgeMs) continue;
      try {
        if (maxAgeMs <= 0) {
          made.push(await this.rebuildCrl(id, "schedule"));
          continue;
        }
        // Looked at again under the CA's lock: another desk process may have just made it.
        const ca = await crlIssuer(this.deps, id);
        const crl = await this.deps.db.transaction().execute((tx) =>
          publishCrlInTx(tx, this.deps, ca, {
            trigger: "schedule",
            unlessNewerThan: new Date(now.getTime() - maxAgeMs),
          }),
        );
        if (crl) made.push(this.#keep(crl));
      } catch (e) {
        // One CA whose key is away must not keep the others from publishing.
        this.#report(e, `CRL of ${id}`);
      }
    }
    return made;
  }

  /**
   * The CRLs of the CAs that revoked since the desk last did this, once for the whole desk (the
   * "crl" cursor of desk-events.ts): whichever process gets there first publishes them, in one
   * transaction with the cursor; the others, and a second call, find nothing to do. A CA whose key
   * cannot be opened now is left to the scheduled refresh.
   */
  async publishRevocationCrls(): Promise<PublishedCrl[]> {
    const caIdsOf = (events: DeskEvent[]) => new Set(events.flatMap((e) => ("caId" in e ? [e.caId] : [])));
    const made = await consumeOnce(
      this.deps.db,
      "crl",
      ["certificate.revoked"],
      async (events) => {
        const opened = new Map<string, LoadedCa>();
        for (const caId of caIdsOf(events)) {
          try {
            opened.set(caId, await crlIssuer(this.deps, caId));
          } catch (e) {
            this.#report(e, `CRL of ${caId} after a revocation`);
          }
        }
        return opened;
      },
      async (tx, events, opened) => {
        const crls: PublishedCrl[] = [];
        for (const caId of caIdsOf(events)) {
          const ca = opened.get(caId);
          if (!ca) continue;
          // With delta CRLs a revocation costs a delta; the complete CRL follows on its schedule.
          const crl =
            (await publishDeltaCrlInTx(tx, this.deps, ca, { trigger: "revocation" })) ??
            (await publishCrlInTx(tx, this.deps, ca, { trigger: "revocation" }));
          if (crl) crls.push(crl);
        }
        return crls;
      },
    );
    for (const crl of made ?? []) if (crl.baseCrlNumber === undefined) this.#keep(crl);
    return made ?? [];
  }

  /** RevocationListener: the OCSP entry first (before this returns), then the CA's CRL. */
  async certificateRevoked(e: RevocationEvent): Promise<void> {
    try {
      setKeepingNewest(this.#refreshedHere, `${e.caId}:${normalizeSerial(e.serial)}`, true, 10_000);
      await this.ocsp.refresh(e.caId, e.serial);
    } catch (err) {
      this.#report(err, `OCSP status of ${e.caId}/${e.serial}`);
    }
    try {
      await this.publishRevocationCrls();
    } catch (err) {
      // The revocation stands; another desk process, or the scheduled round, publishes the CRL.
      this.#report(err, `CRL of ${e.caId} after revoking ${e.serial}`);
    }
  }

  /**
   * What this process does with the desk's events (desk-events.ts), wherever they were made: drop
   * and re-sign the OCSP answers of a changed status, here and in the OCSP workers; read the CAs
   * again after a CA change; publish the CRLs after revocations (once for the desk).
   */
  async deskEvents(events: readonly DeskEvent[]): Promise<void> {
    let revoked = false;
    for (const e of events) {
      if (e.type === "ca.changed") {
        this.ocsp.reloadIssuers();
        continue;
      }
      const key = `${e.caId}:${normalizeSerial(e.serial)}`;
      if (e.type === "certificate.revoked") {
        revoked = true;
        // Refreshed already by the revocation in this process.
        if (this.#refreshedHere.delete(key)) continue;
        await this.ocsp.refresh(e.caId, e.serial);
      } else if (this.ocsp.holds(e.caId, e.serial)) {
        // A serial asked for before it was issued was answered "unknown".
        await this.ocsp.refresh(e.caId, e.serial);
      }
    }
    if (revoked) await this.publishRevocationCrls();
  }

  #keep(crl: PublishedCrl): PublishedCrl {
    const kept = this.#crls.get(crl.caId);
    if (!kept || kept.crlNumber <= crl.crlNumber) this.#crls.set(crl.caId, crl);
    return crl;
  }

  #report(error: unknown, context: string): void {
    this.deps.onError?.(error, context);
  }
}
