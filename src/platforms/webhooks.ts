/**
 * Sending platform events to the platforms' webhook URLs.
 *
 * - Each delivery is claimed with a lease (as the message outbox does), posted with the event's
 *   JSON and a Certdesk-Signature under the platform's newest credential (sdk/signing.ts), and
 *   every attempt is logged: when, how long, the status code or the error.
 * - A 2xx answer ends it; anything else is retried on a growing schedule (10 s, 30 s, 2 min …
 *   12 h), and after the last try the delivery is marked failed for the back office to replay.
 * - At least once: a process killed between the platform's 2xx and the record of it sends the
 *   event again when the lease runs out. Receivers de-duplicate by the event id.
 */
import type { Kysely } from "kysely";
import { sql } from "kysely";
import type { Clock } from "../domain/clock.js";
import { DomainError } from "../domain/errors.js";
import { requireRole } from "../people/people.js";
import { actorLabel, type Actor } from "../people/actor.js";
import { appendAudit } from "../store/audit.js";
import type { DeliveryStatus, WebhookDeliveryRow } from "../store/schema-platforms.js";
import type { Database } from "../store/schema.js";
import { WEBHOOK_SIGNATURE_HEADER, webhookSignatureHeader } from "../sdk/signing.js";
import { signingCredential } from "./clients.js";
import { eventBody } from "./events.js";

/** Waits after the 1st, 2nd, … failed attempt; one attempt more than there are waits. */
export const WEBHOOK_RETRY_SCHEDULE_MS: readonly number[] = [
  10_000,
  30_000,
  120_000,
  600_000,
  1_800_000,
  3_600_000,
  3 * 3_600_000,
  6 * 3_600_000,
  12 * 3_600_000,
];
const LEASE_MS = 2 * 60_000;
const TIMEOUT_MS = 10_000;

/** Posts a body; resolves with the HTTP status, rejects when no answer came (refused, timeout). */
export type WebhookTransport = (request: {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}) => Promise<{ status: number }>;

export const fetchTransport: WebhookTransport = async (r) => {
  const res = await fetch(r.url, {
    method: "POST",
    headers: r.headers,
    body: r.body,
    redirect: "manual",
    signal: AbortSignal.timeout(r.timeoutMs),
  });
  await res.body?.cancel();
  return { status: res.status };
};

export interface WebhookDeps {
  db: Kysely<Database>;
  clock: Clock;
  secretKey: string;
  transport?: WebhookTransport | undefined;
  retrySchedule?: readonly number[] | undefined;
}

export interface WebhookReport {
  delivered: number;
  retrying: number;
  failed: number;
}

interface AttemptOutcome {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
}

/** One POST of the delivery's event, logged as an attempt. */
async function attempt(
  deps: WebhookDeps,
  delivery: Pick<WebhookDeliveryRow, "id" | "event_id" | "client_id" | "url">,
  number: number,
  replay: boolean,
): Promise<AttemptOutcome> {
  const started = deps.clock.now();
  const t0 = performance.now();
  let outcome: AttemptOutcome;
  try {
    const event = await deps.db
      .selectFrom("platform_events")
      .selectAll()
      .where("id", "=", delivery.event_id)
      .executeTakeFirstOrThrow();
    const credential = await signingCredential(deps, delivery.client_id);
    if (!credential) throw new Error("the platform has no usable credential to sign with");
    const body = eventBody(event);
    const { status } = await (deps.transport ?? fetchTransport)({
      url: delivery.url,
      headers: {
        "content-type": "application/json",
        "user-agent": "certdesk-webhooks/1",
        "certdesk-event-id": event.id,
        "certdesk-event-type": event.type,
        "certdesk-delivery-attempt": String(number),
        [WEBHOOK_SIGNATURE_HEADER]: webhookSignatureHeader(credential, body, deps.clock.now()),
      },
      body,
      timeoutMs: TIMEOUT_MS,
    });
    outcome =
      status >= 200 && status < 300
        ? { ok: true, statusCode: status, error: null }
        : { ok: false, statusCode: status, error: `HTTP ${status}` };
  } catch (e) {
    const cause = e instanceof Error && e.cause instanceof Error ? `: ${e.cause.message}` : "";
    outcome = {
      ok: false,
      statusCode: null,
      error: `${e instanceof Error ? e.message : String(e)}${cause}`.slice(0, 500),
    };
  }
  await deps.db
    .insertInto("webhook_attempts")
    .values({
      delivery_id: delivery.id,
      attempt: number,
      started_at: started,
      duration_ms: Math.round(performance.now() - t0),
      status_code: outcome.statusCode,
      error: outcome.error,
      replay,
    })
    .execute();
  return outcome;
}

/** Claims due deliveries with a lease; one whose process died is due again when the lease ends. */
async function claim(deps: WebhookDeps, limit: number): Promise<(WebhookDeliveryRow & { seq: bigint })[]> {
  const now = deps.clock.now();
  const until = new Date(now.getTime() + LEASE_MS);
  const { rows } = await sql<WebhookDeliveryRow & { seq: bigint }>`
    update webhook_deliveries set claimed_until = ${until}, attempts = attempts + 1
    where id in (
      select d.id from webhook_deliveries d join platform_events e on e.id = d.event_id
      where d.status = 'pending' and d.next_attempt_at <= ${now}
        and (d.claimed_until is null or d.claimed_until < ${now})
      order by e.seq
      limit ${limit}
      for update of d skip locked
    )
    returning *, (select seq from platform_events e where e.id = event_id) as seq`.execute(deps.db);
  return rows.sort((a, b) => Number(a.seq - b.seq));
}

/** Sends what is due, batch after batch, until nothing is left or maxRows were handled. */
export async function deliverWebhooks(
  deps: WebhookDeps,
  options: { batch?: number; maxRows?: number } = {},
): Promise<WebhookReport> {
  const report: WebhookReport = { delivered: 0, retrying: 0, failed: 0 };
  const schedule = deps.retrySchedule ?? WEBHOOK_RETRY_SCHEDULE_MS;
  const maxRows = options.maxRows ?? 200;
  let handled = 0;
  while (handled < maxRows) {
    const rows = await claim(deps, Math.min(options.batch ?? 20, maxRows - handled));
    if (rows.length === 0) break;
    handled += rows.length;
    // In the order of the events to each platform; platforms independently, so that one slow
    // receiver does not hold the others up.
    const byPlatform = new Map<string, typeof rows>();
    for (const r of rows) byPlatform.set(r.client_id, [...(byPlatform.get(r.client_id) ?? []), r]);
    const send = async (row: (typeof rows)[number]): Promise<keyof WebhookReport> => {
      const outcome = await attempt(deps, row, row.attempts, false);
      const now = deps.clock.now();
      const giveUp = !outcome.ok && row.attempts > schedule.length;
      const status: DeliveryStatus = outcome.ok ? "delivered" : giveUp ? "failed" : "pending";
      await deps.db
        .updateTable("webhook_deliveries")
        .set({
          status,
          claimed_until: null,
          last_status: outcome.statusCode,
          last_error: outcome.error,
          ...(outcome.ok
            ? { delivered_at: now }
            : { next_attempt_at: new Date(now.getTime() + (schedule[row.attempts - 1] ?? 0)) }),
        })
        .where("id", "=", row.id)
        .where("status", "=", "pending")
        .execute();
      return outcome.ok ? "delivered" : giveUp ? "failed" : "retrying";
    };
    await Promise.all(
      [...byPlatform.values()].map(async (queue) => {
        for (const row of queue) report[await send(row)] += 1;
      }),
    );
  }
  return report;
}

export async function webhooksDue(db: Kysely<Database>, now: Date): Promise<boolean> {
  const row = await db
    .selectFrom("webhook_deliveries")
    .select("id")
    .where("status", "=", "pending")
    .where("next_attempt_at", "<=", now)
    .where((eb) => eb.or([eb("claimed_until", "is", null), eb("claimed_until", "<", now)]))
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * The back office sends a delivery again now, whatever its status (a platform that lost an event,
 * or one fixed after the retries ran out): logged as a replay, audited, and a 2xx marks it delivered.
 */
export async function replayDelivery(
  deps: WebhookDeps,
  actor: Actor,
  deliveryId: string,
): Promise<DeliveryView> {
  requireRole(actor, "admin");
  const row = await deps.db
    .selectFrom("webhook_deliveries")
    .selectAll()
    .where("id", "=", deliveryId)
    .executeTakeFirst();
  if (!row) throw new DomainError("webhook.delivery_not_found", { id: deliveryId });
  const number = row.attempts + 1;
  const outcome = await attempt(deps, row, number, true);
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (tx) => {
    await tx
      .updateTable("webhook_deliveries")
      .set({
        attempts: number,
        last_status: outcome.statusCode,
        last_error: outcome.error,
        ...(outcome.ok ? { status: "delivered", delivered_at: now } : {}),
      })
      .where("id", "=", row.id)
      .execute();
    await appendAudit(
      tx,
      {
        actor: actorLabel(actor),
        action: "webhook.replay",
        subjectType: "platform",
        subjectId: row.client_id,
        data: { deliveryId: row.id, eventId: row.event_id, ok: outcome.ok, status: outcome.statusCode },
      },
      now,
    );
  });
  return (await listDeliveries(deps.db, { deliveryId: row.id }))[0]!;
}

// ---- the delivery log ---------------------------------------------------------------------------

export interface DeliveryView {
  id: string;
  platform: string;
  url: string;
  status: DeliveryStatus;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  createdAt: string;
  event: { id: string; type: string; createdAt: string; data: Record<string, unknown> };
  log: {
    attempt: number;
    startedAt: string;
    durationMs: number;
    statusCode: number | null;
    error: string | null;
    replay: boolean;
  }[];
}

export async function listDeliveries(
  db: Kysely<Database>,
  filter: { platform?: string; status?: DeliveryStatus; deliveryId?: string; limit?: number },
): Promise<DeliveryView[]> {
  let q = db
    .selectFrom("webhook_deliveries")
    .innerJoin("platform_events", "platform_events.id", "webhook_deliveries.event_id")
    .selectAll("webhook_deliveries")
    .select([
      "platform_events.type as event_type",
      "platform_events.data as event_data",
      "platform_events.created_at as event_created_at",
    ])
    .orderBy("webhook_deliveries.created_at", "desc")
    .orderBy("webhook_deliveries.id")
    .limit(Math.min(filter.limit ?? 100, 500));
  if (filter.platform) q = q.where("webhook_deliveries.client_id", "=", filter.platform);
  if (filter.status) q = q.where("webhook_deliveries.status", "=", filter.status);
  if (filter.deliveryId) q = q.where("webhook_deliveries.id", "=", filter.deliveryId);
  const rows = await q.execute();
  const ids = rows.map((r) => r.id);
  const attempts =
    ids.length === 0
      ? []
      : await db
          .selectFrom("webhook_attempts")
          .selectAll()
          .where("delivery_id", "in", ids)
          .orderBy("id")
          .execute();
  return rows.map((r) => ({
    id: r.id,
    platform: r.client_id,
    url: r.url,
    status: r.status,
    attempts: r.attempts,
    lastStatus: r.last_status,
    lastError: r.last_error,
    nextAttemptAt: r.status === "pending" ? r.next_attempt_at.toISOString() : null,
    deliveredAt: r.delivered_at?.toISOString() ?? null,
    createdAt: r.created_at.toISOString(),
    event: {
      id: r.event_id,
      type: r.event_type,
      createdAt: r.event_created_at.toISOString(),
      data: r.event_data,
    },
    log: attempts
      .filter((a) => a.delivery_id === r.id)
      .map((a) => ({
        attempt: a.attempt,
        startedAt: a.started_at.toISOString(),
        durationMs: a.duration_ms,
        statusCode: a.status_code,
        error: a.error,
        replay: a.replay,
      })),
  }));
}
