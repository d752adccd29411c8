/**
 * What the audit anchor costs, on a fresh embedded store (or --postgres on a throwaway database of
 * BENCH_DATABASE_URL): appending rows in group-commit-sized transactions without and with the
 * checkpoint job's work, signing checkpoints, and verifying the chain alone against verifying it
 * with its checkpoints.
 *
 *   node --import tsx bench/audit-anchor.ts [--rows 100000] [--batch 64] [--postgres]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { appendAuditEntries, verifyAuditChain } from "../src/store/audit.js";
import { anchorKey, makeCheckpoints, verifyAnchoredChain } from "../src/store/audit-anchor.js";
import { openStore, type StoreTarget } from "../src/store/database.js";

const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "100000" },
    batch: { type: "string", default: "64" },
    postgres: { type: "boolean", default: false },
  },
});
const rows = Number(values.rows);
const batch = Number(values.batch);

async function target(): Promise<{ target: StoreTarget; drop(): Promise<void> }> {
  if (!values.postgres) {
    const dir = mkdtempSync(join(tmpdir(), "certdesk-bench-anchor-"));
    return { target: { kind: "embedded", dataDir: dir }, drop: async () => rmSync(dir, { recursive: true }) };
  }
  const server = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
  const name = `certdesk_bench_anchor_${process.pid}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    target: { kind: "postgres", url: url.toString() },
    drop: async () => {
      const c = new pg.Client({ connectionString: server });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

const place = await target();
const store = await openStore(place.target);
try {
  const key = anchorKey("bench-secret-key-000000000000000000000000");
  let start = process.hrtime.bigint();
  for (let done = 0; done < rows; done += batch) {
    const n = Math.min(batch, rows - done);
    await store.db.transaction().execute((tx) =>
      appendAuditEntries(
        tx,
        Array.from({ length: n }, (_, i) => ({
          entry: {
            actor: "staff:production",
            action: "certificate.issue",
            subjectType: "certificate",
            subjectId: String(done + i),
            data: { serial: (done + i).toString(16), orderId: "6f1c0f9e-7d1e-4c55-8a47-0c1b8e2f4a11" },
          },
          at: new Date(),
        })),
      ),
    );
  }
  const appendMs = ms(start);
  start = process.hrtime.bigint();
  const made = await makeCheckpoints(store.db, key, new Date());
  const signMs = ms(start);
  start = process.hrtime.bigint();
  const plain = await verifyAuditChain(store.db);
  const plainMs = ms(start);
  start = process.hrtime.bigint();
  const anchored = await verifyAnchoredChain(store.db, key, made.at(-1));
  const anchoredMs = ms(start);
  const size = await store.db
    .selectFrom("audit_checkpoints")
    .select((eb) => eb.fn.sum<string>(eb.fn("length", ["row_hashes"])).as("chars"))
    .executeTakeFirstOrThrow();
  const out = {
    store: place.target.kind,
    rows,
    batch,
    appendRowsPerSecond: Math.round((rows / appendMs) * 1000),
    checkpoints: made.length,
    signMs: Math.round(signMs),
    signMicrosecondsPerRow: Number(((signMs * 1000) / rows).toFixed(1)),
    checkpointBytes: Number(size.chars),
    verifyChainMs: Math.round(plainMs),
    verifyAnchoredMs: Math.round(anchoredMs),
    verdicts: [plain.ok, anchored.ok],
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
} finally {
  await store.close();
  await place.drop();
}
