/**
 * Deadline tracking: an order whose working-day deadline (review, production, refund payment,
 * invoice) has passed is recorded as overdue once per order and deadline (deadline_alerts), with
 * an audit row, and the staff whose role does that work are alerted by e-mail and SMS. The order's
 * own countdown (remainingWorkingDays, overdue) is in every order view; this list is the back
 * office's "what is late" page.
 */
import { sql, type Kysely } from "kysely";
import type { Clock } from "../domain/clock.js";
import { shanghaiDate, type CalendarDate } from "../domain/dates.js";
import { deadlineStatus, type DeadlineKind } from "../domain/rules.js";
import type { WorkingDays } from "../domain/working-days.js";
import { translate } from "../i18n/catalogue.js";
import { enqueue, userRecipient } from "../notify/outbox.js";
import { localizedParam } from "../notify/templates.js";
import { appendAudit } from "../store/audit.js";
import type { Database } from "../store/schema.js";
import type { StaffRole } from "../people/actor.js";

export interface DeadlineDeps {
  db: Kysely<Database>;
  clock: Clock;
  calendar: WorkingDays;
}

/** Who does the work each deadline waits for. */
export const DEADLINE_ROLES: Record<DeadlineKind, StaffRole> = {
  review: "reviewer",
  production: "production",
  "refund-payment": "finance",
  invoice: "finance",
};

export interface OverdueOrder {
  orderId: string;
  number: string;
  programmeId: string;
  service: string;
  state: string;
  kind: string;
  dueOn: string;
  lateWorkingDays: number | null;
  alertedAt: string | null;
}

/** Orders past a deadline, most overdue first. An invoice deadline is met once the invoice exists. */
export async function overdueOrders(deps: DeadlineDeps): Promise<OverdueOrder[]> {
  const today = shanghaiDate(deps.clock.now());
  const rows = await deps.db
    .selectFrom("orders")
    .leftJoin("deadline_alerts", (j) =>
      j
        .onRef("deadline_alerts.order_id", "=", "orders.id")
        .onRef("deadline_alerts.kind", "=", "orders.due_kind")
        .onRef("deadline_alerts.due_on", "=", "orders.due_on"),
    )
    .select([
      "orders.id",
      "orders.number",
      "orders.programme_id",
      "orders.service",
      "orders.state",
      "orders.due_kind",
      "orders.due_on",
      "deadline_alerts.alerted_at",
    ])
    .where("orders.due_kind", "is not", null)
    .where("orders.due_on", "<", today)
    .where("orders.state", "not in", ["cancelled", "expired", "refunded"])
    .where((eb) =>
      eb.or([
        eb("orders.due_kind", "<>", "invoice"),
        eb.not(
          eb.exists(eb.selectFrom("invoices").select("id").whereRef("invoices.order_id", "=", "orders.id")),
        ),
      ]),
    )
    .orderBy("orders.due_on")
    .limit(1000)
    .execute();
  return rows.map((r) => {
    let late: number | null;
    try {
      late = -deadlineStatus({ due: r.due_on as CalendarDate, today, calendar: deps.calendar })
        .remainingWorkingDays;
    } catch {
      late = null;
    }
    return {
      orderId: r.id,
      number: r.number,
      programmeId: r.programme_id,
      service: r.service,
      state: r.state,
      kind: r.due_kind!,
      dueOn: r.due_on!,
      lateWorkingDays: late,
      alertedAt: r.alerted_at?.toISOString() ?? null,
    };
  });
}

/** Records each newly overdue deadline once and alerts the staff responsible. */
export async function alertOverdueDeadlines(
  deps: DeadlineDeps,
): Promise<{ alerted: number; messages: number }> {
  const now = deps.clock.now();
  const report = { alerted: 0, messages: 0 };
  for (const o of await overdueOrders(deps)) {
    if (o.alertedAt) continue;
    const role = DEADLINE_ROLES[o.kind as DeadlineKind];
    const done = await deps.db.transaction().execute(async (tx) => {
      const inserted = await tx
        .insertInto("deadline_alerts")
        .values({ order_id: o.orderId, kind: o.kind, due_on: o.dueOn, alerted_at: now })
        .onConflict((oc) => oc.columns(["order_id", "kind", "due_on"]).doNothing())
        .returning("order_id")
        .executeTakeFirst();
      if (!inserted) return 0;
      await appendAudit(
        tx,
        {
          actor: "system:scheduler",
          action: "deadline.overdue",
          subjectType: "order",
          subjectId: o.orderId,
          data: { kind: o.kind, dueOn: o.dueOn, role: role ?? "admin" },
        },
        now,
      );
      const staff = await tx
        .selectFrom("users")
        .select("id")
        .where("kind", "=", "staff")
        .where("disabled", "=", false)
        .where(sql<boolean>`(${role ?? "admin"}::text = any(roles) or 'admin' = any(roles))`)
        .execute();
      let messages = 0;
      const deadline = {
        "zh-CN": translate(`notify.deadline.${o.kind}`, "zh-CN"),
        en: translate(`notify.deadline.${o.kind}`, "en"),
      };
      for (const s of staff) {
        const to = await userRecipient(tx, s.id);
        if (!to) continue;
        messages += await enqueue(
          tx,
          {
            kind: "alert",
            template: "deadline-overdue",
            params: { number: o.number, dueOn: o.dueOn, ...localizedParam("deadline", deadline) },
            subject: { type: "order", id: o.orderId },
            dedupeKey: `overdue:${o.orderId}:${o.kind}:${o.dueOn}:${s.id}`,
            to,
          },
          now,
        );
      }
      return 1 + messages;
    });
    if (done > 0) {
      report.alerted += 1;
      report.messages += done - 1;
    }
  }
  return report;
}
