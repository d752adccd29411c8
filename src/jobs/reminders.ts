/**
 * Expiry reminders: 90, 30, 7 and 1 days before a certificate ends, each sent once, never daily.
 * A reminder falls due at the instant notAfter − N days; the sweep sends, for each live
 * certificate, the nearest reminder that has fallen due and was not sent yet (a certificate first
 * seen 20 days before its end gets the 30-day reminder, not the 90-day one too). The dedupe key
 * expiry:{certificateId}:{N} makes a second sweep, or a sweep after a restart, send nothing again.
 */
import { sql, type Kysely } from "kysely";
import type { Clock } from "../domain/clock.js";
import { shanghaiDate } from "../domain/dates.js";
import { daysUntilExpiry } from "../domain/rules.js";
import { enqueue, userRecipient, type Recipient } from "../notify/outbox.js";
import type { Database } from "../store/schema.js";

export const REMINDER_DAYS = [90, 30, 7, 1] as const;
const DAY_MS = 86_400_000;

export interface ReminderDeps {
  db: Kysely<Database>;
  clock: Clock;
}

interface DueReminder {
  id: string;
  serial: string;
  not_after: Date;
  organisation_id: string;
  order_id: string | null;
  organisation: string;
  days: number;
}

/** The handlers to remind: the one who ordered the certificate, else every handler of the organisation. */
async function recipientsOf(deps: ReminderDeps, c: DueReminder): Promise<Recipient[]> {
  if (c.order_id) {
    const order = await deps.db
      .selectFrom("orders")
      .select("applicant_id")
      .where("id", "=", c.order_id)
      .executeTakeFirst();
    const handler = order ? await userRecipient(deps.db, order.applicant_id) : undefined;
    if (handler) return [handler];
  }
  const users = await deps.db
    .selectFrom("users")
    .select("id")
    .where("organisation_id", "=", c.organisation_id)
    .where("kind", "=", "applicant")
    .where("disabled", "=", false)
    .execute();
  const out: Recipient[] = [];
  for (const u of users) {
    const r = await userRecipient(deps.db, u.id);
    if (r) out.push(r);
  }
  return out;
}

export async function sendExpiryReminders(
  deps: ReminderDeps,
  options: { limit?: number } = {},
): Promise<{ certificates: number; messages: number }> {
  const now = deps.clock.now();
  const horizon = new Date(now.getTime() + REMINDER_DAYS[0] * DAY_MS);
  const days = sql.raw(`array[${REMINDER_DAYS.join(",")}]`);
  const { rows } = await sql<DueReminder>`
    select c.id, c.serial, c.not_after, c.organisation_id, c.order_id, o.name as organisation, t.days
    from certificates c
    join organisations o on o.id = c.organisation_id
    cross join lateral (
      select min(d) as days from unnest(${days}::int[]) d
      where c.not_after - make_interval(days => d) <= ${now}
    ) t
    where c.status in ('issued', 'active')
      and c.revoked_at is null
      and c.superseded_by is null
      and c.not_after > ${now}
      and c.not_after <= ${horizon}
      and t.days is not null
      and not exists (
        select 1 from outbox x
        where x.subject_type = 'certificate' and x.subject_id = c.id::text
          and x.template = 'expiry-reminder' and x.params->>'threshold' = t.days::text
      )
    order by c.not_after
    limit ${options.limit ?? 1000}`.execute(deps.db);
  let messages = 0;
  for (const c of rows) {
    const notAfter = shanghaiDate(new Date(c.not_after));
    const params = {
      threshold: String(c.days),
      days: Math.max(daysUntilExpiry(shanghaiDate(now), notAfter), 0),
      notAfter,
      serial: c.serial,
      subject: c.organisation,
    };
    for (const to of await recipientsOf(deps, c)) {
      messages += await enqueue(
        deps.db,
        {
          kind: "reminder",
          template: "expiry-reminder",
          params,
          subject: { type: "certificate", id: c.id },
          dedupeKey: `expiry:${c.id}:${c.days}:${to.userId ?? "-"}`,
          to,
        },
        now,
      );
    }
  }
  return { certificates: rows.length, messages };
}
