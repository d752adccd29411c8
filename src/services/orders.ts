/**
 * Orders: created from a quote, moved through their service's lifecycle by the people (and jobs)
 * allowed to, each move audited in the same transaction. The rules of domain/rules.ts decide
 * whether a service may be ordered at all; domain/lifecycle.ts decides what may happen next.
 */
import { randomUUID } from "node:crypto";
import { sql, type Kysely, type Transaction } from "kysely";
import type { Clock } from "../domain/clock.js";
import { shanghaiDate, type CalendarDate } from "../domain/dates.js";
import { DomainError } from "../domain/errors.js";
import {
  currentStepIndex,
  isOrderState,
  nextState,
  pendingStep,
  TERMINAL_STATES,
  type OrderEvent,
  type OrderState,
  type ServiceFlow,
  type Step,
} from "../domain/lifecycle.js";
import type { Programme, ServiceCode, ServiceDefinition } from "../domain/programme.js";
import { serviceCodeSchema } from "../domain/programme.js";
import {
  assertAllowed,
  beforeExpiryEligibility,
  deadline,
  deadlineStatus,
  refundEligibility,
  oneSealPerCertificate,
  renewalEligibility,
  sealChangeEligibility,
  sealExistsForChange,
  sealTypeAllowed,
  unlockApproval,
  type DeadlineKind,
} from "../domain/rules.js";
import { quote, type Quote, type QuoteRequest } from "../domain/tariff.js";
import type { WorkingDays } from "../domain/working-days.js";
import { notifyOrderEvent } from "../notify/order-events.js";
import { appendAudit } from "../store/audit.js";
import type { Database, OrderRow } from "../store/schema.js";
import { sealStore } from "../store/schema-seals.js";
import { actorLabel, type Actor, type StaffRole } from "./actor.js";
import { getProgramme } from "./programmes.js";
import { assertRefundPaidBack } from "./refunds.js";
import {
  notifyRevoked,
  revokeOrderCertificatesInTx,
  type RevocationListener,
  type RevokedCertificate,
} from "./revocation.js";

export interface OrderDeps {
  db: Kysely<Database>;
  clock: Clock;
  calendar: WorkingDays;
  /** The CRL and OCSP publication: told, after commit, of certificates a refund revokes. */
  publication?: RevocationListener | undefined;
}

/** What the applicant fills in; which fields matter depends on the service. */
export interface OrderDetails {
  years?: number;
  keys?: number;
  plan?: string;
  courier?: "prepaid" | "cash-on-delivery";
  certificateId?: string;
  targetOrderId?: string;
  platformAccount?: string;
  sealRequested?: boolean;
  sealName?: string;
  sealType?: string;
  newOrganisationName?: string;
  reason?: string;
  invoice?: { title: string; taxNumber: string; email?: string };
  mailingAddress?: { recipient: string; phone: string; address: string };
  [key: string]: unknown;
}

export interface CreateOrderInput {
  programmeId: string;
  service: string;
  details: OrderDetails;
  idempotencyKey?: string | undefined;
  submit?: boolean | undefined;
}

export interface OrderView {
  id: string;
  number: string;
  programmeId: string;
  service: ServiceCode;
  state: OrderState;
  details: OrderDetails;
  quote: Quote;
  totalFen: number;
  certificateId: string | null;
  targetOrderId: string | null;
  rejection: Rejection | null;
  pendingStep: string | null;
  due: { kind: string; on: string; remainingWorkingDays: number | null; overdue: boolean } | null;
  createdAt: string;
  updatedAt: string;
}

export interface Rejection {
  reason: string;
  /** Per material or field, what to fix: shown beside it in the portal. */
  items: { target: string; reason: string }[];
  at: string;
  /** Per rejected material, the scan on file when it was rejected: a resubmission needs another. */
  onFile?: Record<string, string>;
}

export function flowOf(
  programme: Programme,
  service: string,
): ServiceFlow & { definition: ServiceDefinition } {
  const code = serviceCodeSchema.safeParse(service);
  const definition = code.success ? programme.services[code.data] : undefined;
  if (!definition) throw new DomainError("order.service_not_offered", { service, programme: programme.id });
  return { steps: definition.steps, definition };
}

// ---- who may do what --------------------------------------------------------------------------

type Doer = "owner" | StaffRole | "system";
const EVENT_DOERS: Record<OrderEvent, readonly Doer[]> = {
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
const SERVICE_DOERS: Partial<Record<string, Partial<Record<OrderEvent, readonly Doer[]>>>> = {
  refund: { fulfil: ["finance", "system"] },
};

function mayDo(
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

/** An applicant sees only its own organisation's orders; staff see all. */
export function assertCanSee(actor: Actor, order: Pick<OrderRow, "organisation_id">): void {
  if (actor.kind === "applicant" && actor.organisationId !== order.organisation_id) {
    throw new DomainError("order.not_found");
  }
}

// ---- quote and create -------------------------------------------------------------------------

export function quoteFor(
  programme: Programme,
  service: string,
  details: OrderDetails,
  coveredByPlan?: string,
): Quote {
  const code = serviceCodeSchema.safeParse(service);
  if (!code.success) throw new DomainError("order.service_not_offered", { service, programme: programme.id });
  // A service without a price (a refund) costs nothing to order.
  if (programme.services[code.data]?.fee === "none") return { currency: "CNY", total: 0, items: [] };
  const request: QuoteRequest = { service: code.data };
  if (details.years !== undefined) request.years = details.years;
  if (details.keys !== undefined) request.keys = details.keys;
  if (details.plan !== undefined) request.plan = details.plan;
  if (details.courier !== undefined) request.courier = details.courier;
  if (coveredByPlan !== undefined) request.coveredByPlan = coveredByPlan;
  return quote(programme, request);
}

export async function createOrder(
  deps: OrderDeps,
  actor: Actor,
  input: CreateOrderInput,
): Promise<OrderView> {
  if (actor.kind !== "applicant") throw new DomainError("auth.forbidden");
  const programme = await getProgramme(deps.db, input.programmeId);
  const flow = flowOf(programme, input.service);
  const now = deps.clock.now();
  const today = shanghaiDate(now);

  if (input.idempotencyKey) {
    const previous = await findByIdempotencyKey(deps.db, actor.userId, input.idempotencyKey);
    if (previous) return viewOf(deps, previous);
  }

  const details = { ...input.details };
  const context = await checkEligibility(deps, actor, programme, input.service, details, today);
  const priced = quoteFor(programme, input.service, details, context.coveredByPlan);

  try {
    const row = await deps.db.transaction().execute(async (tx) => {
      const id = randomUUID();
      const seq = await sqlNextOrderNumber(tx);
      const number = `CD${today.replaceAll("-", "")}${String(seq).padStart(6, "0")}`;
      let order = await tx
        .insertInto("orders")
        .values({
          id,
          number,
          programme_id: programme.id,
          service: input.service,
          organisation_id: actor.organisationId,
          applicant_id: actor.userId,
          state: "draft",
          details: JSON.stringify(details),
          quote: JSON.stringify(priced),
          total_fen: priced.total,
          certificate_id: details.certificateId ?? null,
          target_order_id: details.targetOrderId ?? null,
          rejection: null,
          due_kind: null,
          due_on: null,
          idempotency_key: input.idempotencyKey ?? null,
          steps: [...flow.steps],
          created_at: now,
          updated_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await appendAudit(
        tx,
        {
          actor: actorLabel(actor),
          action: "order.create",
          subjectType: "order",
          subjectId: id,
          toState: "draft",
          data: { number, service: input.service, totalFen: priced.total },
        },
        now,
      );
      if (input.submit) order = await submitInTx(tx, deps, actor, programme, order, flow);
      return order;
    });
    return viewOf(deps, row);
  } catch (e) {
    // Two requests with one idempotency key raced: the loser returns the winner's order.
    if (input.idempotencyKey && isUniqueViolation(e)) {
      const previous = await findByIdempotencyKey(deps.db, actor.userId, input.idempotencyKey);
      if (previous) return viewOf(deps, previous);
    }
    // Two refund requests for one order raced past the check: the store let one in.
    if (isUniqueViolation(e, "orders_one_open_refund_request") && details.targetOrderId)
      await assertNoOpenRefundRequest(deps.db, details.targetOrderId);
    throw e;
  }
}

async function sqlNextOrderNumber(tx: Transaction<Database>): Promise<bigint> {
  const { rows } = await sql<{ n: bigint }>`select nextval('order_number_seq') as n`.execute(tx);
  return rows[0]!.n;
}

function isUniqueViolation(e: unknown, constraint?: string): boolean {
  if (typeof e !== "object" || e === null) return false;
  const { code, constraint: violated } = e as { code?: unknown; constraint?: unknown };
  return code === "23505" && (constraint === undefined || violated === constraint);
}

/** One refund request open per order at a time (and the store's orders_one_open_refund_request). */
async function assertNoOpenRefundRequest(db: Kysely<Database>, targetOrderId: string): Promise<void> {
  const open = await db
    .selectFrom("orders")
    .select("number")
    .where("target_order_id", "=", targetOrderId)
    .where("service", "=", "refund")
    .where("state", "not in", TERMINAL_STATES)
    .executeTakeFirst();
  if (open) throw new DomainError("refund.already_requested", { number: open.number });
}

async function findByIdempotencyKey(db: Kysely<Database>, applicantId: string, key: string) {
  return db
    .selectFrom("orders")
    .selectAll()
    .where("applicant_id", "=", applicantId)
    .where("idempotency_key", "=", key)
    .executeTakeFirst();
}

/** The certificate an order acts on must belong to the applicant's organisation. */
async function ownCertificate(
  deps: OrderDeps,
  actor: Extract<Actor, { kind: "applicant" }>,
  id: string | undefined,
) {
  if (!id) throw new DomainError("order.certificate_required");
  const cert = await deps.db.selectFrom("certificates").selectAll().where("id", "=", id).executeTakeFirst();
  if (!cert || cert.organisation_id !== actor.organisationId)
    throw new DomainError("order.certificate_not_found");
  return cert;
}

/** Runs the domain rules that decide whether this service may be ordered now. */
async function checkEligibility(
  deps: OrderDeps,
  actor: Extract<Actor, { kind: "applicant" }>,
  programme: Programme,
  service: string,
  details: OrderDetails,
  today: CalendarDate,
): Promise<{ coveredByPlan?: string }> {
  const { rules } = programme;
  switch (service) {
    case "new": {
      if (details.sealRequested) assertAllowed(sealTypeAllowed(details.sealType ?? ""));
      return {};
    }
    case "renewal": {
      const cert = await ownCertificate(deps, actor, details.certificateId);
      assertAllowed(
        renewalEligibility({
          today,
          certificateNotAfter: cert.not_after,
          windowDays: rules.renewalWindowDays ?? 90,
          revoked: cert.status === "revoked",
        }),
      );
      return {};
    }
    case "change":
    case "reissue":
    case "seal-apply":
    case "seal-change": {
      const cert = await ownCertificate(deps, actor, details.certificateId);
      const revoked =
        cert.status === "revoked" ? { reason: (cert.revocation_reason ?? "unspecified") as never } : false;
      assertAllowed(
        beforeExpiryEligibility(service, { today, certificateNotAfter: cert.not_after, revoked }),
      );
      if (service === "seal-apply" || service === "seal-change") {
        assertAllowed(sealTypeAllowed(details.sealType ?? ""));
        const existingSeal = await currentSeal(deps, cert.id);
        if (service === "seal-apply") assertAllowed(oneSealPerCertificate({ existingSeal }));
        else assertAllowed(sealExistsForChange({ existingSeal }));
        const organisation = await deps.db
          .selectFrom("organisations")
          .select("name")
          .where("id", "=", actor.organisationId)
          .executeTakeFirstOrThrow();
        assertAllowed(
          sealChangeEligibility({
            certificateOrganisationName: organisation.name,
            requestedSealName: details.sealName ?? "",
          }),
        );
      }
      if (service === "change" || service === "reissue") details.validityEnd = cert.not_after.toISOString();
      return programme.services[service]?.fee === "per-time"
        ? await planOfCertificate(deps, cert.order_id)
        : {};
    }
    case "unlock":
    case "pin-reset":
    case "format":
    case "remote-support": {
      if (details.certificateId) {
        const cert = await ownCertificate(deps, actor, details.certificateId);
        return { ...(await planOfCertificate(deps, cert.order_id)) };
      }
      return {};
    }
    case "refund": {
      const target = await refundTarget(deps, actor, details.targetOrderId);
      await assertNoOpenRefundRequest(deps.db, target.id);
      const decision = await refundDecision(deps, target, today);
      assertAllowed(decision);
      return {};
    }
    default:
      return {};
  }
}

/** The seal a certificate holds: its live (not replaced) seal in the seals table. */
async function currentSeal(deps: OrderDeps, certificateId: string): Promise<{ name: string } | undefined> {
  const row = await sealStore(deps.db)
    .selectFrom("seals")
    .select(["name", "es_id"])
    .where("certificate_id", "=", certificateId)
    .where("replaced_at", "is", null)
    .executeTakeFirst();
  return row ? { name: row.name ?? row.es_id } : undefined;
}

/** Keys on an all-inclusive plan get single services free: the plan comes from the order that made them. */
async function planOfCertificate(
  deps: OrderDeps,
  orderId: string | null,
): Promise<{ coveredByPlan?: string }> {
  if (!orderId) return {};
  const order = await deps.db
    .selectFrom("orders")
    .select("details")
    .where("id", "=", orderId)
    .executeTakeFirst();
  const plan = (order?.details as OrderDetails | undefined)?.plan;
  return plan ? { coveredByPlan: plan } : {};
}

async function refundTarget(
  deps: OrderDeps,
  actor: Actor,
  targetOrderId: string | undefined,
): Promise<OrderRow> {
  if (!targetOrderId) throw new DomainError("order.target_required");
  const target = await deps.db
    .selectFrom("orders")
    .selectAll()
    .where("id", "=", targetOrderId)
    .executeTakeFirst();
  if (!target) throw new DomainError("order.not_found");
  assertCanSee(actor, target);
  return target;
}

/** The refund rule, fed from what the store knows about the order. */
export async function refundDecision(deps: Pick<OrderDeps, "db">, target: OrderRow, today: CalendarDate) {
  const programme = await getProgramme(deps.db, target.programme_id);
  const flow = flowOf(programme, target.service);
  const state = target.state as OrderState;
  const reviewAt = flow.steps.indexOf("review");
  const at = currentStepIndex(flow, state);
  const caAccepted = reviewAt >= 0 && at !== undefined && at > reviewAt;
  const shipment = await deps.db
    .selectFrom("shipments")
    .select("delivered_on")
    .where("order_id", "=", target.id)
    .orderBy("shipped_at", "desc")
    .executeTakeFirst();
  const activated = await deps.db
    .selectFrom("certificates")
    .select("id")
    .where("order_id", "=", target.id)
    .where("activated_at", "is not", null)
    .executeTakeFirst();
  const paid = await deps.db
    .selectFrom("payments")
    .select("id")
    .where("order_id", "=", target.id)
    .where("status", "=", "succeeded")
    .executeTakeFirst();
  if (!paid) return { allowed: false as const, reason: "rules.refund.nothing_paid" as never, params: {} };
  return refundEligibility({
    today,
    caAccepted,
    activated: Boolean(activated) || ["activated", "bound", "completed"].includes(state),
    deliverySignedOn: (shipment?.delivered_on as CalendarDate | null | undefined) ?? null,
    activationWindowDays: programme.rules.refundActivationWindowDays ?? 14,
    refunded: state === "refunded",
  });
}

// ---- moving an order --------------------------------------------------------------------------

export interface TransitionOptions {
  reason?: string | undefined;
  data?: Record<string, unknown>;
  /** Extra column updates made in the same transaction (rejection details and the like). */
  patch?: Partial<Pick<OrderRow, "rejection" | "certificate_id">> & { details?: OrderDetails };
  /** Collects certificates revoked by the move, for the caller to announce after commit. */
  revoked?: RevokedCertificate[];
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
  const order = await lockOrder(tx, orderId);
  assertCanSee(actor, order);
  const programme = await getProgramme(tx, order.programme_id);
  const flow = flowOf(programme, order.service);
  if (event === "submit") return submitInTx(tx, deps, actor, programme, order, flow);
  return applyEvent(tx, deps, actor, programme, order, flow, event, options);
}

export async function lockOrder(tx: Transaction<Database>, orderId: string): Promise<OrderRow> {
  const order = await tx
    .selectFrom("orders")
    .selectAll()
    .where("id", "=", orderId)
    .forUpdate()
    .executeTakeFirst();
  if (!order) throw new DomainError("order.not_found");
  return order;
}

async function submitInTx(
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
async function routeUnlock(
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
async function assertMaterialsComplete(
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

async function applyEvent(
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
  // The applicant hears of the move from the outbox, committed with the move itself.
  await notifyOrderEvent(tx, {
    programme,
    order: updated,
    event,
    reason: options.reason,
    data: options.data,
    now,
  });
  // A refund paid back ends the order it refunds, in the same transaction.
  if (order.service === "refund" && event === "fulfil" && order.target_order_id) {
    await assertRefundPaidBack(tx, order);
    await transitionInTx(tx, deps, actor, order.target_order_id, "refund", {
      reason: `refund order ${order.number}`,
      ...(options.revoked ? { revoked: options.revoked } : {}),
    });
  }
  // A refunded order's certificates end with it: the key was never activated and comes back.
  if (event === "refund") {
    const revoked = await revokeOrderCertificatesInTx(tx, deps, actor, order.id, {
      reason: "cessationOfOperation",
      trigger: `refund ${order.number}`,
    });
    options.revoked?.push(...revoked);
  }
  // Every step done: the order completes in the same transaction.
  if (!TERMINAL_STATES.includes(to) && currentStepIndex(flow, to) === flow.steps.length) {
    return applyEvent(
      tx,
      deps,
      { kind: "system", name: "lifecycle" },
      programme,
      updated,
      flow,
      "complete",
      {},
    );
  }
  return updated;
}

/** The working-day deadline that starts when an order arrives in a state, per the programme's rules. */
function dueAfter(
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

// ---- reading ----------------------------------------------------------------------------------

export async function getOrder(deps: OrderDeps, actor: Actor, orderId: string): Promise<OrderView> {
  const row = await deps.db.selectFrom("orders").selectAll().where("id", "=", orderId).executeTakeFirst();
  if (!row) throw new DomainError("order.not_found");
  assertCanSee(actor, row);
  return viewOf(deps, row);
}

export async function listOrders(
  deps: OrderDeps,
  actor: Actor,
  filter: {
    state?: string | undefined;
    programmeId?: string | undefined;
    service?: string | undefined;
    limit?: number | undefined;
  },
): Promise<OrderView[]> {
  let q = deps.db.selectFrom("orders").selectAll();
  if (actor.kind === "applicant") q = q.where("organisation_id", "=", actor.organisationId);
  if (filter.state) {
    if (!isOrderState(filter.state))
      throw new DomainError("common.validation", { detail: `state ${filter.state}` });
    q = q.where("state", "=", filter.state);
  }
  if (filter.programmeId) q = q.where("programme_id", "=", filter.programmeId);
  if (filter.service) q = q.where("service", "=", filter.service);
  const rows = await q
    .orderBy("created_at", "desc")
    .limit(Math.min(filter.limit ?? 100, 500))
    .execute();
  return rows.map((r) => viewOf(deps, r));
}

export function viewOf(deps: Pick<OrderDeps, "clock" | "calendar">, row: OrderRow): OrderView {
  const today = shanghaiDate(deps.clock.now());
  let due: OrderView["due"] = null;
  if (row.due_kind && row.due_on) {
    let status: { remainingWorkingDays: number | null; overdue: boolean };
    try {
      status = deadlineStatus({ due: row.due_on as CalendarDate, today, calendar: deps.calendar });
    } catch {
      // A deadline in a year without a calendar still shows; the countdown cannot be counted.
      status = { remainingWorkingDays: null, overdue: today > row.due_on };
    }
    due = { kind: row.due_kind, on: row.due_on, ...status };
  }
  return {
    id: row.id,
    number: row.number,
    programmeId: row.programme_id,
    service: row.service as ServiceCode,
    state: row.state as OrderState,
    details: row.details as OrderDetails,
    quote: row.quote as Quote,
    totalFen: Number(row.total_fen),
    certificateId: row.certificate_id,
    targetOrderId: row.target_order_id,
    rejection: (row.rejection as Rejection | null) ?? null,
    pendingStep: pendingStep({ steps: row.steps as Step[] }, row.state as OrderState) ?? null,
    due,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
