/**
 * Creating an order from a quote: eligibility, idempotency, the order number, and submission
 * when the order needs no further step.
 */
import { randomUUID } from "node:crypto";
import { sql, type Kysely, type Transaction } from "kysely";
import { shanghaiDate } from "../domain/dates.js";
import { DomainError } from "../domain/errors.js";
import { appendAudit } from "../store/audit.js";
import type { Database } from "../store/schema.js";
import { actorLabel, type Actor } from "../people/actor.js";
import { serviceCodeSchema } from "../domain/programme.js";
import { normaliseBasket } from "./order-basket.js";
import { getProgramme } from "./programmes.js";
import { checkEligibility } from "./eligibility.js";
import { submitInTx } from "./transitions.js";
import {
  type OrderDeps,
  type CreateOrderInput,
  type OrderView,
  flowOf,
  quoteFor,
  assertNoOpenRefundRequest,
  viewOf,
} from "./orders.js";

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
  if (details.lines !== undefined) {
    const code = serviceCodeSchema.safeParse(input.service);
    if (!code.success)
      throw new DomainError("order.service_not_offered", { service: input.service, programme: programme.id });
    normaliseBasket(programme, code.data, details);
  }
  const context = await checkEligibility(deps, actor, programme, input.service, details, today, {
    acknowledgeExistingCertificate: input.acknowledgeExistingCertificate,
  });
  // A basket's lines carry their own plans and terms: quoted from the lines, not the merged keys.
  const priced = quoteFor(
    programme,
    input.service,
    details.lines ? { lines: details.lines } : details,
    context.keyPlans,
  );

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
          // An order on several keys belongs to none of them alone: the desk fulfils it.
          certificate_id: (details.certificateIds?.length ?? 0) > 1 ? null : (details.certificateId ?? null),
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

export async function sqlNextOrderNumber(tx: Transaction<Database>): Promise<bigint> {
  const { rows } = await sql<{ n: bigint }>`select nextval('order_number_seq') as n`.execute(tx);
  return rows[0]!.n;
}

export function isUniqueViolation(e: unknown, constraint?: string): boolean {
  if (typeof e !== "object" || e === null) return false;
  const { code, constraint: violated } = e as { code?: unknown; constraint?: unknown };
  return code === "23505" && (constraint === undefined || violated === constraint);
}

export async function findByIdempotencyKey(db: Kysely<Database>, applicantId: string, key: string) {
  return db
    .selectFrom("orders")
    .selectAll()
    .where("applicant_id", "=", applicantId)
    .where("idempotency_key", "=", key)
    .executeTakeFirst();
}
