/**
 * Production that survives a crash, with real processes, on the embedded store and on PostgreSQL:
 *
 * 1. `certdesk produce` makes a batch of 20 software keys, prints the batch id at once, and is
 *    killed with -9 part-way through;
 * 2. three `certdesk produce --batch` start together: exactly one runs the batch (to done 20/20),
 *    the others are refused at once with a message naming the one that runs it (the batch's lease
 *    on PostgreSQL; on the embedded store the folder lock already admits one process);
 * 3. a batch the desk runs (back office API) is interrupted by a kill -9 of the desk; the restarted
 *    desk picks it up by itself and finishes it.
 *
 * Each time the store is read directly: one distinct certificate per key, none twice, none lost,
 * every key file holding its certificate, and the audit chain intact.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { systemClock } from "../src/domain/clock.js";
import { systemActor } from "../src/people/actor.js";
import { initCas, publicationUrls } from "../src/ca/ca.js";
import { seedBundledCalendar } from "../src/desk/calendar.js";
import { seedDemo } from "../src/desk/demo.js";
import { verifyAuditChain } from "../src/store/audit.js";
import { openStore, type StoreTarget } from "../src/store/database.js";
import { SoftwareKey } from "../src/token/software-key.js";
import { delay, http, login, REPO_ROOT, serverFleet, type ServerStore } from "./support/process.js";
import { orderAtProduction, USCC_B } from "./support/production.js";
import { createTempDatabase } from "./support/stores.js";

const PASSPHRASE = "production-crash-ca-passphrase";
const KEYS = 20;
const KILL_AFTER = 4;
const DESK_KEYS = 6;

interface CrashStore {
  name: string;
  server: ServerStore;
  direct: StoreTarget;
  /** The child's store settings. */
  env: Record<string, string>;
  dispose(): Promise<void>;
}

const stores: { name: string; make(): Promise<CrashStore> }[] = [
  {
    name: "pglite",
    make: async () => {
      const dir = mkdtempSync(join(tmpdir(), "certdesk-produce-crash-"));
      return {
        name: "pglite",
        server: { kind: "embedded", dataDir: dir },
        direct: { kind: "embedded", dataDir: join(dir, "db") },
        env: { CERTDESK_DATA_DIR: dir },
        dispose: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
  ...(process.env.TEST_DATABASE_URL
    ? [
        {
          name: "postgres",
          make: async (): Promise<CrashStore> => {
            const temp = await createTempDatabase(process.env.TEST_DATABASE_URL!);
            const dir = mkdtempSync(join(tmpdir(), "certdesk-produce-crash-"));
            return {
              name: "postgres",
              server: { kind: "postgres", url: temp.url },
              direct: { kind: "postgres", url: temp.url },
              env: { DATABASE_URL: temp.url, CERTDESK_DATA_DIR: dir },
              dispose: async () => {
                await temp.drop();
                rmSync(dir, { recursive: true, force: true });
              },
            };
          },
        },
      ]
    : []),
];

const fleet = serverFleet();
const disposals: (() => Promise<void>)[] = [];
const children = new Set<ReturnType<typeof spawn>>();

afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await fleet.killAll();
  for (const dispose of disposals.reverse()) await dispose();
});

interface Cli {
  pid: number;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(): Promise<void>;
}

/** `certdesk …` as a child process, with only the given settings. */
function certdesk(args: string[], settings: Record<string, string>): Cli {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!(k === "DATABASE_URL" || k.startsWith("CERTDESK_") || k === "NODE_OPTIONS")) env[k] = v;
  Object.assign(env, settings, { CERTDESK_CA_PASSPHRASE: PASSPHRASE, CERTDESK_MODE: "development" });
  const child = spawn(process.execPath, ["bin/certdesk.js", ...args], {
    cwd: REPO_ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  let out = "";
  let err = "";
  child.stdout!.setEncoding("utf8").on("data", (s: string) => (out += s));
  child.stderr!.setEncoding("utf8").on("data", (s: string) => (err += s));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("close", (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    }),
  );
  return {
    pid: child.pid!,
    stdout: () => out,
    stderr: () => err,
    exited,
    kill: async () => {
      child.kill("SIGKILL");
      await exited;
    },
  };
}

async function until<T>(what: string, withinMs: number, probe: () => Promise<T | undefined> | T | undefined) {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${withinMs} ms`);
    await delay(50);
  }
}

/** The batch's keys and certificates as the store holds them, and the audit chain. */
async function inspect(target: StoreTarget, batchId: string, station: string) {
  const store = await openStore(target);
  try {
    const batch = await store.db
      .selectFrom("production_batches")
      .selectAll()
      .where("id", "=", batchId)
      .executeTakeFirstOrThrow();
    const keys = await store.db.selectFrom("usb_keys").selectAll().where("batch_id", "=", batchId).execute();
    const orderIds = [...new Set(keys.map((k) => k.order_id))];
    const certs = await store.db
      .selectFrom("certificates")
      .select(["id", "serial", "der"])
      .where("order_id", "in", orderIds)
      .execute();
    const issued = await store.db
      .selectFrom("audit_log")
      .select("subject_id")
      .where("action", "=", "certificate.issue")
      .where(
        "subject_id",
        "in",
        certs.map((c) => c.id),
      )
      .execute();
    // Every key file holds the certificate its row names.
    const onKeys = await Promise.all(
      keys.map(async (k) => {
        const [cert] = await SoftwareKey.open(join(station, `${k.label}.certdesk-key`)).certificates();
        const row = certs.find((c) => c.id === k.certificate_id);
        return row !== undefined && cert !== undefined && Buffer.compare(cert.der, row.der!) === 0;
      }),
    );
    return { batch, keys, certs, issued, onKeys, chain: await verifyAuditChain(store.db) };
  } finally {
    await store.close();
  }
}

function expectComplete(seen: Awaited<ReturnType<typeof inspect>>, total: number) {
  expect(seen.chain).toMatchObject({ ok: true });
  expect(seen.batch).toMatchObject({ state: "done", done: total, total });
  expect(seen.keys.map((k) => k.step)).toEqual(Array(total).fill("recorded"));
  // N keys, N certificates, each issued (and audited) once, each on its key.
  expect(seen.certs).toHaveLength(total);
  expect(new Set(seen.certs.map((c) => c.serial)).size).toBe(total);
  expect(new Set(seen.keys.map((k) => k.certificate_id)).size).toBe(total);
  expect(seen.issued).toHaveLength(total);
  expect(seen.onKeys).toEqual(Array(total).fill(true));
}

for (const kind of stores) {
  describe(`production after a kill -9 on ${kind.name}`, () => {
    it(
      "a killed batch is resumed by exactly one of three resumes; the desk resumes its own batch after a restart",
      { timeout: 480_000 },
      async () => {
        const phases: string[] = [];
        let phaseAt = Date.now();
        const phase = (name: string) => {
          phases.push(`${name} ${((Date.now() - phaseAt) / 1000).toFixed(1)} s`);
          phaseAt = Date.now();
        };
        const store = await kind.make();
        disposals.push(store.dispose);
        const station = mkdtempSync(join(tmpdir(), "certdesk-station-"));
        disposals.push(async () => rmSync(station, { recursive: true, force: true }));
        const orders: Record<string, { id: string; number: string }> = {};
        {
          const s = await openStore(store.direct);
          try {
            await seedBundledCalendar(s.db);
            await seedDemo({ db: s.db, clock: systemClock });
            await initCas({ db: s.db, clock: systemClock }, systemActor("test"), {
              algorithms: ["sm2"],
              organisation: "certdesk 制证崩溃测试",
              passphrase: PASSPHRASE,
              urls: publicationUrls("http://127.0.0.1:8080"),
              prefix: "demo",
            });
            for (const [name, keys] of [
              ["cli", KEYS],
              ["desk", DESK_KEYS],
            ] as const) {
              const id = await orderAtProduction(s.db, {
                programmeId: "power-trading",
                service: "new",
                uscc: USCC_B,
                details: { years: 1, keys, plan: "basic" },
              });
              const row = await s.db
                .selectFrom("orders")
                .select("number")
                .where("id", "=", id)
                .executeTakeFirstOrThrow();
              orders[name] = { id, number: row.number };
            }
          } finally {
            await s.close();
          }
        }
        const stationSpec = `software:${station}`;
        phase("seed");

        // 1. The batch starts, says its id at once, and dies after a few keys.
        const first = certdesk(
          ["produce", "--order", orders.cli!.number, "--station", stationSpec, "--lang", "en"],
          store.env,
        );
        const batchId = await until("the batch id printed at the start", 60_000, () => {
          const m = /Batch ([0-9a-f-]{36}) started/.exec(first.stderr());
          if (m) return m[1]!;
          if (/Batch [0-9a-f-]{36}:/.test(first.stderr())) throw new Error("the id came only at the end");
          return undefined;
        });
        await until(`${KILL_AFTER} keys made`, 120_000, () =>
          new RegExp(`^${KILL_AFTER}/${KEYS} `, "m").test(first.stderr()) ? true : undefined,
        );
        await first.kill();
        phase(`${KILL_AFTER} keys, then kill -9`);

        // 2. Three resumes at once: one runs the batch, the others are refused and told by whom.
        const resumes = Array.from({ length: 3 }, () =>
          certdesk(
            ["produce", "--batch", batchId, "--station", stationSpec, "--json", "--lang", "en"],
            store.env,
          ),
        );
        const ends = await Promise.all(resumes.map((r) => r.exited));
        const outcomes = resumes.map((r, i) => ({
          pid: r.pid,
          code: ends[i]!.code,
          out: r.stdout(),
          err: r.stderr(),
        }));
        const accepted = outcomes.filter((o) => o.code === 0);
        expect(accepted, JSON.stringify(outcomes, null, 1)).toHaveLength(1);
        expect(JSON.parse(accepted[0]!.out)).toMatchObject({
          id: batchId,
          state: "done",
          done: KEYS,
          total: KEYS,
        });
        for (const refused of outcomes.filter((o) => o.code !== 0)) {
          expect(refused.code).toBe(2);
          const { error } = JSON.parse(refused.out) as { error: { code: string; message: string } };
          expect(error.code).toBe(kind.name === "postgres" ? "production.batch_busy" : "store.folder_locked");
          expect(error.message).toContain(`pid ${accepted[0]!.pid}`);
        }
        phase(`3 resumes, ${KEYS - KILL_AFTER} keys`);
        expectComplete(await inspect(store.direct, batchId, station), KEYS);

        // 3. The desk runs a batch, dies, and finishes it by itself once started again.
        const deskEnv = { CERTDESK_KEY_STATION: stationSpec, CERTDESK_CA_PASSPHRASE: PASSPHRASE };
        const desk = await fleet.start({ store: store.server, env: deskEnv, readyWithinMs: 120_000 });
        const token = await login(desk, "production", "production-demo-1");
        const created = await http(`${desk.url}/api/production/batches`, {
          method: "POST",
          token,
          json: { orderIds: [orders.desk!.id] },
        });
        expect(created.status, JSON.stringify(created.body)).toBe(202);
        const deskBatch = (created.body as { id: string }).id;
        // While the desk runs it, a resume is refused, naming the desk.
        const busy = await http(`${desk.url}/api/production/batches/${deskBatch}/resume`, {
          method: "POST",
          token,
          headers: { "accept-language": "en" },
        });
        expect(busy.status, JSON.stringify(busy.body)).toBe(409);
        expect(busy.body).toMatchObject({
          code: "production.batch_busy",
          params: { pid: desk.pid, program: "certdesk desk" },
        });
        await until("2 keys made by the desk", 60_000, async () => {
          const got = await http(`${desk.url}/api/production/batches/${deskBatch}`, { token });
          return (got.body as { done: number }).done >= 2 ? true : undefined;
        });
        expect((await desk.kill("SIGKILL")).signal).toBe("SIGKILL");
        phase("desk: 2 keys, then kill -9");
        // The restart also recovers the embedded database after the kill, on a machine shared by many.
        const restarted = await fleet.start({ store: store.server, env: deskEnv, readyWithinMs: 120_000 });
        phase("desk restart");
        const token2 = await login(restarted, "production", "production-demo-1");
        const finished = await until("the restarted desk finishing the batch", 90_000, async () => {
          const got = await http(`${restarted.url}/api/production/batches/${deskBatch}`, { token: token2 });
          const body = got.body as { state: string; done: number };
          return body.state === "done" ? body : undefined;
        });
        expect(finished.done).toBe(DESK_KEYS);
        phase(`desk finished ${DESK_KEYS - 2}+ keys by itself`);
        console.info(`[production crash ${kind.name}] ${phases.join(", ")}`);
        expect(await restarted.stop()).toEqual({ code: 0, signal: null });
        expectComplete(await inspect(store.direct, deskBatch, station), DESK_KEYS);
        expect(readdirSync(station).filter((f) => f.endsWith(".certdesk-key"))).toHaveLength(
          KEYS + DESK_KEYS,
        );
      },
    );
  });
}
