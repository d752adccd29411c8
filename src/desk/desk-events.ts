/**
 * The desk's events, for a desk that runs as several processes on one database (servers behind a
 * load balancer, the admin CLI, OCSP workers, scheduled jobs). A change that other processes must
 * act on (a revocation, an issuance, a CA created or replaced) is written to desk_events in the
 * transaction of the change and announced with NOTIFY, which PostgreSQL delivers only on commit.
 *
 * - Work every process does for itself (dropping its OCSP answers) follows the events with a
 *   cursor in memory (DeskEventFollower): woken by NOTIFY, and looking every few seconds as well,
 *   since a notification can be lost with a connection.
 * - Work done once for the whole desk (a CRL after a revocation) keeps its cursor in the store and
 *   runs under that row's lock, in the transaction that moves it (consumeOnce): whichever process
 *   comes first does it, the others find nothing left, and events made while every process was
 *   down are done by the first one up.
 */
import { sql, type Kysely, type Transaction } from "kysely";
import { afterAudit } from "../store/audit.js";
import type { Database } from "../store/schema.js";
import type { DeskEventRow } from "../store/schema-desk.js";

export const DESK_EVENTS_CHANNEL = "certdesk_events";
/** The advisory lock that orders event ids (an arbitrary number of ours). */
const DESK_EVENTS_LOCK = 170_017;

export type DeskEvent =
  | { type: "certificate.revoked"; caId: string; serial: string }
  | { type: "certificate.issued"; caId: string; serial: string }
  | { type: "ca.changed"; caId: string };

export type DeskEventType = DeskEvent["type"];

/** Records events in the caller's transaction; NOTIFY reaches listeners when it commits. */
export async function recordDeskEvents(
  tx: Transaction<Database>,
  events: readonly DeskEvent[],
  now: Date,
): Promise<void> {
  if (events.length === 0) return;
  // After the audit rows, also when a transaction gathers them for its end (store/audit.ts).
  await afterAudit(tx, (tx) => recordDeskEventsNow(tx, events, now));
}

async function recordDeskEventsNow(
  tx: Transaction<Database>,
  events: readonly DeskEvent[],
  now: Date,
): Promise<void> {
  // Ids are drawn under this lock, held to commit: so they commit in the order of their ids, and a
  // follower past id n never sees an n-1 appear later. Callers record events after their audit
  // rows, whose chain already takes turns, so this lock adds no wait of its own.
  await sql`select pg_advisory_xact_lock(${DESK_EVENTS_LOCK})`.execute(tx);
  await tx
    .insertInto("desk_events")
    .values(events.map(({ type, ...data }) => ({ type, data: JSON.stringify(data), created_at: now })))
    .execute();
  await sql`select pg_notify(${DESK_EVENTS_CHANNEL}, '')`.execute(tx);
}

/** A recorded event as the followers see it. */
export function deskEventOf(row: Pick<DeskEventRow, "type" | "data">): DeskEvent {
  return { type: row.type, ...row.data } as DeskEvent;
}

/** The id of the newest event (0 when none): a new follower starts after it. */
export async function lastDeskEventId(db: Kysely<Database>): Promise<bigint> {
  const row = await db
    .selectFrom("desk_events")
    .select((eb) => eb.fn.max("id").as("id"))
    .executeTakeFirst();
  return row?.id == null ? 0n : BigInt(row.id);
}

const BATCH = 500;

/**
 * Once for the whole desk: the events of these types after the consumer's cursor are handed to
 * `work` in a transaction that holds the cursor's row and moves it past them. `prepare` runs first,
 * outside any transaction, on the events seen then (opening CA keys needs queries, and the
 * embedded store has one connection, held by the transaction); `work` gets only events up to the
 * last one prepared. Answers undefined when no event was waiting.
 */
export async function consumeOnce<P, T>(
  db: Kysely<Database>,
  consumer: string,
  types: readonly DeskEventType[],
  prepare: (events: DeskEvent[]) => Promise<P>,
  work: (tx: Transaction<Database>, events: DeskEvent[], prepared: P) => Promise<T>,
): Promise<T | undefined> {
  const cursor = await db
    .selectFrom("desk_event_cursors")
    .select("last_id")
    .where("consumer", "=", consumer)
    .executeTakeFirst();
  const after = cursor?.last_id ?? 0n;
  const seen = await pendingEvents(db, types, after);
  if (seen.length === 0) return undefined;
  const upTo = seen[seen.length - 1]!.id;
  const prepared = await prepare(seen.map(deskEventOf));
  return db.transaction().execute(async (tx) => {
    await tx
      .insertInto("desk_event_cursors")
      .values({ consumer, last_id: 0n })
      .onConflict((oc) => oc.column("consumer").doNothing())
      .execute();
    const locked = await tx
      .selectFrom("desk_event_cursors")
      .select("last_id")
      .where("consumer", "=", consumer)
      .forUpdate()
      .executeTakeFirstOrThrow();
    // Another process took them while we prepared.
    if (locked.last_id >= upTo) return undefined;
    const events = seen.filter((e) => e.id > locked.last_id).map(deskEventOf);
    const result = await work(tx, events, prepared);
    await tx
      .updateTable("desk_event_cursors")
      .set({ last_id: upTo })
      .where("consumer", "=", consumer)
      .execute();
    return result;
  });
}

async function pendingEvents(
  db: Kysely<Database>,
  types: readonly DeskEventType[],
  after: bigint,
): Promise<Pick<DeskEventRow, "id" | "type" | "data">[]> {
  return db
    .selectFrom("desk_events")
    .select(["id", "type", "data"])
    .where("type", "in", types)
    .where("id", ">", after)
    .orderBy("id")
    .limit(BATCH)
    .execute();
}

export interface DeskEventFollowerOptions {
  db: Kysely<Database>;
  listen: (channel: string, onNotify: () => void) => Promise<() => Promise<void>>;
  /** What this process does with events; a failure is reported and the events are not retried. */
  handle: (events: DeskEvent[]) => Promise<void>;
  /** How often to look without a notification. */
  pollMs?: number;
  onError?: (error: unknown, context: string) => void;
}

/**
 * Follows the desk's events in this process, from the newest one at start (what happened before
 * was read fresh at start anyway). Rounds never overlap: a wake during a round adds one more.
 */
export class DeskEventFollower {
  #after = 0n;
  #unlisten: (() => Promise<void>) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #round: Promise<void> | undefined;
  #again = false;
  #running = false;

  constructor(private readonly options: DeskEventFollowerOptions) {}

  async start(): Promise<void> {
    if (this.#running) return;
    this.#after = await lastDeskEventId(this.options.db);
    this.#running = true;
    this.#unlisten = await this.options.listen(DESK_EVENTS_CHANNEL, () => this.wake());
    this.#schedule();
  }

  /** Looks for new events now (also what a NOTIFY does). */
  wake(): void {
    if (!this.#running) return;
    if (this.#round) {
      this.#again = true;
      return;
    }
    this.#round = this.#follow()
      .catch((e: unknown) => this.options.onError?.(e, "desk events"))
      .finally(() => {
        this.#round = undefined;
        if (this.#again) {
          this.#again = false;
          this.wake();
        }
      });
  }

  /** Resolves when every event recorded so far has been handled (for tests and shutdown). */
  async settled(): Promise<void> {
    while (this.#round) await this.#round;
  }

  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    await this.#unlisten?.();
    this.#unlisten = undefined;
    await this.settled();
  }

  #schedule(): void {
    if (!this.#running) return;
    this.#timer = setTimeout(() => {
      this.wake();
      this.#schedule();
    }, this.options.pollMs ?? 5_000);
    this.#timer.unref();
  }

  async #follow(): Promise<void> {
    for (;;) {
      const rows = await this.options.db
        .selectFrom("desk_events")
        .select(["id", "type", "data"])
        .where("id", ">", this.#after)
        .orderBy("id")
        .limit(BATCH)
        .execute();
      if (rows.length === 0) return;
      this.#after = rows[rows.length - 1]!.id;
      try {
        await this.options.handle(rows.map(deskEventOf));
      } catch (e) {
        this.options.onError?.(e, "desk events");
      }
      if (rows.length < BATCH) return;
    }
  }
}
