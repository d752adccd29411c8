/**
 * Order transitions: who may move an order, the move itself (domain/lifecycle.ts decides what may
 * happen next), submission with its materials check, and the routing of an unlock order.
 */
import type { Transaction } from "kysely";
import { shanghaiDate, type CalendarDate } from "../domain/dates.js";
import { DomainError } from "../domain/errors.js";
import {
  nextState,
  pendingStep,
  type OrderEvent,
  type OrderState,
  type ServiceFlow,
} from "../domain/lifecycle.js";
import type { Programme, ServiceDefinition } from "../domain/programme.js";
import { deadline, unlockApproval, type DeadlineKind } from "../domain/rules.js";
import { notifyOrderEvent } from "../notify/order-events.js";
import { appendAudit } from "../store/audit.js";
import type { Database, OrderRow } from "../store/schema.js";
import { actorLabel, type Actor, type StaffRole } from "../people/actor.js";
import { getProgramme } from "./programmes.js";
import { assertRefundPaidBack } from "../money/refund-checks.js";
import { transitionEffects, type OrderEffect } from "../domain/order-effects.js";
import { notifyRevoked, revokeOrderCertificatesInTx, type RevokedCertificate } from "../ca/revocation.js";
import {
  type OrderDeps,
  type OrderDetails,
  type OrderView,
  flowOf,
  assertCanSee,
  lockOrder,
  viewOf,
} from "./orders.js";

// ---- who may do what --------------------------------------------------------------------------

export type Doer = "owner" | StaffRole | "system";
export const EVENT_DOERS: Record<OrderEvent, readonly Doer[]> = {
  submit: ["owner"],
  resubmit: ["owner"],
  cancel: ["owner", "reviewer"],
  pay: ["system", "finance"],
  start_review: ["reviewer"],
  approve: ["reviewer", "system"],
  reject: ["reviewer"],
  receive_paper: ["reviewer"],
  start_production: ["production", "system"],
  finish_production: ["production", "system"],
  ship: ["production"],
  deliver: ["production", "system"],
  activate: ["owner", "system"],
  bind: ["owner", "system"],
  // The service itself is done by the desk (a refund paid back, a PIN reset, an unlock code issued).
  fulfil: ["production", "reviewer", "finance", "system"],
  complete: ["system"],
  expire: ["system"],
  refund: ["finance", "system"],
};

/** Money goes back only through finance. */
export const SERVICE_DOERS: Partial<Record<string, Partial<Record<OrderEvent, readonly Doer[]>>>> = {
  refund: { fulfil: ["finance", "system"] },
};

export function mayDo(
  actor: Actor,
  event: OrderEvent,
  order: Pick<OrderRow, "organisation_id" | "service">,
): boolean {
  const doers = SERVICE_DOERS[order.service]?.[event] ?? EVENT_DOERS[event];
  switch (actor.kind) {
    case "system":
      return doers.includes("system");
    case "applicant":
      return doers.includes("owner") && actor.organisationId === order.organisation_id;
    case "staff":
      return actor.roles.includes("admin") || actor.roles.some((r) => doers.includes(r));
  }
}

// ---- moving an order --------------------------------------------------------------------------

export interface TransitionOptions {
  reason?: string | undefined;
  data?: Record<string, unknown>;
  /** Extra column updates made in the same transaction (rejection details and the like). */
  patch?: Partial<Pick<OrderRow, "rejection" | "certificate_id">> & { details?: OrderDetails };
  /** Collects certificates revoked by the move, for the caller to announce after commit. */
  revoked?: RevokedCertificate[];
  /** The order as the caller locked it in this transaction (lockOrder), and its programme: not read again. */
  locked?: { order: OrderRow; programme: Programme } | undefined;
}

/**
 * Applies one event to one order: access check, lifecycle, deadline, audit, in one transaction
 * with the order row locked, so two staff clicking at once cannot both move it.
 */
export async function transitionOrder(
  deps: OrderDeps,
  actor: Actor,
  orderId: string,
  event: OrderEvent,
  options: TransitionOptions = {},
): Promise<OrderView> {
  const revoked: RevokedCertificate[] = [];
  const row = await deps.db
    .transaction()
    .execute((tx) => transitionInTx(tx, deps, actor, orderId, event, { ...options, revoked }));
  await notifyRevoked(deps.publication, revoked);
  return viewOf(deps, row);
}

/** The same, inside a transaction the caller holds (payment, production, shipping record their facts with it). */
export async function transitionInTx(
  tx: Transaction<Database>,
  deps: OrderDeps,
  actor: Actor,
  orderId: string,
  event: OrderEvent,
  options: TransitionOptions = {},
): Promise<OrderRow> {
  const locked = options.locked?.order.id === orderId ? options.locked : undefined;
  const order = locked?.order ?? (await lockOrder(tx, orderId));
  assertCanSee(actor, order);
  const programme = locked?.programme ?? (await getProgramme(tx, order.programme_id));
  const flow = flowOf(programme, order.service);
  if (event === "submit") return submitInTx(tx, deps, actor, programme, order, flow);
  return applyEvent(tx, deps, actor, programme, order, flow, event, options);
}

export async function submitInTx(
  tx: Transaction<Database>,
  deps: OrderDeps,
  actor: Actor,
  programme: Programme,
  order: OrderRow,
  flow: ServiceFlow & { definition: ServiceDefinition },
): Promise<OrderRow> {
  await assertMaterialsComplete(tx, order, flow.definition);
  let updated = await applyEvent(tx, deps, actor, programme, order, flow, "submit", {});
  if (order.service === "unlock") updated = await routeUnlock(tx, deps, programme, updated, flow);
  return updated;
}

/** Unlock: approved at once when the requester handled the organisation's latest order, else reviewed. */
export async function routeUnlock(
  tx: Transaction<Database>,
  deps: OrderDeps,
  programme: Programme,
  order: OrderRow,
  flow: ServiceFlow,
): Promise<OrderRow> {
  const latest = await tx
    .selectFrom("orders")
    .select("applicant_id")
    .where("organisation_id", "=", order.organisation_id)
    .where("service", "in", ["new", "renewal", "change", "reissue"])
    .where("state", "not in", ["draft", "cancelled", "expired"])
    .orderBy("created_at", "desc")
    .executeTakeFirst();
  const approval = unlockApproval({
    requesterHandlerId: order.applicant_id,
    mostRecentOrderHandlerId: latest?.applicant_id,
    reviewDueWorkingDays: programme.rules.unlockReviewDeadlineWorkingDays ?? 2,
  });
  if (approval.mode === "auto" && pendingStep(flow, order.state as OrderState) === "review") {
    return applyEvent(
      tx,
      deps,
      { kind: "system", name: "unlock-auto-approval" },
      programme,
      order,
      flow,
      "approve",
      {
        reason: "requester is the handler of the most recent order",
      },
    );
  }
  return order;
}

/** Materials the applicant must upload before submitting (those mailed on paper are checked later). */
export async function assertMaterialsComplete(
  tx: Transaction<Database>,
  order: OrderRow,
  definition: ServiceDefinition,
) {
  const details = order.details as OrderDetails;
  const required = definition.materials.filter(
    (m) =>
      m.submission.includes("upload") &&
      !m.optional &&
      (!m.condition || (m.condition === "seal-requested" && details.sealRequested === true)),
  );
  if (required.length === 0) return;
  const uploaded = await tx
    .selectFrom("materials")
    .select("material_id")
    .where("order_id", "=", order.id)
    .where("superseded_at", "is", null)
    .execute();
  const have = new Set(uploaded.map((u) => u.material_id));
  const missing = required.filter((m) => !have.has(m.id));
  if (missing.length > 0) {
    throw new DomainError("order.materials_missing", {
      materials: missing.map((m) => m.name["zh-CN"]).join("、"),
      materialsEn: missing.map((m) => m.name.en).join(", "),
      ids: missing.map((m) => m.id).join(","),
    });
  }
}

export async function applyEvent(
  tx: Transaction<Database>,
  deps: OrderDeps,
  actor: Actor,
  programme: Programme,
  order: OrderRow,
  flow: ServiceFlow,
  event: OrderEvent,
  options: TransitionOptions,
): Promise<OrderRow> {
  if (!mayDo(actor, event, order)) throw new DomainError("auth.forbidden");
  const from = order.state as OrderState;
  const to = nextState(flow, from, event);
  const now = deps.clock.now();
  const due = dueAfter(deps, programme, order.service, flow, to, shanghaiDate(now));
  const set: Record<string, unknown> = {
    state: to,
    version: order.version + 1,
    updated_at: now,
    due_kind: due?.kind ?? null,
    due_on: due?.on ?? null,
  };
  if (options.patch?.rejection !== undefined)
    set.rejection = options.patch.rejection === null ? null : JSON.stringify(options.patch.rejection);
  if (options.patch?.certificate_id !== undefined) set.certificate_id = options.patch.certificate_id;
  if (options.patch?.details !== undefined) set.details = JSON.stringify(options.patch.details);
  const updated = await tx
    .updateTable("orders")
    .set(set)
    .where("id", "=", order.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await appendAudit(
    tx,
    {
      actor: actorLabel(actor),
      action: `order.${event}`,
      subjectType: "order",
      subjectId: order.id,
      fromState: from,
      toState: to,
      reason: options.reason ?? null,
      data: options.data ?? {},
    },
    now,
  );
  const effects = transitionEffects({
    service: order.service,
    event,
    to,
    flow,
    targetOrderId: order.target_order_id,
  });
  return runEffects(tx, deps, actor, { programme, flow, order, updated, event, now }, effects, options);
}

/**
 * The one runner of a transition's effects (domain/order-effects.ts decides them), in the same
 * transaction as the move. Each calls the capability that owns it; none of those calls back here.
 */
async function runEffects(
  tx: Transaction<Database>,
  deps: OrderDeps,
  actor: Actor,
  move: {
    programme: Programme;
    flow: ServiceFlow;
    order: OrderRow;
    updated: OrderRow;
    event: OrderEvent;
    now: Date;
  },
  effects: OrderEffect[],
  options: TransitionOptions,
): Promise<OrderRow> {
  const { programme, flow, order, updated, event, now } = move;
  let result = updated;
  for (const effect of effects) {
    switch (effect.kind) {
      case "notify":
        // Committed with the move itself.
        await notifyOrderEvent(tx, {
          programme,
          order: updated,
          event,
          reason: options.reason,
          data: options.data,
          now,
        });
        break;
      case "assert-refund-paid-back":
        await assertRefundPaidBack(tx, order);
        break;
      case "refund-target":
        await transitionInTx(tx, deps, actor, effect.orderId, "refund", {
          reason: `refund order ${order.number}`,
          ...(options.revoked ? { revoked: options.revoked } : {}),
        });
        break;
      case "revoke-certificates": {
        const revoked = await revokeOrderCertificatesInTx(tx, deps, actor, order.id, {
          reason: effect.reason,
          trigger: `refund ${order.number}`,
        });
        options.revoked?.push(...revoked);
        break;
      }
      case "complete":
        result = await applyEvent(
          tx,
          deps,
          { kind: "system", name: "lifecycle" },
          programme,
          updated,
          flow,
          "complete",
          {},
        );
        break;
    }
  }
  return result;
}

/** The working-day deadline that starts when an order arrives in a state, per the programme's rules. */
export function dueAfter(
  deps: OrderDeps,
  programme: Programme,
  service: string,
  flow: ServiceFlow,
  state: OrderState,
  today: CalendarDate,
): { kind: DeadlineKind; on: CalendarDate } | undefined {
  const rules = programme.rules;
  const step = pendingStep(flow, state);
  const make = (kind: DeadlineKind, days: number | undefined) =>
    days === undefined
      ? undefined
      : { kind, on: deadline(kind, { from: today, workingDays: days, calendar: deps.calendar }) };
  if (state === "completed" && service !== "refund") return make("invoice", rules.invoiceDeadlineWorkingDays);
  if (service === "refund" && step === "fulfilment")
    return make("refund-payment", rules.refundPaymentDeadlineWorkingDays);
  if (service === "unlock" && step === "review") return make("review", rules.unlockReviewDeadlineWorkingDays);
  if (step === "production" && state !== "in_production")
    return make("production", rules.productionDeadlineWorkingDays);
  if (state === "in_production") return make("production", rules.productionDeadlineWorkingDays);
  return undefined;
}
