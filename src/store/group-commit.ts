/**
 * Group commit: what concurrent callers submit is written in shared transactions. While one
 * transaction runs, new submissions wait, then go together in the next; at low load a submission
 * starts at once, alone. One commit, and one turn on the audit head's lock, then serves many
 * callers, where a transaction each would queue them one by one on that lock.
 */
import type { Kysely, Transaction } from "kysely";
import type { Database } from "./schema.js";

interface Waiting<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

export class GroupCommit<T, R> {
  private waiting: Waiting<T, R>[] = [];
  private running = false;

  /**
   * `write` gets the items of one transaction and answers one result per item, in their order.
   * It must not keep the transaction waiting on anything but the store: others queue behind it.
   */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly write: (tx: Transaction<Database>, items: T[]) => Promise<R[]>,
    private readonly maxItems = 64,
  ) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.waiting.length > 0) {
        // One turn of the event loop first: an embedded store runs a whole transaction without
        // yielding to I/O, so the callers about to submit (a signature back from the thread pool)
        // would otherwise never find a group to join.
        await new Promise((resolve) => setImmediate(resolve));
        const group = this.waiting.splice(0, this.maxItems);
        try {
          const results = await this.commit(group.map((w) => w.item));
          group.forEach((w, i) => w.resolve(results[i]!));
        } catch (error) {
          if (group.length === 1) {
            group[0]!.reject(error);
            continue;
          }
          // One item's failure must not fail the others: each goes again, alone.
          for (const w of group) {
            await this.commit([w.item]).then(([result]) => w.resolve(result!), w.reject);
          }
        }
      }
    } finally {
      this.running = false;
    }
  }

  private async commit(items: T[]): Promise<R[]> {
    const results = await this.db.transaction().execute((tx) => this.write(tx, items));
    if (results.length !== items.length) {
      throw new Error(`group commit: ${results.length} results for ${items.length} items`);
    }
    return results;
  }
}
