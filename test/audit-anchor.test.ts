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
import { createTempDatabase } from "./support/stores.js";

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
