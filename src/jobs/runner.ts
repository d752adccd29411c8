/**
 * Scheduled work on pg-boss, in the desk's own database (PostgreSQL or the embedded PGlite).
 *
 * pg-boss talks to the store through Kysely (pgBossDb): on PGlite, whose one connection Kysely
 * hands to one user at a time, its queries wait their turn instead of running inside somebody
 * else's transaction; on PostgreSQL they take a pooled connection like any other query.
 *
 * Every job is a sweep that finds its work in the data (orders past a cutoff, certificates inside
 * a reminder window, deadlines passed, outbox rows due) and whose effects are idempotent (a
 * conditional update through the lifecycle, a unique dedupe key). pg-boss's cron only fires a
 * schedule whose tick was less than a minute ago, so ticks missed while the desk was down are
 * skipped, not caught up: the runner therefore sends one run of every job at start. Work that fell
 * due while the desk was down runs once after start, and a run repeated for any reason finds
 * nothing left to do.
 */
import { CompiledQuery, type Kysely } from "kysely";
import PgBoss from "pg-boss";
import { DomainError } from "../domain/errors.js";
import type { Database } from "../store/schema.js";

export interface JobDefinition {
  name: string;
  /** Five-field cron in the time zone below; missed ticks are made up by the run at start. */
  cron: string;
  run: () => Promise<unknown>;
  /** How long a run may take before pg-boss counts it failed (and retries it). */
  expireInSeconds?: number;
  /** Also run once at start (default true). */
  runAtStart?: boolean;
}

export interface JobRunnerOptions {
  db: Kysely<Database>;
  jobs: JobDefinition[];
  onError?: (error: unknown, context: string) => void;
  /** Cron time zone; the desk counts days in Shanghai. */
  timeZone?: string;
  /** How often idle workers look for a job. */
  pollingIntervalSeconds?: number;
  /** Start cron scheduling (off in tests that trigger jobs themselves). */
  schedule?: boolean;
  /** Run every job once at start (default true; tests that trigger jobs themselves turn it off). */
  catchUp?: boolean;
}

export interface JobRunReport {
  name: string;
  state: string;
  output: unknown;
  ms: number;
}

/** pg-boss's database port over the store's Kysely instance. */
export function pgBossDb(db: Kysely<Database>): {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
} {
  return {
    async executeSql(text: string, values?: unknown[]) {
      const result = await db.executeQuery(CompiledQuery.raw(text, values ?? []));
      return { rows: result.rows as unknown[] };
    },
  };
}

export const JOB_SCHEMA = "pgboss";

export class JobRunner {
  readonly #options: JobRunnerOptions;
  readonly #jobs: Map<string, JobDefinition>;
  readonly #workers = new Map<string, string>();
  #boss: PgBoss | undefined;
  #running = false;

  constructor(options: JobRunnerOptions) {
    this.#options = options;
    this.#jobs = new Map(options.jobs.map((j) => [j.name, j]));
  }

  get names(): string[] {
    return [...this.#jobs.keys()];
  }

  get running(): boolean {
    return this.#running;
  }

  async start(): Promise<void> {
    if (this.#boss) return;
    const onError = this.#options.onError ?? (() => {});
    const boss = new PgBoss({
      db: pgBossDb(this.#options.db),
      schema: JOB_SCHEMA,
      schedule: this.#options.schedule ?? true,
      supervise: true,
      migrate: true,
    } as PgBoss.ConstructorOptions);
    boss.on("error", (e) => onError(e, "pg-boss"));
    await boss.start();
    this.#boss = boss;
    for (const job of this.#jobs.values()) {
      // short: at most one queued run per job; a trigger while one waits adds nothing.
      await boss.createQueue(job.name, {
        name: job.name,
        policy: "short",
        retryLimit: 3,
        retryDelay: 5,
        retryBackoff: true,
        expireInSeconds: job.expireInSeconds ?? 600,
      });
      const workerId = await boss.work(
        job.name,
        { pollingIntervalSeconds: this.#options.pollingIntervalSeconds ?? 2, batchSize: 1 },
        async () => {
          try {
            return await job.run();
          } catch (e) {
            onError(e, `job ${job.name}`);
            throw e;
          }
        },
      );
      this.#workers.set(job.name, workerId);
      if (this.#options.schedule ?? true)
        await boss.schedule(job.name, job.cron, {}, { tz: this.#options.timeZone ?? "Asia/Shanghai" });
    }
    this.#running = true;
    if (this.#options.catchUp ?? true)
      for (const job of this.#jobs.values()) if (job.runAtStart ?? true) await this.trigger(job.name);
  }

  /** Queues a run of the job (coalesced with one already waiting); returns its id, if new. */
  async trigger(name: string): Promise<string | null> {
    const boss = this.#started();
    if (!this.#jobs.has(name)) throw new DomainError("jobs.unknown", { job: name });
    const id = await boss.send(name, {}, { singletonKey: name });
    this.#wake(boss, name);
    return id;
  }

  /** Runs the job through pg-boss and waits (bounded) for its outcome. */
  async runNow(name: string, withinMs = 30_000): Promise<JobRunReport> {
    const boss = this.#started();
    if (!this.#jobs.has(name)) throw new DomainError("jobs.unknown", { job: name });
    const started = Date.now();
    // A distinct key, so a run already waiting does not swallow this one.
    const id = await boss.send(name, {}, { singletonKey: `${name}:now:${started}:${Math.random()}` });
    if (!id) throw new Error(`pg-boss refused a run of ${name}`);
    this.#wake(boss, name);
    for (;;) {
      const job = await boss.getJobById(name, id);
      if (job && ["completed", "failed", "cancelled"].includes(job.state))
        return { name, state: job.state, output: job.output, ms: Date.now() - started };
      if (Date.now() - started > withinMs)
        throw new Error(`job ${name} did not finish within ${withinMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async stop(): Promise<void> {
    const boss = this.#boss;
    this.#boss = undefined;
    this.#running = false;
    this.#workers.clear();
    if (!boss) return;
    await boss.stop({ graceful: true, close: false, timeout: 10_000, wait: true });
  }

  /** The worker would find the job at its next poll; telling it saves the wait. */
  #wake(boss: PgBoss, name: string): void {
    const worker = this.#workers.get(name);
    if (worker) boss.notifyWorker(worker);
  }

  #started(): PgBoss {
    if (!this.#boss) throw new DomainError("jobs.not_running");
    return this.#boss;
  }
}
