/**
 * The audit anchor against an insider who can write to the database: a row edited and the whole
 * SHA-256 chain recomputed (so that every link and the head agree again) no longer matches the
 * signed checkpoint, and `certdesk audit verify`, run as a real child process on each store, fails
 * and names the first broken row and the checkpoint it broke against.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendAudit, auditHash } from "../src/store/audit.js";
import { openStore, type Store, type StoreTarget } from "../src/store/database.js";
import { fixedClock } from "../src/domain/clock.js";
import {
  anchorSettings,
  checkpointAudit,
  readAnchorFile,
  verifyAuditTrail,
} from "../src/desk/audit-anchor.js";
import { serverFleet } from "./support/process.js";
import { createTempDatabase, testStores } from "./support/stores.js";

const bin = fileURLToPath(new URL("../bin/certdesk.js", import.meta.url));
const SECRET = "audit-anchor-test-secret-key-00000000000000";

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** bin/certdesk.js in a child process, with only this store's CERTDESK_* and DATABASE_URL settings. */
function certdesk(env: Record<string, string>, ...args: string[]): Promise<Ran> {
  const childEnv: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (k !== "DATABASE_URL" && !k.startsWith("CERTDESK_")) childEnv[k] = v;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...childEnv, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const json = (r: Ran): Record<string, unknown> => JSON.parse(r.stdout) as Record<string, unknown>;

interface Place {
  env: Record<string, string>;
  target: StoreTarget;
  dataDir: string;
  drop(): Promise<void>;
}

const places: { name: string; setUp(): Promise<Place> }[] = [
  {
    name: "pglite",
    setUp: async () => {
      const dataDir = mkdtempSync(join(tmpdir(), "certdesk-anchor-"));
      return {
        env: { CERTDESK_DATA_DIR: dataDir, CERTDESK_SECRET_KEY: SECRET },
        target: { kind: "embedded", dataDir: join(dataDir, "db") },
        dataDir,
        drop: async () => rmSync(dataDir, { recursive: true, force: true }),
      };
    },
  },
  ...(process.env.TEST_DATABASE_URL
    ? [
        {
          name: "postgres",
          setUp: async (): Promise<Place> => {
            const dataDir = mkdtempSync(join(tmpdir(), "certdesk-anchor-pg-"));
            const temp = await createTempDatabase(process.env.TEST_DATABASE_URL!);
            return {
              env: { CERTDESK_DATA_DIR: dataDir, CERTDESK_SECRET_KEY: SECRET, DATABASE_URL: temp.url },
              target: { kind: "postgres", url: temp.url },
              dataDir,
              drop: async () => {
                await temp.drop();
                rmSync(dataDir, { recursive: true, force: true });
              },
            };
          },
        },
      ]
    : []),
];

/** Opens the store for the length of fn (closed before any CLI runs: PGlite allows one process). */
async function withDb<T>(target: StoreTarget, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(target);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

async function appendRows(target: StoreTarget, count: number, from: number): Promise<void> {
  await withDb(target, async ({ db }) => {
    for (let i = 0; i < count; i++) {
      await db.transaction().execute((tx) =>
        appendAudit(
          tx,
          {
            actor: "staff:reviewer",
            action: "order.approve",
            subjectType: "order",
            subjectId: `order-${from + i}`,
            reason: "materials complete",
          },
          new Date(Date.UTC(2026, 10, 20, 2, 0, from + i)),
        ),
      );
    }
  });
}

/** What an insider with write access does: edit one row, then recompute every hash and the head. */
async function editAndRechain(target: StoreTarget, seq: number): Promise<void> {
  await withDb(target, async ({ db }) => {
    await db
      .updateTable("audit_log")
      .set({ reason: "nothing to see" })
      .where("seq", "=", BigInt(seq))
      .execute();
    const rows = await db.selectFrom("audit_log").selectAll().orderBy("seq").execute();
    let prev = "0".repeat(64);
    for (const row of rows) {
      const hash = auditHash({ ...row, prev_hash: prev });
      await db.updateTable("audit_log").set({ prev_hash: prev, hash }).where("seq", "=", row.seq).execute();
      prev = hash;
    }
    await db.updateTable("audit_head").set({ hash: prev }).where("id", "=", 1).execute();
  });
}

for (const place of places) {
  describe(`audit anchor on ${place.name}`, () => {
    let p: Place;

    beforeAll(async () => {
      p = await place.setUp();
      await withDb(p.target, async () => {}); // migrations run on first open
    }, 60_000);
    afterAll(() => p?.drop());

    it("an intact chain verifies against its signed checkpoint; a row edited and the chain recomputed fails, naming the row and the checkpoint", async () => {
      await appendRows(p.target, 6, 1);
      const signed = await certdesk(p.env, "audit", "checkpoint", "--json");
      expect(signed.code, signed.stdout + signed.stderr).toBe(0);
      expect(json(signed)).toMatchObject({ made: 1, latest: { id: 1, seq: "6" } });
      const anchorFile = join(p.dataDir, "audit-anchor.json");
      const anchor = JSON.parse(readFileSync(anchorFile, "utf8")) as { headHash: string };
      expect(anchor).toMatchObject({ id: 1, seq: "6" });

      // Rows after the checkpoint are covered by the chain alone until the next one.
      await appendRows(p.target, 2, 7);
      const intact = await certdesk(p.env, "audit", "verify", "--json");
      expect(intact.code, intact.stdout + intact.stderr).toBe(0);
      expect(json(intact)).toMatchObject({
        ok: true,
        rows: 8,
        checkpoints: 1,
        anchor: { id: 1, seq: "6", headHash: anchor.headHash },
      });

      await editAndRechain(p.target, 3);
      const broken = await certdesk(p.env, "audit", "verify", "--json");
      expect(broken.code, broken.stdout + broken.stderr).toBe(1);
      const verdict = json(broken) as { checkpoint: { at: string } };
      expect(verdict).toEqual({
        ok: false,
        seq: "3",
        problem: "checkpoint",
        checkpoint: { id: 1, at: verdict.checkpoint.at, seq: "6", headHash: anchor.headHash },
      });
      expect(Date.parse(verdict.checkpoint.at)).not.toBeNaN();
      const text = await certdesk(p.env, "audit", "verify", "--lang", "en");
      expect(text.code).toBe(1);
      expect(text.stdout).toContain("broken at row 3");
      expect(text.stdout).toContain(
        `checkpoint 1 (${verdict.checkpoint.at}), up to row 6, signed head hash ${anchor.headHash}`,
      );

      // No new checkpoint is signed over the tampered rows.
      const refused = await certdesk(p.env, "audit", "checkpoint", "--json");
      expect(refused.code).toBe(2);
      expect(json(refused)).toMatchObject({ error: { code: "audit.chain_broken" } });

      // The insider also deletes the checkpoints in the database: the anchor file still names the row.
      await withDb(p.target, ({ db }) => db.deleteFrom("audit_checkpoints").execute());
      const withoutTable = await certdesk(p.env, "audit", "verify", "--json");
      expect(withoutTable.code).toBe(1);
      expect(json(withoutTable)).toMatchObject({ seq: "3", problem: "checkpoint", checkpoint: { id: 1 } });
      expect(existsSync(anchorFile)).toBe(true);
    }, 180_000);
  });
}

describe("audit checkpoints: when they are made", () => {
  for (const kind of testStores) {
    it(`on ${kind.name}: after everyRows rows or everyMs; chained by signature`, async () => {
      const store = await kind.open();
      const dir = mkdtempSync(join(tmpdir(), "certdesk-anchor-policy-"));
      try {
        const clock = fixedClock("2026-11-20T02:00:00Z");
        const anchor = {
          ...anchorSettings(SECRET, {
            anchorFile: join(dir, "a.json"),
            checkpointRows: 5,
            checkpointMs: 300_000,
          }),
        };
        const deps = { db: store.db, clock, anchor };
        const add = async (n: number) => {
          for (let i = 0; i < n; i++)
            await store.db
              .transaction()
              .execute((tx) =>
                appendAudit(
                  tx,
                  { actor: "test", action: "t", subjectType: "x", subjectId: String(i) },
                  clock.now(),
                ),
              );
        };
        expect((await checkpointAudit(deps)).latest).toBeNull(); // nothing to sign
        await add(2);
        expect((await checkpointAudit(deps)).made).toHaveLength(1); // the first: at once
        await add(3);
        expect((await checkpointAudit(deps)).made).toHaveLength(0); // 3 rows, 0 minutes
        clock.advance(300_000);
        const byTime = await checkpointAudit(deps);
        expect(byTime.made).toMatchObject([{ id: 2, seq: "5" }]);
        await add(5);
        expect((await checkpointAudit(deps)).made).toMatchObject([{ id: 3, seq: "10" }]); // 5 rows
        expect(readAnchorFile(anchor.file)).toMatchObject({ id: 3, fromSeq: "6", seq: "10" });
        expect(await verifyAuditTrail(deps)).toMatchObject({ ok: true, rows: 10, checkpoints: 3 });
        // Checkpoint 2 removed from the middle: the chain of signatures no longer links.
        await store.db.deleteFrom("audit_checkpoints").where("id", "=", 2).execute();
        expect(await verifyAuditTrail(deps)).toMatchObject({
          ok: false,
          seq: "3",
          problem: "checkpoint_sequence",
          checkpoint: { id: 3 },
        });
        // Verified with another secret key, every signature fails.
        const other = {
          ...anchor,
          key: anchorSettings("another-secret-key-000000000000000000", {
            anchorFile: anchor.file,
            checkpointRows: 5,
            checkpointMs: 1,
          }).key,
        };
        expect(await verifyAuditTrail({ db: store.db, anchor: other })).toMatchObject({
          ok: false,
          problem: "checkpoint_signature",
          checkpoint: { id: 1 },
        });
      } finally {
        await store.dispose();
        rmSync(dir, { recursive: true, force: true });
      }
    }, 60_000);
  }
});

describe("audit anchor of a running server (embedded store)", () => {
  const fleet = serverFleet();
  afterAll(() => fleet.killAll());

  it("signs at shutdown, writes the anchor file and logs the checkpoint; audit verify then finds it", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "certdesk-anchor-server-"));
    try {
      const env = { CERTDESK_DATA_DIR: dataDir, CERTDESK_SECRET_KEY: SECRET };
      const server = await fleet.start({
        store: { kind: "embedded", dataDir },
        demo: true,
        env: { ...env, CERTDESK_LOG_LEVEL: "info" },
        readyWithinMs: 90_000,
      });
      const exit = await server.stop(60_000);
      expect(exit.code, server.stderr()).toBe(0);
      const anchor = JSON.parse(readFileSync(join(dataDir, "audit-anchor.json"), "utf8")) as {
        id: number;
        seq: string;
        headHash: string;
      };
      const logged = server
        .stdout()
        .split("\n")
        .filter((l) => l.includes('"audit checkpoint signed"'))
        .map((l) => JSON.parse(l) as { auditCheckpoint: { id: number; seq: string; headHash: string } });
      expect(logged.at(-1)?.auditCheckpoint).toMatchObject({
        id: anchor.id,
        seq: anchor.seq,
        headHash: anchor.headHash,
      });
      const verified = await certdesk(env, "audit", "verify", "--json");
      expect(verified.code, verified.stdout + verified.stderr).toBe(0);
      expect(json(verified)).toMatchObject({ ok: true, anchor: { id: anchor.id, seq: anchor.seq } });
      expect(Number(anchor.seq)).toBe((json(verified) as { rows: number }).rows);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 240_000);
});
