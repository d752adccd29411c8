/**
 * The audit trail: every state change appends one row in the same transaction as the change.
 * Rows are hash-chained (each hash covers the row and the previous hash) and the last hash is kept
 * in audit_head, so an edited, deleted or truncated row breaks the chain that verifyAuditChain checks.
 */
import { createHash } from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import type { AuditRow, Database } from "./schema.js";

export interface AuditEntry {
  actor: string;
  action: string;
  subjectType: string;
  subjectId: string;
  fromState?: string | null;
  toState?: string | null;
  reason?: string | null;
  data?: Record<string, unknown>;
}

export const GENESIS_HASH = "0".repeat(64);

/** A transaction's audit rows and writes after them, gathered until its end (see atTransactionEnd). */
interface Gathered {
  entries: { entry: AuditEntry; at: Date }[];
  after: ((tx: Transaction<Database>) => Promise<void>)[];
}
const gathering = new WeakMap<Transaction<Database>, Gathered>();

/**
 * Runs `work` with the transaction's audit rows gathered, then appends them in one statement at
 * its end, followed by the writes deferred with afterAudit (desk events). The chain's head is
 * locked until commit: taken last, it is held for a few statements instead of the whole of a
 * production step, so concurrent transactions queue on it for that long only. The rows keep
 * their order, their times and their chain; nothing is written if `work` throws.
 */
export async function atTransactionEnd<T>(tx: Transaction<Database>, work: () => Promise<T>): Promise<T> {
  if (gathering.has(tx)) return work();
  const gathered: Gathered = { entries: [], after: [] };
  gathering.set(tx, gathered);
  let result: T;
  try {
    result = await work();
  } finally {
    gathering.delete(tx);
  }
  await appendAuditEntries(tx, gathered.entries);
  for (const write of gathered.after) await write(tx);
  return result;
}

/**
 * A write that must come after the transaction's audit rows (it takes a lock the audit chain's
 * writers take after theirs): deferred to the end of an atTransactionEnd, else made now.
 */
export async function afterAudit(
  tx: Transaction<Database>,
  write: (tx: Transaction<Database>) => Promise<void>,
): Promise<void> {
  const gathered = gathering.get(tx);
  if (gathered) gathered.after.push(write);
  else await write(tx);
}

/** Appends one row; inside atTransactionEnd it is gathered for the end and its seq is not known yet (undefined). */
export async function appendAudit(
  tx: Transaction<Database>,
  entry: AuditEntry,
  at: Date,
): Promise<bigint | undefined> {
  const [seq] = await appendAuditEntries(tx, [{ entry, at }]);
  return seq;
}

/**
 * Appends several entries in order, chained one to the next, with one turn on the head's lock and
 * one insert: what a group commit (many certificates in one transaction) needs.
 */
export async function appendAuditEntries(
  tx: Transaction<Database>,
  entries: readonly { entry: AuditEntry; at: Date }[],
): Promise<bigint[]> {
  if (entries.length === 0) return [];
  const gathered = gathering.get(tx);
  if (gathered) {
    gathered.entries.push(...entries);
    return [];
  }
  // Taking the head row for update orders concurrent appenders, so the chain never forks.
  const head = await tx
    .selectFrom("audit_head")
    .select(["seq", "hash"])
    .where("id", "=", 1)
    .forUpdate()
    .executeTakeFirstOrThrow();
  let { seq, hash } = head;
  const rows = entries.map(({ entry, at }) => {
    seq += 1n;
    const row = {
      seq,
      at,
      actor: entry.actor,
      action: entry.action,
      subject_type: entry.subjectType,
      subject_id: entry.subjectId,
      from_state: entry.fromState ?? null,
      to_state: entry.toState ?? null,
      reason: entry.reason ?? null,
      data: entry.data ?? {},
      prev_hash: hash,
    };
    hash = auditHash(row);
    return { ...row, data: JSON.stringify(row.data), hash };
  });
  await tx.insertInto("audit_log").values(rows).execute();
  await tx.updateTable("audit_head").set({ seq, hash }).where("id", "=", 1).execute();
  return rows.map((r) => r.seq);
}

type HashedFields = Omit<AuditRow, "hash">;

export function auditHash(row: HashedFields): string {
  const fields = [
    row.seq.toString(),
    new Date(row.at).toISOString(),
    row.actor,
    row.action,
    row.subject_type,
    row.subject_id,
    row.from_state,
    row.to_state,
    row.reason,
    canonicalJson(row.data),
    row.prev_hash,
  ];
  return createHash("sha256").update(JSON.stringify(fields)).digest("hex");
}

/** JSON with object keys sorted, so a value hashes the same after a round trip through jsonb. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

export type AuditVerdict =
  | { ok: true; rows: number; headHash: string }
  | { ok: false; rows: number; seq: string; problem: "hash" | "link" | "gap" | "head" };

export async function verifyAuditChain(db: Kysely<Database>, batch = 5000): Promise<AuditVerdict> {
  let expectedSeq = 1n;
  let prevHash = GENESIS_HASH;
  let rows = 0;
  for await (const row of auditRowsInOrder(db, batch)) {
    const problem = chainProblem(row, expectedSeq, prevHash);
    if (problem) return { ok: false, rows, ...problem };
    prevHash = row.hash;
    expectedSeq += 1n;
    rows += 1;
  }
  const head = await headProblem(db, expectedSeq - 1n, prevHash);
  if (head) return { ok: false, rows, ...head };
  return { ok: true, rows, headHash: prevHash };
}

/** The audit rows in chain order, read a page at a time. */
export async function* auditRowsInOrder(db: Kysely<Database>, batch = 5000) {
  let from = 1n;
  for (;;) {
    const page = await db
      .selectFrom("audit_log")
      .selectAll()
      .where("seq", ">=", from)
      .orderBy("seq")
      .limit(batch)
      .execute();
    yield* page;
    if (page.length < batch) return;
    from = page[page.length - 1]!.seq + 1n;
  }
}

/** What breaks the chain at this row, where the chain expects row `expectedSeq` after `prevHash`. */
export function chainProblem(
  row: { seq: bigint; prev_hash: string; hash: string } & Parameters<typeof auditHash>[0],
  expectedSeq: bigint,
  prevHash: string,
): { seq: string; problem: "gap" | "link" | "hash" } | undefined {
  if (row.seq !== expectedSeq) return { seq: expectedSeq.toString(), problem: "gap" };
  if (row.prev_hash !== prevHash) return { seq: row.seq.toString(), problem: "link" };
  if (auditHash(row) !== row.hash) return { seq: row.seq.toString(), problem: "hash" };
  return undefined;
}

/** The head row must name the chain's last row. */
export async function headProblem(
  db: Kysely<Database>,
  lastSeq: bigint,
  lastHash: string,
): Promise<{ seq: string; problem: "head" } | undefined> {
  const head = await db.selectFrom("audit_head").select(["seq", "hash"]).executeTakeFirstOrThrow();
  return head.seq !== lastSeq || head.hash !== lastHash
    ? { seq: head.seq.toString(), problem: "head" }
    : undefined;
}

export async function auditTrail(
  db: Kysely<Database>,
  subjectType: string,
  subjectId: string,
): Promise<AuditRow[]> {
  return db
    .selectFrom("audit_log")
    .selectAll()
    .where("subject_type", "=", subjectType)
    .where("subject_id", "=", subjectId)
    .orderBy("seq")
    .execute();
}
