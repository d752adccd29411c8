/**
 * The desk's scheduled work, as pg-boss jobs (see runner.ts): message delivery, payment and refund
 * reconciliation, unpaid-order expiry, expiry reminders, deadline alerts, invoices and CRLs. Each
 * run is a sweep over the data and idempotent, so the run at start makes up for anything that fell
 * due while the desk was down.
 */
import type { Kysely } from "kysely";
import type { Clock } from "../domain/clock.js";
import type { WorkingDays } from "../domain/working-days.js";
import { deliverOutbox, outboxHasDue } from "../notify/outbox.js";
import type { Mailer, SmsSender } from "../notify/ports.js";
import type { PaymentGateway } from "../money/gateway-port.js";
import { forgetStaleGuesses } from "../people/guess-limits.js";
import { issueDueInvoices, type InvoiceSettings } from "../money/invoices.js";
import { expireUnpaidOrders, reconcilePayments } from "../money/payments.js";
import { checkpointAudit, type AuditAnchorSettings } from "../desk/audit-anchor.js";
import type { AuditCheckpoint } from "../store/audit-anchor.js";
import type { Publication } from "../ca/publication.js";
import { reconcileRefunds } from "../money/refunds.js";
import type { Database } from "../store/schema.js";
import { alertOverdueDeadlines } from "./deadlines.js";
import { sendExpiryReminders } from "./reminders.js";
import type { JobDefinition, JobRunner } from "./runner.js";
import { sweepPlatformLeftovers } from "../platforms/clients.js";
import { emitExpiringEvents } from "../platforms/events.js";
import { deliverWebhooks, webhooksDue, type WebhookTransport } from "../platforms/webhooks.js";

export interface DeskJobDeps {
  db: Kysely<Database>;
  clock: Clock;
  calendar: WorkingDays;
  gateway: PaymentGateway;
  publicUrl: string;
  publication?: Publication | undefined;
  sms: SmsSender;
  mailer?: Mailer | undefined;
  invoices: InvoiceSettings;
  /** Platform credentials are sealed under it; webhooks are signed with them. */
  secretKey: string;
  webhookTransport?: WebhookTransport | undefined;
  /** Signed audit checkpoints (desk/audit-anchor.ts); absent, none are made. */
  auditAnchor?: AuditAnchorSettings | undefined;
  onAuditCheckpoint?: ((checkpoint: AuditCheckpoint) => void) | undefined;
  /** Production batches left running by a process that died are taken up (keys/production-runs.ts). */
  production?: { resumeInterrupted(): Promise<string[]> } | undefined;
}

export interface DeskJobSettings {
  /** Ask the gateway about a charge (or refund) with no callback after this long. */
  paymentQueryAfterMs: number;
  /** How old a CRL may get before the refresh makes a new one. */
  crlRefreshMs: number;
}

export const JOB_NAMES = {
  deliver: "notify-deliver",
  reconcile: "payments-reconcile",
  expire: "orders-expire-unpaid",
  reminders: "certificates-expiry-reminders",
  deadlines: "deadlines-alerts",
  invoices: "invoices-issue",
  crl: "crl-refresh",
  webhooks: "webhooks-deliver",
  expiring: "platforms-expiring-events",
  platformSweep: "platforms-sweep",
  auditCheckpoint: "audit-checkpoint",
  guessSweep: "guess-limits-sweep",
  productionResume: "production-resume",
} as const;

export function deskJobs(deps: DeskJobDeps, settings: DeskJobSettings): JobDefinition[] {
  const jobs: JobDefinition[] = [
    { name: JOB_NAMES.deliver, cron: "* * * * *", run: () => deliverOutbox(deps) },
    {
      name: JOB_NAMES.reconcile,
      cron: "* * * * *",
      run: async () => ({
        payments: await reconcilePayments(deps, { queryAfterMs: settings.paymentQueryAfterMs }),
        refunds: await reconcileRefunds(deps, { queryAfterMs: settings.paymentQueryAfterMs }),
      }),
    },
    { name: JOB_NAMES.expire, cron: "*/5 * * * *", run: () => expireUnpaidOrders(deps) },
    { name: JOB_NAMES.reminders, cron: "0 * * * *", run: () => sendExpiryReminders(deps) },
    { name: JOB_NAMES.deadlines, cron: "10 * * * *", run: () => alertOverdueDeadlines(deps) },
    { name: JOB_NAMES.invoices, cron: "*/10 * * * *", run: () => issueDueInvoices(deps) },
    {
      name: JOB_NAMES.webhooks,
      cron: "* * * * *",
      run: () => deliverWebhooks({ ...deps, transport: deps.webhookTransport }),
    },
    { name: JOB_NAMES.expiring, cron: "20 * * * *", run: () => emitExpiringEvents(deps) },
    { name: JOB_NAMES.platformSweep, cron: "40 * * * *", run: () => sweepPlatformLeftovers(deps) },
    { name: JOB_NAMES.guessSweep, cron: "50 * * * *", run: () => forgetStaleGuesses(deps) },
  ];
  const anchor = deps.auditAnchor;
  if (anchor) {
    // Every minute it looks; a checkpoint is signed after everyRows rows or everyMs.
    jobs.push({
      name: JOB_NAMES.auditCheckpoint,
      cron: "* * * * *",
      run: async () =>
        (await checkpointAudit({ ...deps, anchor, onCheckpoint: deps.onAuditCheckpoint })).made.length,
    });
  }
  const production = deps.production;
  // At start and every minute: a batch whose runner died is picked up by the desk.
  if (production)
    jobs.push({
      name: JOB_NAMES.productionResume,
      cron: "* * * * *",
      run: async () => ({ resumed: await production.resumeInterrupted() }),
    });
  const publication = deps.publication;
  if (publication) {
    // Every minute, but a CRL younger than 90% of the refresh interval is left alone.
    jobs.push({
      name: JOB_NAMES.crl,
      cron: "* * * * *",
      // First the CRLs that revocations call for (also those made while every desk was down).
      run: async () => ({
        afterRevocations: (await publication.publishRevocationCrls()).length,
        published: (await publication.refreshDueCrls(settings.crlRefreshMs * 0.9)).length,
      }),
    });
  }
  return jobs;
}

/**
 * Work goes out within a second or so of the change that wrote it (messages, webhooks): a cheap
 * look every interval wakes the job when something is due (the job itself runs in pg-boss, which
 * retries it and keeps two runs from overlapping in one process).
 */
export class DueWorkPump {
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #round: Promise<void> | undefined;

  constructor(
    private readonly isDue: () => Promise<boolean>,
    private readonly wake: () => Promise<unknown>,
    private readonly intervalMs = 1_000,
    private readonly onError: (e: unknown) => void = () => {},
  ) {}

  start(): void {
    if (this.#running) return;
    this.#running = true;
    const tick = () => {
      this.#round = (async () => {
        if (await this.isDue()) await this.wake();
      })()
        .catch(this.onError)
        .finally(() => {
          if (!this.#running) return;
          this.#timer = setTimeout(tick, this.intervalMs);
          this.#timer.unref();
        });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    await this.#round;
  }
}

/** The pumps of the message outbox and of the platforms' webhooks. */
export function deskPumps(
  deps: { db: Kysely<Database>; clock: Clock },
  runner: Pick<JobRunner, "trigger">,
  intervalMs: number,
  onError: (e: unknown, context: string) => void,
): DueWorkPump[] {
  return [
    new DueWorkPump(
      () => outboxHasDue(deps.db, deps.clock.now()),
      () => runner.trigger(JOB_NAMES.deliver),
      intervalMs,
      (e) => onError(e, "outbox poll"),
    ),
    new DueWorkPump(
      () => webhooksDue(deps.db, deps.clock.now()),
      () => runner.trigger(JOB_NAMES.webhooks),
      intervalMs,
      (e) => onError(e, "webhook poll"),
    ),
  ];
}
