/**
 * The notification outbox. A service that changes state writes the messages that report the
 * change in the same transaction (enqueue); a worker delivers them afterwards (deliverOutbox). A
 * rolled-back change therefore tells nobody, and a committed one is told even if the process dies
 * right after the commit. Each row has a dedupe key, unique in the store: a message enqueued twice
 * (a retried job, a sweep that runs again) is kept once.
 *
 * Delivery claims a batch with a short lease (no transaction is held while talking to SMTP or an
 * SMS provider: on the embedded store that would stall every other query), sends, and marks each
 * row sent, or schedules a retry with exponential backoff until the attempts run out.
 */
import { sql, type Kysely, type Transaction } from "kysely";
import type { Clock } from "../domain/clock.js";
import type { Locale } from "../i18n/catalogue.js";
import type { Database } from "../store/schema.js";
import type { OutboxChannel, OutboxRow } from "../store/schema-money.js";
import type { Mailer, SmsSender } from "./ports.js";
import {
  isTemplateName,
  renderEmail,
  renderSms,
  type TemplateName,
  type TemplateParams,
} from "./templates.js";

type Db = Kysely<Database> | Transaction<Database>;

/** Who gets a message, and through which channels. */
export interface Recipient {
  userId: string | null;
  mobile: string | null;
  email: string | null;
  locale: Locale;
}

export async function userRecipient(db: Db, userId: string): Promise<Recipient | undefined> {
  const user = await db
    .selectFrom("users")
    .select(["id", "mobile", "email", "locale", "disabled"])
    .where("id", "=", userId)
    .executeTakeFirst();
  if (!user || user.disabled) return undefined;
  return { userId: user.id, mobile: user.mobile, email: user.email, locale: user.locale };
}

export interface Notification {
  /** What caused it, for the back office: order, reminder, alert, invoice, refund, payment. */
  kind: string;
  template: TemplateName;
  params: TemplateParams;
  subject?: { type: string; id: string };
  /** Unique per message; the channel and the recipient are appended per row. */
  dedupeKey: string;
  to: Recipient;
  /** Send e-mail to this address as well as (or instead of) the recipient's own. */
  alsoEmail?: string | null | undefined;
  /** Leave a channel out (an alert that only goes by e-mail). */
  channels?: readonly OutboxChannel[];
}

/** Writes the message's outbox rows in the caller's transaction; returns how many were new. */
export async function enqueue(tx: Db, n: Notification, now: Date): Promise<number> {
  const channels = n.channels ?? ["sms", "email"];
  const rows: { channel: OutboxChannel; recipient: string }[] = [];
  if (channels.includes("sms") && n.to.mobile) rows.push({ channel: "sms", recipient: n.to.mobile });
  const emails = new Set<string>();
  if (channels.includes("email")) {
    if (n.to.email) emails.add(n.to.email.trim().toLowerCase());
    if (n.alsoEmail) emails.add(n.alsoEmail.trim().toLowerCase());
  }
  for (const email of emails) rows.push({ channel: "email", recipient: email });
  if (rows.length === 0) return 0;
  const inserted = await tx
    .insertInto("outbox")
    .values(
      rows.map((r) => ({
        kind: n.kind,
        template: n.template,
        channel: r.channel,
        recipient: r.recipient,
        user_id: n.to.userId,
        locale: n.to.locale,
        params: JSON.stringify(n.params),
        subject_type: n.subject?.type ?? null,
        subject_id: n.subject?.id ?? null,
        dedupe_key: `${n.dedupeKey}/${r.channel}/${r.recipient}`,
        next_attempt_at: now,
        created_at: now,
      })),
    )
    .onConflict((oc) => oc.column("dedupe_key").doNothing())
    .returning("id")
    .execute();
  return inserted.length;
}

// ---- delivery -------------------------------------------------------------------------------

export interface DeliveryDeps {
  db: Kysely<Database>;
  clock: Clock;
  sms: SmsSender;
  /** Absent: e-mail is not configured and e-mail rows wait (and say so in last_error). */
  mailer?: Mailer | undefined;
  maxAttempts?: number;
}

export interface DeliveryReport {
  sent: number;
  retrying: number;
  failed: number;
}

const LEASE_MS = 2 * 60_000;
const FIRST_RETRY_MS = 30_000;
const LONGEST_RETRY_MS = 60 * 60_000;
export const DEFAULT_MAX_ATTEMPTS = 8;

/** 30 s, 1 min, 2 min, … up to an hour between attempts. */
export function retryDelayMs(attempts: number): number {
  return Math.min(FIRST_RETRY_MS * 2 ** Math.max(attempts - 1, 0), LONGEST_RETRY_MS);
}

/** Claims due rows with a lease; a process that dies while sending leaves them for the next. */
async function claim(deps: DeliveryDeps, limit: number): Promise<OutboxRow[]> {
  const now = deps.clock.now();
  const until = new Date(now.getTime() + LEASE_MS);
  const { rows } = await sql<OutboxRow>`
    update outbox set claimed_until = ${until}, attempts = attempts + 1
    where id in (
      select id from outbox
      where status = 'pending' and next_attempt_at <= ${now}
        and (claimed_until is null or claimed_until < ${now})
      order by next_attempt_at, id
      limit ${limit}
      for update skip locked
    )
    returning *`.execute(deps.db);
  return rows.map((r) => ({ ...r, id: BigInt(r.id) }));
}

/** Delivers what is due, batch after batch, until nothing is left or maxRows were handled. */
export async function deliverOutbox(
  deps: DeliveryDeps,
  options: { batch?: number; maxRows?: number } = {},
): Promise<DeliveryReport> {
  const report: DeliveryReport = { sent: 0, retrying: 0, failed: 0 };
  const batch = options.batch ?? 25;
  const maxRows = options.maxRows ?? 500;
  let handled = 0;
  while (handled < maxRows) {
    const rows = await claim(deps, Math.min(batch, maxRows - handled));
    if (rows.length === 0) break;
    handled += rows.length;
    for (const row of rows) {
      const outcome = await deliverOne(deps, row);
      report[outcome] += 1;
    }
  }
  return report;
}

async function deliverOne(deps: DeliveryDeps, row: OutboxRow): Promise<keyof DeliveryReport> {
  let providerRef: string;
  try {
    if (!isTemplateName(row.template)) throw new Error(`unknown template ${row.template}`);
    if (row.channel === "sms") {
      const { text } = renderSms(row.template, row.locale, row.params);
      ({ providerRef } = await deps.sms.send({ outboxId: row.id, to: row.recipient, text }));
    } else {
      if (!deps.mailer) throw new Error("e-mail is not configured (CERTDESK_SMTP_URL)");
      const { subject, text } = renderEmail(row.template, row.locale, row.params);
      ({ providerRef } = await deps.mailer.send({ outboxId: row.id, to: row.recipient, subject, text }));
    }
  } catch (e) {
    const now = deps.clock.now();
    const giveUp = row.attempts >= (deps.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
    await deps.db
      .updateTable("outbox")
      .set({
        status: giveUp ? "failed" : "pending",
        next_attempt_at: new Date(now.getTime() + retryDelayMs(row.attempts)),
        claimed_until: null,
        last_error: (e instanceof Error ? e.message : String(e)).slice(0, 500),
      })
      .where("id", "=", row.id)
      .where("status", "=", "pending")
      .execute();
    return giveUp ? "failed" : "retrying";
  }
  await deps.db
    .updateTable("outbox")
    .set({
      status: "sent",
      sent_at: deps.clock.now(),
      claimed_until: null,
      provider_ref: providerRef.slice(0, 200),
      last_error: null,
    })
    .where("id", "=", row.id)
    .where("status", "=", "pending")
    .execute();
  return "sent";
}

/** True when some row is due now: the cheap check the delivery poll makes before waking a worker. */
export async function outboxHasDue(db: Kysely<Database>, now: Date): Promise<boolean> {
  const row = await db
    .selectFrom("outbox")
    .select("id")
    .where("status", "=", "pending")
    .where("next_attempt_at", "<=", now)
    .where((eb) => eb.or([eb("claimed_until", "is", null), eb("claimed_until", "<", now)]))
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
