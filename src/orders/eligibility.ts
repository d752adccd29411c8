/**
 * Whether an organisation may order a service now (domain/rules.ts decides, from its certificates,
 * seals and open refunds), and the refund decision for an order: the refund rule's inputs.
 */
import type { CalendarDate } from "../domain/dates.js";
import { DomainError } from "../domain/errors.js";
import { currentStepIndex, type OrderState } from "../domain/lifecycle.js";
import type { Programme } from "../domain/programme.js";
import {
  assertAllowed,
  beforeExpiryEligibility,
  refundEligibility,
  oneSealPerCertificate,
  renewalEligibility,
  sealChangeEligibility,
  sealExistsForChange,
  sealTypeAllowed,
} from "../domain/rules.js";
import type { OrderRow } from "../store/schema.js";
import { sealStore } from "../store/schema-seals.js";
import type { Actor } from "../people/actor.js";
import { getProgramme } from "./programmes.js";
import {
  type OrderDeps,
  type OrderDetails,
  flowOf,
  assertCanSee,
  assertNoOpenRefundRequest,
} from "./orders.js";

/** The certificate an order acts on must belong to the applicant's organisation. */
export async function ownCertificate(
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
export async function checkEligibility(
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
export async function currentSeal(
  deps: OrderDeps,
  certificateId: string,
): Promise<{ name: string } | undefined> {
  const row = await sealStore(deps.db)
    .selectFrom("seals")
    .select(["name", "es_id"])
    .where("certificate_id", "=", certificateId)
    .where("replaced_at", "is", null)
    .executeTakeFirst();
  return row ? { name: row.name ?? row.es_id } : undefined;
}

/** Keys on an all-inclusive plan get single services free: the plan comes from the order that made them. */
export async function planOfCertificate(
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

export async function refundTarget(
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
