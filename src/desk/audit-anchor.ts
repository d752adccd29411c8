/**
 * Keeping the audit anchor (src/store/audit-anchor.ts) outside the database: checkpoints are made
 * every so many rows or minutes (a scheduled job), on demand (`certdesk audit checkpoint`) and at
 * shutdown; the newest is written to a file under CERTDESK_DATA_DIR (atomically, never going
 * back to an older one) and handed to the log. Verification reads that file back, so an insider
 * who rewrote both the rows and the checkpoints in the database is still caught by it.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Kysely } from "kysely";
import { z } from "zod";
import type { Clock } from "../domain/clock.js";
import { DomainError } from "../domain/errors.js";
import {
  anchorKey,
  makeCheckpoints,
  uncheckpointed,
  latestCheckpoint,
  summaryOf,
  verifyAnchoredChain,
  type AnchoredVerdict,
  type AuditCheckpoint,
  type CheckpointSummary,
} from "../store/audit-anchor.js";
import type { Database } from "../store/schema.js";

export interface AuditAnchorSettings {
  /** the signing key (anchorKey of CERTDESK_SECRET_KEY) */
  key: Buffer;
  /** where the newest checkpoint is kept outside the database */
  file: string;
  /** a checkpoint once this many rows were appended since the last */
  everyRows: number;
  /** or once the last is this old and a row was appended since */
  everyMs: number;
}

export interface AuditAnchorDeps {
  db: Kysely<Database>;
  clock: Clock;
  anchor: AuditAnchorSettings;
  /** each checkpoint made, for the log */
  onCheckpoint?: ((checkpoint: AuditCheckpoint) => void) | undefined;
}

/** The settings from the configuration's secret key and audit section. */
export function anchorSettings(
  secretKey: string,
  audit: { anchorFile: string; checkpointRows: number; checkpointMs: number },
): AuditAnchorSettings {
  return {
    key: anchorKey(secretKey),
    file: audit.anchorFile,
    everyRows: audit.checkpointRows,
    everyMs: audit.checkpointMs,
  };
}

/**
 * Makes the checkpoints that are due (all rows not yet signed, when forced) and keeps the newest in
 * the anchor file. Answers the newest checkpoint, made now or before, if any.
 */
export async function checkpointAudit(
  deps: AuditAnchorDeps,
  options: { force?: boolean } = {},
): Promise<{ made: CheckpointSummary[]; latest: CheckpointSummary | null }> {
  const { rows, since, last } = await uncheckpointed(deps.db);
  const now = deps.clock.now();
  const due =
    rows > 0n &&
    (options.force === true ||
      rows >= BigInt(deps.anchor.everyRows) ||
      !since ||
      now.getTime() - since.getTime() >= deps.anchor.everyMs);
  const made = due ? await makeCheckpoints(deps.db, deps.anchor.key, now) : [];
  for (const cp of made) deps.onCheckpoint?.(cp);
  const newest = made.at(-1) ?? last ?? (await latestCheckpoint(deps.db));
  if (newest) keepAnchor(deps.anchor.file, newest);
  return { made: made.map(summaryOf), latest: newest ? summaryOf(newest) : null };
}

export type AuditTrailVerdict = AnchoredVerdict & { anchorFile: string | null };

/** The chain, its checkpoints and the anchor file, checked together (see verifyAnchoredChain). */
export async function verifyAuditTrail(
  deps: Pick<AuditAnchorDeps, "db" | "anchor">,
): Promise<AuditTrailVerdict> {
  const anchor = readAnchorFile(deps.anchor.file);
  const verdict = await verifyAnchoredChain(deps.db, deps.anchor.key, anchor);
  return { ...verdict, anchorFile: anchor ? deps.anchor.file : null };
}

const checkpointSchema = z.object({
  id: z.int().positive(),
  at: z.string(),
  fromSeq: z.string().regex(/^\d+$/),
  seq: z.string().regex(/^\d+$/),
  headHash: z.string(),
  rowHashes: z.string(),
  prevMac: z.string(),
  mac: z.string(),
});

/** The anchor file's checkpoint; none when there is no file yet. */
export function readAnchorFile(file: string): AuditCheckpoint | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new DomainError("audit.anchor_unreadable", { path: file, detail: (e as Error).message });
  }
  try {
    return checkpointSchema.parse(JSON.parse(text));
  } catch {
    throw new DomainError("audit.anchor_unreadable", { path: file, detail: "not a checkpoint" });
  }
}

/**
 * Writes the checkpoint unless the file already holds a newer one (two processes of one desk):
 * to a temporary file, synced, then renamed over the old, so a crash leaves the old or the new.
 */
function keepAnchor(file: string, cp: AuditCheckpoint): void {
  let held: AuditCheckpoint | undefined;
  try {
    held = readAnchorFile(file);
  } catch {
    held = undefined; // an unreadable file is replaced by a good one
  }
  if (held && held.id >= cp.id) return;
  mkdirSync(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(cp)}\n`, { mode: 0o600 });
  const fd = openSync(temp, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, file);
  const dir = openSync(dirname(file), "r");
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}
