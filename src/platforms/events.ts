/**
 * What platforms are told: an event is written in the same transaction as the change it reports
 * (an issued or revoked certificate, a binding made or ended), with one delivery per platform of
 * the programme that has a webhook URL. So an event is never lost when the process dies after the
 * change, and never invented for a change that was rolled back; webhooks.ts sends the deliveries.
 */
import { randomUUID } from "node:crypto";
import { sql, type Kysely, type Transaction } from "kysely";
import type { Clock } from "../domain/clock.js";
import { REMINDER_DAYS } from "../jobs/reminders.js";
import type { Database } from "../store/schema.js";

export { PLATFORM_EVENT_TYPES } from "./event-types.js";
export type { CertificateSummary, PlatformEventBody, PlatformEventType } from "./event-types.js";
import type { CertificateSummary, PlatformEventBody, PlatformEventType } from "./event-types.js";

/** The certificate as events describe it, and the programme whose platforms are told. */
async function certificateSummary(
  tx: Transaction<Database>,
  certificateId: string,
): Promise<{ programmeId: string | null; certificate: CertificateSummary }> {
  const row = await tx
    .selectFrom("certificates")
    .leftJoin("organisations", "organisations.id", "certificates.organisation_id")
    .select([
      "certificates.id",
      "certificates.programme_id",
      "certificates.serial",
      "certificates.subject",
      "certificates.not_before",
      "certificates.not_after",
      "certificates.status",
      "organisations.name as organisation",
      "organisations.uscc",
    ])
    .where("certificates.id", "=", certificateId)
    .executeTakeFirstOrThrow();
  return {
    programmeId: row.programme_id,
    certificate: {
      id: row.id,
      serial: row.serial,
      subject: row.subject,
      organisation: row.organisation,
      uscc: row.uscc,
      notBefore: row.not_before.toISOString(),
      notAfter: row.not_after.toISOString(),
      status: row.status,
    },
  };
}

/**
 * Records an event for the certificate's programme and queues its deliveries. With a dedupeKey,
 * an event already recorded under it is not recorded again (returns undefined).
 */
export async function emitPlatformEvent(
  tx: Transaction<Database>,
  input: {
    programmeId: string;
    type: PlatformEventType;
    certificateId?: string | undefined;
    data: Record<string, unknown>;
    dedupeKey?: string | undefined;
  },
  now: Date,
): Promise<string | undefined> {
  const id = randomUUID();
  const inserted = await tx
    .insertInto("platform_events")
    .values({
      id,
      programme_id: input.programmeId,
      type: input.type,
      certificate_id: input.certificateId ?? null,
      data: JSON.stringify(input.data),
      dedupe_key: input.dedupeKey ?? null,
      created_at: now,
    })
    .onConflict((oc) => oc.column("dedupe_key").doNothing())
    .returning("id")
    .executeTakeFirst();
  if (!inserted) return undefined;
  const clients = await tx
    .selectFrom("platform_clients")
    .select(["id", "webhook_url"])
    .where("programme_id", "=", input.programmeId)
    .where("disabled_at", "is", null)
    .where("webhook_url", "is not", null)
    .execute();
  if (clients.length > 0)
    await tx
      .insertInto("webhook_deliveries")
      .values(
        clients.map((c) => ({
          id: randomUUID(),
          event_id: id,
          client_id: c.id,
          url: c.webhook_url!,
          status: "pending" as const,
          attempts: 0,
          next_attempt_at: now,
          created_at: now,
        })),
      )
      .execute();
  return id;
}

/** An event about one certificate, its summary as data (plus anything else the caller adds). */
export async function emitCertificateEvent(
  tx: Transaction<Database>,
  type: PlatformEventType,
  certificateId: string,
  extra: Record<string, unknown>,
  now: Date,
  dedupeKey?: string,
): Promise<string | undefined> {
  const { programmeId, certificate } = await certificateSummary(tx, certificateId);
  if (!programmeId) return undefined;
  return emitPlatformEvent(
    tx,
    { programmeId, type, certificateId, data: { certificate, ...extra }, dedupeKey },
    now,
  );
}

export function eventBody(row: {
  id: string;
  seq: bigint;
  type: string;
  programme_id: string;
  created_at: Date;
  data: Record<string, unknown>;
}): string {
  const body: PlatformEventBody = {
    id: row.id,
    sequence: Number(row.seq),
    type: row.type as PlatformEventType,
    programme: row.programme_id,
    createdAt: row.created_at.toISOString(),
    data: row.data,
  };
  return JSON.stringify(body);
}

/**
 * "certificate.expiring" at 90, 30, 7 and 1 days before a live certificate of a programme ends,
 * each once (the dedupe key), the nearest one due only, as the holders' reminders are
 * (jobs/reminders.ts). A sweep the scheduled jobs run.
 */
export async function emitExpiringEvents(deps: {
  db: Kysely<Database>;
  clock: Clock;
}): Promise<{ events: number }> {
  const now = deps.clock.now();
  const horizon = new Date(now.getTime() + REMINDER_DAYS[0] * 86_400_000);
  const days = sql.raw(`array[${REMINDER_DAYS.join(",")}]`);
  const { rows } = await sql<{ id: string; days: number }>`
    select c.id, t.days
    from certificates c
    cross join lateral (
      select min(d) as days from unnest(${days}::int[]) d
      where c.not_after - make_interval(days => d) <= ${now}
    ) t
    where c.status in ('issued', 'active') and c.superseded_by is null and c.programme_id is not null
      and c.not_after > ${now} and c.not_after <= ${horizon} and t.days is not null
      and not exists (select 1 from platform_events e where e.dedupe_key = 'expiring:' || c.id || ':' || t.days)
    limit 500`.execute(deps.db);
  let events = 0;
  for (const r of rows) {
    const id = await deps.db
      .transaction()
      .execute((tx) =>
        emitCertificateEvent(
          tx,
          "certificate.expiring",
          r.id,
          { withinDays: r.days },
          now,
          `expiring:${r.id}:${r.days}`,
        ),
      );
    if (id) events += 1;
  }
  return { events };
}
