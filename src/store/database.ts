/**
 * Opens the store: PGlite in a data folder (the embedded default) or a PostgreSQL server, behind
 * the same Kysely interface, and brings the schema up to date. Both read int8 as bigint and date
 * as "YYYY-MM-DD", so the rest of the code cannot tell them apart.
 */
import { PGlite, types as pgliteTypes } from "@electric-sql/pglite";
import { Kysely, Migrator, PostgresDialect, type Migration, type MigrationProvider } from "kysely";
import pg from "pg";
import { lockFolder } from "./folder-lock.js";
import { pgliteDialect } from "./pglite-dialect.js";
import type { Database } from "./schema.js";
import * as m0001 from "./migrations/0001_foundation.js";
import * as m0002 from "./migrations/0002_ca.js";
import * as m0003 from "./migrations/0003_crl_index.js";
import * as m0004 from "./migrations/0004_keys.js";
import * as m0005 from "./migrations/0005_money.js";
import * as m0006 from "./migrations/0006_seals.js";
import * as m0007 from "./migrations/0007_order_steps.js";
import * as m0008 from "./migrations/0008_platforms.js";
import * as m0009 from "./migrations/0009_crl_storage.js";
import * as m0011 from "./migrations/0011_audit_checkpoints.js";
import * as m0012 from "./migrations/0012_production_leases.js";
import * as m0013 from "./migrations/0013_desk_events.js";
import * as m0014 from "./migrations/0014_key_login_challenges.js";
import * as m0015 from "./migrations/0015_one_open_refund_request.js";
import * as m0021 from "./migrations/0021_order_search.js";
import * as m0024 from "./migrations/0024_key_plan_and_term.js";
import * as m0026 from "./migrations/0026_delta_crls.js";
import * as m0027 from "./migrations/0027_tsa_kind.js";
import * as m0028 from "./migrations/0028_read_cache_epoch.js";
import * as m0029 from "./migrations/0029_password_reset_codes.js";
import * as m0030 from "./migrations/0030_paper_tracking.js";
import * as m0031 from "./migrations/0031_organisation_name_search.js";

export type StoreTarget = { kind: "embedded"; dataDir: string } | { kind: "postgres"; url: string };

export interface Store {
  db: Kysely<Database>;
  kind: StoreTarget["kind"];
  /**
   * Calls onNotify for each NOTIFY on the channel (from any process on PostgreSQL; from this one on
   * the embedded store), until the returned function is called. Notifications can be lost (a
   * dropped connection): listeners also look at the data now and then.
   */
  listen(channel: string, onNotify: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** Migrations in order; a new one is appended here and never edited once released. */
export const migrations: Record<string, Migration> = {
  "0001_foundation": m0001,
  "0002_ca": m0002,
  "0003_crl_index": m0003,
  "0004_keys": m0004,
  "0005_money": m0005,
  "0006_seals": m0006,
  "0007_order_steps": m0007,
  "0008_platforms": m0008,
  "0009_crl_storage": m0009,
  "0011_audit_checkpoints": m0011,
  "0012_production_leases": m0012,
  "0013_desk_events": m0013,
  "0014_key_login_challenges": m0014,
  "0015_one_open_refund_request": m0015,
  "0021_order_search": m0021,
  "0024_key_plan_and_term": m0024,
  "0026_delta_crls": m0026,
  "0027_tsa_kind": m0027,
  "0028_read_cache_epoch": m0028,
  "0029_password_reset_codes": m0029,
  "0030_paper_tracking": m0030,
  "0031_organisation_name_search": m0031,
};

const INT8 = 20;
const DATE = 1082;

export async function openStore(target: StoreTarget): Promise<Store> {
  const store = target.kind === "embedded" ? await openEmbedded(target.dataDir) : openPostgres(target.url);
  try {
    await migrate(store.db);
  } catch (e) {
    await store.close();
    throw e;
  }
  return store;
}

async function openEmbedded(dataDir: string): Promise<Store> {
  const lock = await lockFolder(dataDir);
  let pglite: PGlite;
  try {
    pglite = new PGlite(dataDir, {
      parsers: { [INT8]: (v: string) => BigInt(v), [DATE]: (v: string) => v },
    });
    await pglite.waitReady;
  } catch (e) {
    await lock.release();
    throw e;
  }
  const db = new Kysely<Database>({ dialect: pgliteDialect(pglite) });
  return {
    db,
    kind: "embedded",
    // Through the dialect's one connection, so the LISTEN never lands inside someone's transaction.
    listen: (channel, onNotify) =>
      db.connection().execute(async () => {
        const unlisten = await pglite.listen(channel, () => onNotify());
        return async () => {
          await db.connection().execute(() => unlisten());
        };
      }),
    close: async () => {
      await db.destroy();
      await pglite.close();
      await lock.release();
    },
  };
}

function openPostgres(url: string): Store {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    // A server that does not answer fails the request in seconds (a 503) rather than holding it;
    // a dead connection is dropped from the pool and the next query opens a fresh one.
    connectionTimeoutMillis: 5_000,
    keepAlive: true,
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") => {
        if (oid === INT8) return (v: string) => BigInt(v);
        if (oid === DATE) return (v: string) => v;
        return pg.types.getTypeParser(oid, format);
      }) as typeof pg.types.getTypeParser,
    },
  });
  // An idle connection the server ends (a restart, an administrator) is dropped from the pool and
  // replaced on the next query; without a listener node-pg would crash the process over it.
  pool.on("error", () => {});
  // The same for a connection lost while checked out (mid-query, the server gone): the query fails
  // with it and the pool drops the client on release, but the client also emits "error", which
  // nobody listens to while it is checked out and which would end the process.
  pool.on("connect", (client) => client.on("error", () => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const listeners = new Set<() => Promise<void>>();
  return {
    db,
    kind: "postgres",
    listen: async (channel, onNotify) => {
      const stop = await listenOnPostgres(url, channel, onNotify);
      listeners.add(stop);
      return async () => {
        listeners.delete(stop);
        await stop();
      };
    },
    close: async () => {
      await Promise.all([...listeners].map((stop) => stop()));
      await db.destroy();
    },
  };
}

/**
 * LISTEN on a connection of its own (a pooled one would go back to the pool). A dropped connection
 * is opened again after a second, and onNotify is called then too: whatever was announced
 * meanwhile is found in the data.
 */
async function listenOnPostgres(
  url: string,
  channel: string,
  onNotify: () => void,
): Promise<() => Promise<void>> {
  let client: pg.Client | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  const reconnect = (): void => {
    if (stopped) return;
    retry = setTimeout(() => void connect().then(onNotify, reconnect), 1_000);
    retry.unref();
  };
  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: url });
    c.on("notification", (n) => {
      if (n.channel === channel) onNotify();
    });
    c.on("error", () => {
      if (client === c) client = undefined;
      void c.end().catch(() => undefined);
      reconnect();
    });
    await c.connect();
    await c.query(`listen ${pg.escapeIdentifier(channel)}`);
    if (stopped) await c.end();
    else client = c;
  };
  await connect();
  return async () => {
    stopped = true;
    clearTimeout(retry);
    await client?.end().catch(() => undefined);
  };
}

export async function migrate(db: Kysely<Database>): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => migrations };
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  const failed = results?.find((r) => r.status === "Error");
  if (error) {
    const what = failed
      ? `database migration ${failed.migrationName} failed`
      : "the database could not be migrated";
    throw new Error(`${what}: ${String(error)}`, { cause: error });
  }
}

export { pgliteTypes };
