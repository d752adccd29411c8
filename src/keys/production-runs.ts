/**
 * The desk's production runs: batches the back office starts or resumes, run in the background on
 * the desk's station, and batches left running by a process that died (a kill -9 of the desk or of
 * `certdesk produce` at this station), taken up by the desk by itself at start and every minute
 * (the production-resume job). The lease (production-lease.ts) keeps it to one run per batch across
 * every process; stopping the desk ends its runs between two keys and lets their leases go, so the
 * next start takes them up again.
 */
import { DomainError } from "../domain/errors.js";
import { systemActor, type Actor } from "../people/actor.js";
import { interruptedBatches, type KeyProductionDeps } from "./production.js";
import { claimBatch, runClaimedBatch } from "./production-run.js";

/** How the desk names itself to a run it refuses. */
export const DESK_PROGRAM = "certdesk desk";

export class ProductionRuns {
  readonly #running = new Map<string, { done: Promise<unknown>; abort: AbortController }>();

  constructor(
    private readonly deps: KeyProductionDeps,
    private readonly onError: (error: unknown, context: string) => void = () => {},
  ) {}

  /** Whether this process runs the batch now. */
  isRunning(batchId: string): boolean {
    return this.#running.has(batchId);
  }

  /**
   * Claims the batch (production.batch_busy if any process runs it, this one included) and runs it
   * in the background; a failure is kept on the batch (state failed, error code).
   */
  async start(actor: Actor, batchId: string): Promise<void> {
    const make = this.deps.keys.station;
    if (!make) throw new DomainError("production.no_station");
    const claim = await claimBatch(this.deps, actor, batchId, DESK_PROGRAM);
    const abort = new AbortController();
    const station = make();
    const done = runClaimedBatch(this.deps, actor, claim, station, () => {}, abort.signal)
      .catch((e: unknown) => this.onError(e, `production batch ${batchId}`))
      .finally(() => {
        this.#running.delete(batchId);
        return station.close();
      });
    this.#running.set(batchId, { done, abort });
  }

  /** Takes up the station's batches that nobody runs any more; returns the ids it started. */
  async resumeInterrupted(): Promise<string[]> {
    const make = this.deps.keys.station;
    if (!make) return [];
    const station = make();
    let description: string;
    try {
      description = station.description;
    } finally {
      await station.close();
    }
    const started: string[] = [];
    for (const batchId of await interruptedBatches(this.deps.db, description)) {
      if (this.isRunning(batchId)) continue;
      try {
        await this.start(systemActor("production-resume"), batchId);
        started.push(batchId);
      } catch (e) {
        // Another process took it between the look and the claim: it is in hands.
        if ((e as { code?: string }).code !== "production.batch_busy") throw e;
      }
    }
    return started;
  }

  /** Ends every run between two keys and waits for the leases to be let go. */
  async stop(): Promise<void> {
    const runs = [...this.#running.values()];
    for (const run of runs) run.abort.abort();
    await Promise.allSettled(runs.map((r) => r.done));
  }
}
