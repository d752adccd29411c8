/**
 * Crash safety with real server processes: a kill -9 in the middle of a burst of order creations
 * must lose no acknowledged order and double none (each creation and its audit row commit together,
 * and the idempotency key makes retries safe), on the embedded store and on PostgreSQL; and a
 * second process on an embedded folder is refused while the first holds it, but not after the
 * first died.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { translate } from "../src/i18n/catalogue.js";
import { verifyAuditChain } from "../src/store/audit.js";
import { openStore, type StoreTarget } from "../src/store/database.js";
import { http, login, serverFleet, type ServerStore } from "./support/process.js";
import { createTempDatabase } from "./support/stores.js";

const SUPPLIER = ["13800138000", "supplier-demo-1"] as const;
const KEYS = 300;
const CLIENTS = 16;
const KILL_AFTER_ACKS = 100;
const KILL_JITTER_MS = 30;

interface OrderRef {
  id: string;
  number: string;
}

interface CrashStore {
  name: string;
  /** What the server is started on. */
  server: ServerStore;
  /** The same store opened directly by the test (the embedded one only while no server runs). */
  direct: StoreTarget;
  dispose(): Promise<void>;
}

function tempFolder(): string {
  return mkdtempSync(join(tmpdir(), "certdesk-crash-"));
}

function embeddedStore(): CrashStore & { server: { kind: "embedded"; dataDir: string } } {
  const dir = tempFolder();
  return {
    name: "pglite",
    server: { kind: "embedded", dataDir: dir },
    direct: { kind: "embedded", dataDir: join(dir, "db") },
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

async function postgresStore(serverUrl: string): Promise<CrashStore> {
  const temp = await createTempDatabase(serverUrl);
  return {
    name: "postgres",
    server: { kind: "postgres", url: temp.url },
    direct: { kind: "postgres", url: temp.url },
    dispose: temp.drop,
  };
}

const crashStores: { name: string; make(): Promise<CrashStore> }[] = [
  { name: "pglite", make: async () => embeddedStore() },
  ...(process.env.TEST_DATABASE_URL
    ? [{ name: "postgres", make: () => postgresStore(process.env.TEST_DATABASE_URL!) }]
    : []),
];

const fleet = serverFleet();
const disposals: (() => Promise<void>)[] = [];

afterAll(async () => {
  await fleet.killAll();
  for (const dispose of disposals.reverse()) await dispose();
});

function createDraft(url: string, token: string, key: string) {
  return http(`${url}/api/orders`, {
    method: "POST",
    token,
    headers: { "idempotency-key": key },
    json: { programmeId: "procurement", service: "new", details: { years: 1 } },
  });
}

function orderRef(body: unknown): OrderRef {
  const { id, number } = body as { id: unknown; number: unknown };
  if (typeof id !== "string" || typeof number !== "string")
    throw new Error(`not an order: ${JSON.stringify(body)}`);
  return { id, number };
}

/** Runs `work` over the items with a fixed number of concurrent workers, in order of the list. */
async function withWorkers<T>(
  items: readonly T[],
  workers: number,
  work: (item: T) => Promise<void>,
  stop: () => boolean = () => false,
) {
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < items.length && !stop()) await work(items[next++]!);
    }),
  );
}

/** What the store holds for this run, read directly with SQL: orders by key, and the audit chain. */
async function inspect(target: StoreTarget, keyPrefix: string) {
  const store = await openStore(target);
  try {
    const rows = await store.db
      .selectFrom("orders")
      .select(["id", "number", "idempotency_key"])
      .where("idempotency_key", "like", `${keyPrefix}%`)
      .execute();
    const byKey = new Map<string, OrderRef[]>();
    for (const r of rows)
      byKey.set(r.idempotency_key!, [
        ...(byKey.get(r.idempotency_key!) ?? []),
        { id: r.id, number: r.number },
      ]);
    const creations = await store.db
      .selectFrom("audit_log")
      .select(["subject_id"])
      .where("action", "=", "order.create")
      .where("subject_type", "=", "order")
      .execute();
    const createdIds = new Set(rows.map((r) => r.id));
    const auditedCreations = creations.filter((c) => createdIds.has(c.subject_id)).length;
    const totalOrders = (
      await store.db
        .selectFrom("orders")
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .executeTakeFirstOrThrow()
    ).n;
    return {
      rows,
      byKey,
      auditedCreations,
      totalOrders: Number(totalOrders),
      chain: await verifyAuditChain(store.db),
    };
  } finally {
    await store.close();
  }
}

for (const kind of crashStores) {
  describe(`crash safety on ${kind.name}`, () => {
    it(
      "kill -9 of the server during a burst of order creations loses no acknowledged order and doubles none",
      { timeout: 90_000 },
      async () => {
        const startedAt = Date.now();
        const phases: string[] = [];
        let phaseAt = startedAt;
        const phase = (name: string) => {
          phases.push(`${name} ${((Date.now() - phaseAt) / 1000).toFixed(1)}`);
          phaseAt = Date.now();
        };
        const store = await kind.make();
        disposals.push(store.dispose);

        const first = await fleet.start({ store: store.server, demo: true });
        const firstToken = await login(first, ...SUPPLIER);
        phase("start");
        const prefix = `crash-${randomUUID().slice(0, 8)}-`;
        const keys = Array.from({ length: KEYS }, (_, i) => `${prefix}${String(i).padStart(3, "0")}`);

        // The burst: each client sends one request after another; the server dies under it.
        const acknowledged = new Map<string, OrderRef>();
        const unknown = new Set<string>();
        const refused: string[] = [];
        let killScheduled = false;
        let killed: ReturnType<typeof first.kill> | undefined;
        await withWorkers(
          keys,
          CLIENTS,
          async (key) => {
            try {
              const res = await createDraft(first.url, firstToken, key);
              if (res.status !== 201) {
                refused.push(`${key}: ${res.status} ${JSON.stringify(res.body)}`);
                return;
              }
              acknowledged.set(key, orderRef(res.body));
              if (acknowledged.size >= KILL_AFTER_ACKS && !killScheduled) {
                killScheduled = true;
                // A random moment after the mark, so the kill lands anywhere in a request's life.
                setTimeout(
                  () => (killed = first.kill("SIGKILL")),
                  Math.floor(Math.random() * KILL_JITTER_MS),
                );
              }
            } catch {
              unknown.add(key);
            }
          },
          () => killed !== undefined,
        );
        expect(refused).toEqual([]);
        expect(killed, "the burst ended before the server was killed").toBeDefined();
        expect((await killed!).signal).toBe("SIGKILL");
        const sent = [...acknowledged.keys(), ...unknown];
        phase("burst");
        expect(unknown.size, "no request was in flight when the server died").toBeGreaterThan(0);

        // Straight after the crash, before any retry: every acknowledged order is there, once.
        const afterCrash = await inspect(store.direct, prefix);
        expect(afterCrash.chain).toMatchObject({ ok: true });
        for (const [key, ref] of acknowledged) expect(afterCrash.byKey.get(key), key).toEqual([ref]);
        for (const [key, refs] of afterCrash.byKey) {
          expect(refs, key).toHaveLength(1);
          expect(acknowledged.has(key) || unknown.has(key), `${key} was never sent`).toBe(true);
        }
        expect(afterCrash.auditedCreations).toBe(afterCrash.rows.length);
        const committedUnacknowledged = afterCrash.rows.length - acknowledged.size;
        phase("inspect");

        // A new server on the same store; every request is sent again with its key.
        const second = await fleet.start({ store: store.server });
        const token = await login(second, ...SUPPLIER);
        phase("restart");
        const retried = new Map<string, OrderRef>();
        const retryFailures: string[] = [];
        await withWorkers(sent, CLIENTS, async (key) => {
          const res = await createDraft(second.url, token, key);
          if (res.status === 201) retried.set(key, orderRef(res.body));
          else retryFailures.push(`${key}: ${res.status} ${JSON.stringify(res.body)}`);
        });
        expect(retryFailures).toEqual([]);
        phase("retry");
        for (const [key, ref] of acknowledged) expect(retried.get(key), key).toEqual(ref);
        for (const [key, [ref]] of afterCrash.byKey) expect(retried.get(key), key).toEqual(ref);
        const retriedIds = new Set([...retried.values()].map((r) => r.id));
        expect(retriedIds.size).toBe(sent.length);

        const listed = await http(`${second.url}/api/orders?limit=500`, { token });
        expect(listed.status).toBe(200);
        const listedIds = (listed.body as OrderRef[]).map((o) => o.id);
        expect(listedIds).toHaveLength(sent.length);
        expect(new Set(listedIds)).toEqual(retriedIds);

        // The embedded folder is locked while a server runs: stop it cleanly, then read with SQL.
        expect(await second.stop()).toEqual({ code: 0, signal: null });
        phase("stop");
        const end = await inspect(store.direct, prefix);
        expect(end.chain).toMatchObject({ ok: true });
        phase("inspect");
        expect(end.rows).toHaveLength(sent.length);
        expect(end.totalOrders).toBe(sent.length);
        expect(end.auditedCreations).toBe(sent.length);
        for (const key of sent) expect(end.byKey.get(key), key).toEqual([retried.get(key)]);

        console.info(
          `[crash ${kind.name}] ${acknowledged.size} acknowledged, ${unknown.size} unknown ` +
            `(${committedUnacknowledged} of them committed), ${keys.length - sent.length} never sent; ` +
            `audit rows ${end.chain.rows}; ${((Date.now() - startedAt) / 1000).toFixed(1)} s (${phases.join(", ")})`,
        );
      },
    );
  });
}

describe("the embedded folder lock", () => {
  it(
    "a second process on the same embedded folder is refused with a clear error",
    { timeout: 90_000 },
    async () => {
      const store = embeddedStore();
      disposals.push(store.dispose);
      const first = await fleet.start({ store: store.server, demo: true });
      const token = await login(first, ...SUPPLIER);
      const created = await createDraft(first.url, token, `lock-${randomUUID()}`);
      expect(created.status).toBe(201);
      const earlier = orderRef(created.body);

      const startedAt = Date.now();
      const refused = await fleet.runToExit({ store: store.server }, 10_000);
      const refusedWithinMs = Date.now() - startedAt;
      expect(refused.code).toBe(1);
      const folder = realpathSync(join(store.server.dataDir, "db"));
      const params = { folder, pid: String(first.pid) };
      expect(refused.stderr).toContain(folder);
      expect(refused.stderr).toContain(translate("store.folder_locked", "zh-CN", params));
      expect(refused.stderr).toContain(translate("store.folder_locked", "en", params));
      expect((await http(`${first.url}/api/health`)).status).toBe(200);

      // The kernel drops the lock with the process: no stale lock after a kill -9.
      expect((await first.kill("SIGKILL")).signal).toBe("SIGKILL");
      const next = await fleet.start({ store: store.server });
      const again = await http(`${next.url}/api/orders/${earlier.id}`, {
        token: await login(next, ...SUPPLIER),
      });
      expect(again.status).toBe(200);
      expect(orderRef(again.body)).toEqual(earlier);
      expect(await next.stop()).toEqual({ code: 0, signal: null });
      console.info(`[lock] the second process was refused in ${refusedWithinMs} ms`);
    },
  );
});
