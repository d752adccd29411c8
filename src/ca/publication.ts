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
import { setKeepingNewest } from "../domain/bounded.js";
import { normalizeSerial } from "../pki/serial.js";
import type { LoadedCa } from "./ca.js";
import { consumeOnce, type DeskEvent } from "../desk/desk-events.js";
import type { RevocationEvent, RevocationListener } from "./revocation.js";
import {
  type PublicationSettings,
  type PublicationDeps,
  type PublishedCrl,
  crlIssuers,
  publishCrl,
  crlIssuer,
  publishCrlInTx,
  latestCrl,
} from "./crls.js";
import { OcspResponder } from "./ocsp-responder.js";

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
    const { crlValidityHours, crlRefreshMinutes, ocspValidityMinutes, ocspCacheEntries, ocspRecheckSeconds } =
      deps.settings;
    this.settings = {
      crlValidityHours,
      crlRefreshMinutes,
      ocspValidityMinutes,
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
   * How long an HTTP cache may keep a CRL: until the next scheduled one is out, never past its
   * nextUpdate.
   */
  crlMaxAgeSeconds(crl: PublishedCrl): number {
    const refetchAt = Math.min(
      crl.thisUpdate.getTime() + this.settings.crlRefreshMinutes * 60_000,
      crl.nextUpdate.getTime(),
    );
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
          const crl = await publishCrlInTx(tx, this.deps, ca, { trigger: "revocation" });
          if (crl) crls.push(crl);
        }
        return crls;
      },
    );
    for (const crl of made ?? []) this.#keep(crl);
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
