/**
 * The audit anchor: signed checkpoints of the hash chain in src/store/audit.ts.
 *
 * The chain alone detects an edited row only when the editor does not recompute the hashes after
 * it; anyone who can write to the database can. A checkpoint therefore records, for the rows since
 * the one before, the head hash and a short hash of each row, and is signed (HMAC-SHA256) with a
 * key derived from CERTDESK_SECRET_KEY, which the database does not hold. Checkpoints chain to one
 * another by their signatures, so one cannot be dropped from the middle; the newest is also kept
 * outside the database (desk/audit-anchor.ts), so the newest cannot be dropped either.
 *
 * Checkpoints are made off the hot path (a timer, the CLI, shutdown): appending rows stays as it
 * was, and rows after the newest checkpoint are covered by the chain alone until the next one.
 */
import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import type { Kysely } from "kysely";
import { DomainError } from "../domain/errors.js";
import {
  auditHash,
  auditRowsInOrder,
  chainProblem,
  GENESIS_HASH,
  headProblem,
  type AuditVerdict,
} from "./audit.js";
import type { Database } from "./schema.js";
import "./schema-audit.js";
import type { AuditCheckpointRow } from "./schema-audit.js";

/** Hex digits kept per row: 64 bits, enough to tell a recomputed hash from the signed one. */
const SHORT = 16;
/** Rows per checkpoint at most, so a checkpoint over a long history stays a few hundred KB. */
export const CHECKPOINT_MAX_ROWS = 20_000;

/** A checkpoint as it is signed, stored in the anchor file and logged (numbers as strings). */
export interface AuditCheckpoint {
  id: number;
  at: string;
  fromSeq: string;
  seq: string;
  headHash: string;
  rowHashes: string;
  prevMac: string;
  mac: string;
}

/** What a report names of a checkpoint. */
export interface CheckpointSummary {
  id: number;
  at: string;
  seq: string;
  headHash: string;
}

export function summaryOf(cp: AuditCheckpoint): CheckpointSummary {
  return { id: cp.id, at: cp.at, seq: cp.seq, headHash: cp.headHash };
}

/** The checkpoint signing key, derived so that no other use of the secret key ever meets it. */
export function anchorKey(secretKey: string): Buffer {
  return Buffer.from(hkdfSync("sha256", secretKey, "certdesk", "certdesk audit anchor v1", 32));
}

export function checkpointMac(key: Buffer, cp: Omit<AuditCheckpoint, "mac">): string {
  const fields = [cp.id, cp.at, cp.fromSeq, cp.seq, cp.headHash, cp.rowHashes, cp.prevMac];
  return createHmac("sha256", key)
    .update(`certdesk audit checkpoint\n${JSON.stringify(fields)}`)
    .digest("hex");
}

function macValid(key: Buffer, cp: AuditCheckpoint): boolean {
  const want = Buffer.from(checkpointMac(key, cp), "hex");
  const got = Buffer.from(cp.mac, "hex");
  return want.length === got.length && timingSafeEqual(want, got);
}

function fromRow(row: AuditCheckpointRow): AuditCheckpoint {
  return {
    id: row.id,
    at: new Date(row.at).toISOString(),
    fromSeq: row.from_seq.toString(),
    seq: row.seq.toString(),
    headHash: row.head_hash,
    rowHashes: row.row_hashes,
    prevMac: row.prev_mac,
    mac: row.mac,
  };
}

export async function latestCheckpoint(db: Kysely<Database>): Promise<AuditCheckpoint | undefined> {
  const row = await db
    .selectFrom("audit_checkpoints")
    .selectAll()
    .orderBy("id", "desc")
    .limit(1)
    .executeTakeFirst();
  return row && fromRow(row);
}

/** How many rows the chain has past the newest checkpoint, and how old that checkpoint is. */
export async function uncheckpointed(
  db: Kysely<Database>,
): Promise<{ rows: bigint; since: Date | undefined; last: AuditCheckpoint | undefined }> {
  const last = await latestCheckpoint(db);
  const head = await db.selectFrom("audit_head").select("seq").where("id", "=", 1).executeTakeFirstOrThrow();
  return { rows: head.seq - BigInt(last?.seq ?? 0), since: last && new Date(last.at), last };
}

/**
 * Signs the rows appended since the newest checkpoint, in checkpoints of at most
 * CHECKPOINT_MAX_ROWS rows, after checking that they chain on from it: a segment that does not is
 * refused (audit.chain_broken), never signed. Returns the checkpoints made (none when no row is
 * new). Two processes may race: the loser's insert finds the id taken and it reads again.
 */
export async function makeCheckpoints(
  db: Kysely<Database>,
  key: Buffer,
  now: Date,
): Promise<AuditCheckpoint[]> {
  const made: AuditCheckpoint[] = [];
  for (;;) {
    const last = await latestCheckpoint(db);
    if (last && !macValid(key, last)) throw new DomainError("audit.checkpoint_unverifiable", { id: last.id });
    const head = await db
      .selectFrom("audit_head")
      .select("seq")
      .where("id", "=", 1)
      .executeTakeFirstOrThrow();
    const fromSeq = BigInt(last?.seq ?? 0) + 1n;
    if (head.seq < fromSeq) return made;
    const toSeq =
      head.seq - fromSeq < BigInt(CHECKPOINT_MAX_ROWS)
        ? head.seq
        : fromSeq + BigInt(CHECKPOINT_MAX_ROWS) - 1n;
    const rows = await db
      .selectFrom("audit_log")
      .selectAll()
      .where("seq", ">=", fromSeq)
      .where("seq", "<=", toSeq)
      .orderBy("seq")
      .execute();
    let prev = last?.headHash ?? GENESIS_HASH;
    let expected = fromSeq;
    const short: string[] = [];
    for (const row of rows) {
      if (row.seq !== expected || row.prev_hash !== prev || auditHash(row) !== row.hash)
        throw new DomainError("audit.chain_broken", { seq: expected.toString() });
      short.push(row.hash.slice(0, SHORT));
      prev = row.hash;
      expected += 1n;
    }
    if (expected !== toSeq + 1n) throw new DomainError("audit.chain_broken", { seq: expected.toString() });
    const unsigned = {
      id: (last?.id ?? 0) + 1,
      at: now.toISOString(),
      fromSeq: fromSeq.toString(),
      seq: toSeq.toString(),
      headHash: prev,
      rowHashes: short.join(""),
      prevMac: last?.mac ?? GENESIS_HASH,
    };
    const cp = { ...unsigned, mac: checkpointMac(key, unsigned) };
    const inserted = await db
      .insertInto("audit_checkpoints")
      .values({
        id: cp.id,
        at: now,
        from_seq: fromSeq,
        seq: toSeq,
        head_hash: cp.headHash,
        row_hashes: cp.rowHashes,
        prev_mac: cp.prevMac,
        mac: cp.mac,
      })
      .onConflict((oc) => oc.column("id").doNothing())
      .returning("id")
      .executeTakeFirst();
    if (inserted) made.push(cp);
  }
}

export type AnchorProblem =
  "checkpoint" | "truncated" | "checkpoint_signature" | "checkpoint_sequence" | "anchor";

export type AnchoredVerdict =
  | { ok: true; rows: number; headHash: string; checkpoints: number; anchor: CheckpointSummary | null }
  | (Extract<AuditVerdict, { ok: false }> & { checkpoint?: CheckpointSummary })
  | { ok: false; rows: number; seq: string; problem: AnchorProblem; checkpoint: CheckpointSummary };

/**
 * Walks the chain once, as verifyAuditChain does, and checks each row also against the signed
 * checkpoint that covers it: a chain recomputed after an edit links up again but its rows' hashes
 * no longer match the signed ones, from the edited row on. The anchor (the newest checkpoint kept
 * outside the database) must match the database's checkpoint of its id, or stand for checkpoints
 * removed from it. The first row that breaks is reported with the checkpoint it broke against.
 */
export async function verifyAnchoredChain(
  db: Kysely<Database>,
  key: Buffer,
  anchor: AuditCheckpoint | undefined,
  batch = 5000,
): Promise<AnchoredVerdict> {
  const checkpoints = new CheckpointWalk(db, key, anchor);
  let expectedSeq = 1n;
  let prevHash = GENESIS_HASH;
  let rows = 0;
  for await (const row of auditRowsInOrder(db, batch)) {
    const cp = await checkpoints.covering(row.seq);
    if (cp && "problem" in cp) return { ok: false, rows, ...cp };
    const against = cp ? { checkpoint: summaryOf(cp) } : {};
    const broken = chainProblem(row, expectedSeq, prevHash);
    if (broken) return { ok: false, rows, ...broken, ...against };
    if (cp) {
      const seq = row.seq.toString();
      const at = Number(row.seq - BigInt(cp.fromSeq)) * SHORT;
      const signed = cp.rowHashes.slice(at, at + SHORT);
      if (row.hash.slice(0, SHORT) !== signed || (seq === cp.seq && row.hash !== cp.headHash))
        return { ok: false, rows, seq, problem: "checkpoint", checkpoint: summaryOf(cp) };
    }
    prevHash = row.hash;
    expectedSeq += 1n;
    rows += 1;
  }
  // A checkpoint past the last row: rows were cut off the end (and the head moved back).
  const beyond = await checkpoints.reaching(expectedSeq);
  if (beyond && "problem" in beyond) return { ok: false, rows, ...beyond };
  if (beyond)
    return {
      ok: false,
      rows,
      seq: expectedSeq.toString(),
      problem: "truncated",
      checkpoint: summaryOf(beyond),
    };
  const head = await headProblem(db, expectedSeq - 1n, prevHash);
  if (head) return { ok: false, rows, ...head };
  const missing = checkpoints.anchorMissing();
  if (missing)
    return { ok: false, rows, seq: missing.fromSeq, problem: "anchor", checkpoint: summaryOf(missing) };
  return {
    ok: true,
    rows,
    headHash: prevHash,
    checkpoints: checkpoints.count,
    anchor: anchor ? summaryOf(anchor) : null,
  };
}

type CheckpointProblem = { seq: string; problem: AnchorProblem; checkpoint: CheckpointSummary };

/**
 * The checkpoints in id order, read one at a time as the row walk reaches them, each checked for
 * its signature and its link to the one before. When the database has no more, the anchor file's
 * checkpoint follows if it is newer: the database lost checkpoints (reported once the rows have
 * been checked against it, so that an edited row is still named first).
 */
class CheckpointWalk {
  count = 0;
  private current: AuditCheckpoint | undefined;
  private nextId = 1;
  private done = false;
  private anchorUsed = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly key: Buffer,
    private readonly anchor: AuditCheckpoint | undefined,
  ) {}

  /** The checkpoint covering seq (rows are asked for in order), a problem, or none. */
  async covering(seq: bigint): Promise<AuditCheckpoint | CheckpointProblem | undefined> {
    while (!this.done && (!this.current || BigInt(this.current.seq) < seq)) {
      const next = await this.next();
      if (!next) {
        this.done = true;
        break;
      }
      if ("problem" in next) return next;
      const problem = this.check(next, this.current);
      if (problem) return problem;
      this.current = next;
      this.count += 1;
    }
    const cp = this.current;
    return cp && BigInt(cp.fromSeq) <= seq && seq <= BigInt(cp.seq) ? cp : undefined;
  }

  /** A checkpoint that covers seq or rows after it (asked once the rows ran out). */
  async reaching(seq: bigint): Promise<AuditCheckpoint | CheckpointProblem | undefined> {
    const found = await this.covering(seq);
    if (found) return found;
    return this.current && BigInt(this.current.seq) >= seq ? this.current : undefined;
  }

  /** The anchor named a checkpoint the database no longer has. */
  anchorMissing(): AuditCheckpoint | undefined {
    return this.anchorUsed ? this.anchor : undefined;
  }

  private async next(): Promise<AuditCheckpoint | CheckpointProblem | undefined> {
    const id = this.nextId;
    const row = await this.db
      .selectFrom("audit_checkpoints")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    if (row) {
      this.nextId += 1;
      return fromRow(row);
    }
    const later = await this.db
      .selectFrom("audit_checkpoints")
      .selectAll()
      .where("id", ">", id)
      .orderBy("id")
      .limit(1)
      .executeTakeFirst();
    if (later) {
      // A checkpoint removed from the middle.
      const seq = (BigInt(this.current?.seq ?? 0) + 1n).toString();
      return { seq, problem: "checkpoint_sequence", checkpoint: summaryOf(fromRow(later)) };
    }
    if (this.anchor && this.anchor.id >= id && !this.anchorUsed) {
      this.anchorUsed = true;
      return this.anchor;
    }
    return undefined;
  }

  private check(cp: AuditCheckpoint, previous: AuditCheckpoint | undefined): CheckpointProblem | undefined {
    const fromAnchor = cp === this.anchor;
    const fromSeq = (BigInt(previous?.seq ?? 0) + 1n).toString();
    const fail = (problem: AnchorProblem, seq = cp.fromSeq): CheckpointProblem => ({
      seq,
      problem,
      checkpoint: summaryOf(cp),
    });
    if (!macValid(this.key, cp)) return fail(fromAnchor ? "anchor" : "checkpoint_signature");
    const links = cp.prevMac === (previous?.mac ?? GENESIS_HASH) && cp.fromSeq === fromSeq;
    // The anchor may be several checkpoints ahead of what is left in the database.
    const adjacent = cp.id === (previous?.id ?? 0) + 1;
    if (adjacent ? !links : !fromAnchor) return fail("checkpoint_sequence", fromSeq);
    if (!fromAnchor && this.anchor?.id === cp.id && cp.mac !== this.anchor.mac) return fail("anchor");
    return undefined;
  }
}
