/**
 * The stores every integration suite runs against: PGlite in a temporary folder always, and a
 * PostgreSQL server when TEST_DATABASE_URL is set (each suite gets a database of its own there).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { openStore, type Store, type StoreTarget } from "../../src/store/database.js";

export interface TestStoreKind {
  name: "pglite" | "postgres";
  open(): Promise<Store & { dispose(): Promise<void> }>;
}

export const testStores: TestStoreKind[] = [
  { name: "pglite", open: openTempEmbedded },
  ...(process.env.TEST_DATABASE_URL
    ? [{ name: "postgres" as const, open: () => openTempPostgres(process.env.TEST_DATABASE_URL!) }]
    : []),
];

async function openTempEmbedded() {
  const dir = mkdtempSync(join(tmpdir(), "certdesk-test-"));
  const store = await openStore({ kind: "embedded", dataDir: dir });
  return {
    ...store,
    dispose: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Creates a fresh database on the server, so suites running in parallel never meet. */
export async function createTempDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `certdesk_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

async function openTempPostgres(serverUrl: string) {
  const temp = await createTempDatabase(serverUrl);
  const target: StoreTarget = { kind: "postgres", url: temp.url };
  const store = await openStore(target);
  return {
    ...store,
    dispose: async () => {
      await store.close();
      await temp.drop();
    },
  };
}
