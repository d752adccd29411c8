/**
 * One runner per production batch, by a lease in the store (production_leases): the runner's
 * random id, host, process id and program, and an expiry it pushes on while it works. Two
 * processes (two `certdesk produce`, a CLI and the desk, two desks on one PostgreSQL) never run a
 * batch at once: the second is refused with production.batch_busy naming the first.
 *
 * A lease is free once past its expiry, or at once when its process is gone from this host (a
 * kill -9 leaves the row behind; the pid tells). Every step a runner records checks, in the step's
 * transaction, that it still holds the lease (fence): a runner that stalled past its expiry and was
 * replaced cannot record anything more. Times are the database's, the one clock every host shares.
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { sql, type Kysely, type Transaction } from "kysely";
import { DomainError } from "../domain/errors.js";
import type { Database } from "../store/schema.js";
import "../store/schema-keys.js";

/** How long a lease lives without renewal; renewed every third of it. */
export const LEASE_TTL_MS = 30_000;

export interface LeaseHolder {
  owner: string;
  host: string;
  pid: number;
  program: string;
}

/** This process, as the runner of one batch run. */
export function leaseHolder(program: string): LeaseHolder {
  return { owner: randomUUID(), host: hostname(), pid: process.pid, program };
}

export interface LeaseView {
  host: string;
  pid: number;
  program: string;
  acquiredAt: string;
  expiresAt: string;
  /** false once past its expiry or when its process is gone from this host */
  live: boolean;
}

/** Whether a process of this host is still there (EPERM: it is, under another user). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function readLease(db: Kysely<Database>, batchId: string) {
  const row = await db
    .selectFrom("production_leases")
    .selectAll()
    .select(sql<boolean>`expires_at > now()`.as("unexpired"))
    .where("batch_id", "=", batchId)
    .executeTakeFirst();
  if (!row) return undefined;
  const gone = row.host === hostname() && !processAlive(row.pid);
  return { ...row, live: row.unexpired && !gone };
}

export async function batchLease(db: Kysely<Database>, batchId: string): Promise<LeaseView | null> {
  const row = await readLease(db, batchId);
  return row
    ? {
        host: row.host,
        pid: row.pid,
        program: row.program,
        acquiredAt: row.acquired_at.toISOString(),
        expiresAt: row.expires_at.toISOString(),
        live: row.live,
      }
    : null;
}

const ttl = sql<Date>`now() + ${`${LEASE_TTL_MS} milliseconds`}::interval`;

/** Takes the batch's lease for the holder, or throws production.batch_busy naming who holds it. */
export async function takeLease(db: Kysely<Database>, batchId: string, me: LeaseHolder): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const held = await readLease(db, batchId);
    if (held?.live)
      throw new DomainError("production.batch_busy", {
        batch: batchId,
        program: held.program,
        pid: held.pid,
        host: held.host,
        since: held.acquired_at.toISOString(),
      });
    // A dead or expired holder's row goes, only if it is still that holder's (no one took it meanwhile).
    if (held)
      await db
        .deleteFrom("production_leases")
        .where("batch_id", "=", batchId)
        .where("owner", "=", held.owner)
        .execute();
    const taken = await db
      .insertInto("production_leases")
      .values({
        batch_id: batchId,
        owner: me.owner,
        host: me.host,
        pid: me.pid,
        program: me.program,
        expires_at: ttl,
      })
      .onConflict((oc) => oc.column("batch_id").doNothing())
      .returning("owner")
      .executeTakeFirst();
    if (taken) return;
  }
  throw new DomainError("production.batch_busy", {
    batch: batchId,
    program: "?",
    pid: "?",
    host: "?",
    since: "?",
  });
}

/** Pushes the expiry on; false when the lease is no longer the holder's. */
export async function renewLease(db: Kysely<Database>, batchId: string, me: LeaseHolder): Promise<boolean> {
  const r = await db
    .updateTable("production_leases")
    .set({ expires_at: ttl })
    .where("batch_id", "=", batchId)
    .where("owner", "=", me.owner)
    .executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

export async function releaseLease(db: Kysely<Database>, batchId: string, me: LeaseHolder): Promise<void> {
  await db
    .deleteFrom("production_leases")
    .where("batch_id", "=", batchId)
    .where("owner", "=", me.owner)
    .execute();
}

/**
 * In a step's transaction: the holder still holds the lease (the row is share-locked, so a
 * takeover waits for this step to commit). Throws production.lease_lost otherwise.
 */
export async function fenceLease(tx: Transaction<Database>, batchId: string, me: LeaseHolder): Promise<void> {
  const row = await tx
    .selectFrom("production_leases")
    .select("owner")
    .where("batch_id", "=", batchId)
    .where("owner", "=", me.owner)
    .forShare()
    .executeTakeFirst();
  if (!row) throw new DomainError("production.lease_lost", { batch: batchId });
}

/** Renews the lease every third of its life until stopped; `lost` turns true if it was taken. */
export function keepLease(
  db: Kysely<Database>,
  batchId: string,
  me: LeaseHolder,
  onError: (e: unknown) => void,
) {
  let lost = false;
  const timer = setInterval(() => {
    renewLease(db, batchId, me)
      .then((held) => {
        if (!held) lost = true;
      })
      .catch(onError);
  }, LEASE_TTL_MS / 3);
  timer.unref();
  return {
    get lost() {
      return lost;
    },
    stop: () => clearInterval(timer),
  };
}
