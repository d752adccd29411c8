/**
 * Orders: created from a quote, moved through their service's lifecycle by the people (and jobs)
 * allowed to, each move audited in the same transaction. The rules of domain/rules.ts decide
 * whether a service may be ordered at all; domain/lifecycle.ts decides what may happen next.
 */
import type { Kysely, Transaction } from "kysely";
import type { Clock } from "../domain/clock.js";
import { shanghaiDate, type CalendarDate } from "../domain/dates.js";
import { DomainError } from "../domain/errors.js";
import {
  isOrderState,
  pendingStep,
  TERMINAL_STATES,
  type OrderState,
  type ServiceFlow,
  type Step,
} from "../domain/lifecycle.js";
import type { Programme, ServiceCode, ServiceDefinition } from "../domain/programme.js";
import { serviceCodeSchema } from "../domain/programme.js";
import { deadlineStatus } from "../domain/rules.js";
import { quoteBasket, quoteForKeys, type BasketLine } from "../domain/basket.js";
import { quote, type Quote, type QuoteRequest } from "../domain/tariff.js";
import type { WorkingDays } from "../domain/working-days.js";
import type { Database, OrderRow } from "../store/schema.js";
import type { Actor } from "../people/actor.js";
import type { RevocationListener } from "../ca/revocation.js";

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
  /** A basket (programme B): lines of plan × term × keys in one order; then no years, plan or keys. */
  lines?: BasketLine[];
  courier?: "prepaid" | "cash-on-delivery";
  certificateId?: string;
  /** A single service on several keys at once: their certificates (the first is certificateId). */
  certificateIds?: string[];
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
  /** A new certificate while the organisation holds a valid one: the applicant confirmed it. */
  acknowledgeExistingCertificate?: boolean | undefined;
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
  /** The courier's waybill number of the mailed paper originals, as the applicant gave it. */
  paperTracking: { carrier: string; trackingNumber: string; at: string } | null;
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

/** An applicant sees only its own organisation's orders; staff see all. */
export function assertCanSee(actor: Actor, order: Pick<OrderRow, "organisation_id">): void {
  if (actor.kind === "applicant" && actor.organisationId !== order.organisation_id) {
    throw new DomainError("order.not_found");
  }
}

// ---- quote and create -------------------------------------------------------------------------

/**
 * The order's price. `coverage` is the plan of the keys a single service is for: one plan for all
 * of them, or each key's plan (a single service on several keys on different plans).
 */
export function quoteFor(
  programme: Programme,
  service: string,
  details: OrderDetails,
  coverage?: string | readonly (string | undefined)[],
): Quote {
  const code = serviceCodeSchema.safeParse(service);
  if (!code.success) throw new DomainError("order.service_not_offered", { service, programme: programme.id });
  // A service without a price (a refund) costs nothing to order.
  if (programme.services[code.data]?.fee === "none") return { currency: "CNY", total: 0, items: [] };
  if (details.lines !== undefined) return quoteBasket(programme, code.data, details.lines).quote;
  if (typeof coverage === "object" && coverage.length > 1)
    return quoteForKeys(programme, code.data, coverage);
  const coveredByPlan = typeof coverage === "object" ? coverage[0] : coverage;
  const request: QuoteRequest = { service: code.data };
  if (details.years !== undefined) request.years = details.years;
  if (details.keys !== undefined) request.keys = details.keys;
  if (details.plan !== undefined) request.plan = details.plan;
  if (details.courier !== undefined) request.courier = details.courier;
  if (coveredByPlan !== undefined) request.coveredByPlan = coveredByPlan;
  return quote(programme, request);
}

/** One refund request open per order at a time (and the store's orders_one_open_refund_request). */
export async function assertNoOpenRefundRequest(db: Kysely<Database>, targetOrderId: string): Promise<void> {
  const open = await db
    .selectFrom("orders")
    .select("number")
    .where("target_order_id", "=", targetOrderId)
    .where("service", "=", "refund")
    .where("state", "not in", TERMINAL_STATES)
    .executeTakeFirst();
  if (open) throw new DomainError("refund.already_requested", { number: open.number });
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
    paperTracking:
      row.paper_carrier && row.paper_tracking_number
        ? {
            carrier: row.paper_carrier,
            trackingNumber: row.paper_tracking_number,
            at: (row.paper_tracking_at ?? row.updated_at).toISOString(),
          }
        : null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
