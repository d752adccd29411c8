/**
 * The courier's waybill number of the paper originals the applicant mails: given (and corrected)
 * in the portal until the reviewer records the paper received, then kept as it was. The reviewer
 * sees it beside the "paper received" action.
 */
import { DomainError } from "../domain/errors.js";
import { paperStillToArrive, type OrderState, type Step } from "../domain/lifecycle.js";
import { validateCarrierName, validateTrackingNumber } from "../domain/validators.js";
import { appendAudit } from "../store/audit.js";
import { actorLabel, type Actor } from "../people/actor.js";
import { assertCanSee, lockOrder, viewOf, type OrderDeps, type OrderView } from "./orders.js";

export async function recordPaperTracking(
  deps: OrderDeps,
  actor: Actor,
  orderId: string,
  input: { carrier: string; trackingNumber: string },
): Promise<OrderView> {
  if (actor.kind !== "applicant") throw new DomainError("auth.forbidden");
  const carrier = validateCarrierName(input.carrier);
  if (!carrier.valid) throw new DomainError(carrier.reason, { field: "carrier", ...(carrier.params ?? {}) });
  const number = validateTrackingNumber(input.trackingNumber);
  if (!number.valid)
    throw new DomainError(number.reason, { field: "trackingNumber", ...(number.params ?? {}) });

  const row = await deps.db.transaction().execute(async (tx) => {
    const order = await lockOrder(tx, orderId);
    assertCanSee(actor, order);
    // The steps the order was created with, as its transitions read them.
    const flow = { steps: order.steps as Step[] };
    if (!flow.steps.includes("paper")) throw new DomainError("order.paper_not_needed");
    if (!paperStillToArrive(flow, order.state as OrderState))
      throw new DomainError("order.paper_already_received");
    const now = deps.clock.now();
    const updated = await tx
      .updateTable("orders")
      .set({
        paper_carrier: carrier.value,
        paper_tracking_number: number.value,
        paper_tracking_at: now,
        updated_at: now,
      })
      .where("id", "=", order.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await appendAudit(
      tx,
      {
        actor: actorLabel(actor),
        action: "order.paper_tracking",
        subjectType: "order",
        subjectId: order.id,
        data: {
          carrier: carrier.value,
          trackingNumber: number.value,
          ...(order.paper_tracking_number ? { previous: order.paper_tracking_number } : {}),
        },
      },
      now,
    );
    return updated;
  });
  return viewOf(deps, row);
}
