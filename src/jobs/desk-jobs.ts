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
import type { PaymentGateway } from "../payments/port.js";
import { issueDueInvoices, type InvoiceSettings } from "../services/invoices.js";
import { expireUnpaidOrders, reconcilePayments } from "../services/payments.js";
import type { Publication } from "../services/publication.js";
import { reconcileRefunds } from "../services/refunds.js";
import type { Database } from "../store/schema.js";
import { alertOverdueDeadlines } from "./deadlines.js";
import { sendExpiryReminders } from "./reminders.js";
import type { JobDefinition, JobRunner } from "./runner.js";

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
  ];
  const publication = deps.publication;
  if (publication) {
    // Every minute, but a CRL younger than 90% of the refresh interval is left alone.
    jobs.push({
      name: JOB_NAMES.crl,
      cron: "* * * * *",
      run: async () => ({
        published: (await publication.refreshDueCrls(settings.crlRefreshMs * 0.9)).length,
      }),
    });
  }
  return jobs;
}

/**
 * Messages go out within a second or so of the change that wrote them: a cheap look at the outbox
 * every interval wakes the delivery job when something is due (the job itself runs in pg-boss,
 * which retries it and keeps two runs from overlapping in one process).
 */
export class OutboxPump {
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #round: Promise<void> | undefined;

  constructor(
    private readonly deps: { db: Kysely<Database>; clock: Clock },
    private readonly runner: Pick<JobRunner, "trigger">,
    private readonly intervalMs = 1_000,
    private readonly onError: (e: unknown) => void = () => {},
  ) {}

  start(): void {
    if (this.#running) return;
    this.#running = true;
    const tick = () => {
      this.#round = (async () => {
        if (await outboxHasDue(this.deps.db, this.deps.clock.now()))
          await this.runner.trigger(JOB_NAMES.deliver);
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
