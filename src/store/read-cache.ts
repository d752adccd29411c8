/**
 * What every request reads and almost never changes (sessions, active CAs, programmes), kept in
 * memory and checked against one counter in the store (migration 0028): triggers move it on any
 * change to those tables, whichever process or path makes it. A request first waits for a read of
 * the counter that began after the request did, so a logout committed before it is always seen;
 * concurrent requests share that read, so the store sees about one tiny query per round trip
 * instead of three lookups per request. When the counter has moved, everything kept is dropped.
 */
import { CompiledQuery, type Kysely } from "kysely";
import { setKeepingNewest } from "../domain/bounded.js";
import type { Database } from "./schema.js";

const EPOCH_QUERY = CompiledQuery.raw("select epoch::text as epoch from read_cache_epoch where id = 1");

/** Entries kept per cache: sessions are the many ones. */
const KEPT = 4096;

export class ReadCache {
  #epoch: string | undefined;
  /** a read of the counter in flight, and the one queued behind it for later callers */
  #inFlight: Promise<string> | undefined;
  #next: Promise<string> | undefined;
  readonly #maps = new Map<string, Map<string, unknown>>();

  constructor(private readonly db: Kysely<Database>) {}

  /**
   * The value kept under (kind, key) if the store has not changed since it was kept; otherwise
   * `load` reads it afresh (undefined is not kept: an unknown token is looked up every time).
   */
  async get<T>(kind: string, key: string, load: () => Promise<T | undefined>): Promise<T | undefined> {
    await this.#fresh();
    const map = this.#maps.get(kind);
    if (map?.has(key)) return map.get(key) as T;
    const epoch = this.#epoch;
    const value = await load();
    // Kept only if nothing moved while it was loaded: else it may be older than the counter says.
    if (value !== undefined && epoch === this.#epoch) {
      let m = this.#maps.get(kind);
      if (!m) this.#maps.set(kind, (m = new Map()));
      setKeepingNewest(m, key, value, KEPT);
    }
    return value;
  }

  /** Waits for a read of the counter that starts after this call, and drops everything if it moved. */
  #fresh(): Promise<string> {
    if (!this.#inFlight) return (this.#inFlight = this.#read());
    // The read in flight may have begun before a commit this caller must see: take the next one.
    this.#next ??= this.#inFlight.then(
      () => this.#read(),
      () => this.#read(),
    );
    return this.#next;
  }

  async #read(): Promise<string> {
    if (this.#next) {
      // This read is the queued one: it becomes the read in flight.
      this.#inFlight = this.#next;
      this.#next = undefined;
    }
    try {
      const result = await this.db.executeQuery<{ epoch: string }>(EPOCH_QUERY);
      const epoch = result.rows[0]!.epoch;
      if (epoch !== this.#epoch) {
        this.#maps.clear();
        this.#epoch = epoch;
      }
      return epoch;
    } finally {
      if (!this.#next) this.#inFlight = undefined;
    }
  }
}

const caches = new WeakMap<Kysely<Database>, ReadCache>();

/** The cache of a store; none for a transaction (it may see its own uncommitted changes). */
export function readCacheOf(db: Kysely<Database>): ReadCache | undefined {
  if (db.isTransaction) return undefined;
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = new ReadCache(db)));
  return cache;
}
