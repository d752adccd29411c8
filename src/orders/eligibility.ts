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
  newCertificateBesideValid,
  refundEligibility,
  oneSealPerCertificate,
  renewalEligibility,
  sealNameEligibility,
  sealExistsForChange,
  sealTypeAllowed,
} from "../domain/rules.js";
import type { OrderRow } from "../store/schema.js";
import { sealStore } from "../store/schema-seals.js";
import type { Actor } from "../people/actor.js";
import { normaliseCertificates, planOfCertificate } from "./order-basket.js";
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

/** Services whose certificate must be inside a window or before its end (domain/rules.ts). */
const TIMED_SERVICES = ["renewal", "change", "reissue", "seal-apply", "seal-change"] as const;
type TimedService = (typeof TIMED_SERVICES)[number];

export function isTimedService(service: string): service is TimedService {
  return (TIMED_SERVICES as readonly string[]).includes(service);
}

/**
 * Whether the organisation's certificate may have this service today: the renewal window, the
 * end of validity, revocation. The one check both the quote and the order run, so a certificate
 * outside its window is refused before any price is shown.
 */
export async function certificateEligibility(
  deps: OrderDeps,
  actor: Extract<Actor, { kind: "applicant" }>,
  programme: Programme,
  service: TimedService,
  certificateId: string | undefined,
  today: CalendarDate,
) {
  const cert = await ownCertificate(deps, actor, certificateId);
  if (service === "renewal") {
    assertAllowed(
      renewalEligibility({
        today,
        certificateNotAfter: cert.not_after,
        windowDays: programme.rules.renewalWindowDays ?? 90,
        revoked: cert.status === "revoked",
      }),
    );
  } else {
    const revoked =
      cert.status === "revoked" ? { reason: (cert.revocation_reason ?? "unspecified") as never } : false;
    assertAllowed(beforeExpiryEligibility(service, { today, certificateNotAfter: cert.not_after, revoked }));
  }
  return cert;
}

/** A new certificate beside a valid one in the programme needs the applicant's acknowledgement. */
async function assertNewBesideValidAcknowledged(
  deps: OrderDeps,
  actor: Extract<Actor, { kind: "applicant" }>,
  programme: Programme,
  today: CalendarDate,
  acknowledged: boolean,
): Promise<void> {
  if (acknowledged) return;
  const held = await deps.db
    .selectFrom("certificates")
    .select(["serial", "not_after", "status"])
    .where("organisation_id", "=", actor.organisationId)
    .where("programme_id", "=", programme.id)
    .execute();
  assertAllowed(
    newCertificateBesideValid({
      today,
      held: held.map((c) => ({ serial: c.serial, notAfter: c.not_after, revoked: c.status === "revoked" })),
      acknowledged,
    }),
  );
}

/** Runs the domain rules that decide whether this service may be ordered now. */
export async function checkEligibility(
  deps: OrderDeps,
  actor: Extract<Actor, { kind: "applicant" }>,
  programme: Programme,
  service: string,
  details: OrderDetails,
  today: CalendarDate,
  options: { acknowledgeExistingCertificate?: boolean | undefined } = {},
): Promise<{ keyPlans?: (string | undefined)[] }> {
  switch (service) {
    case "new": {
      await assertNewBesideValidAcknowledged(
        deps,
        actor,
        programme,
        today,
        options.acknowledgeExistingCertificate === true,
      );
      if (details.sealRequested) {
        assertAllowed(sealTypeAllowed(details.sealType ?? ""));
        // The seal name is checked now, not at production; none given, the seal gets the default name.
        if (details.sealName?.trim()) await assertSealName(deps, actor, details);
      }
      return {};
    }
    case "renewal": {
      await certificateEligibility(deps, actor, programme, service, details.certificateId, today);
      return {};
    }
    case "change":
    case "reissue":
    case "seal-apply":
    case "seal-change": {
      const cert = await certificateEligibility(
        deps,
        actor,
        programme,
        service,
        details.certificateId,
        today,
      );
      if (service === "seal-apply" || service === "seal-change") {
        assertAllowed(sealTypeAllowed(details.sealType ?? ""));
        const existingSeal = await currentSeal(deps, cert.id);
        if (service === "seal-apply") assertAllowed(oneSealPerCertificate({ existingSeal }));
        else assertAllowed(sealExistsForChange({ existingSeal }));
        await assertSealName(deps, actor, details);
      }
      if (service === "change" || service === "reissue") details.validityEnd = cert.not_after.toISOString();
      return programme.services[service]?.fee === "per-time"
        ? { keyPlans: [await planOfCertificate(deps.db, cert)] }
        : {};
    }
    case "unlock":
    case "pin-reset":
    case "format":
    case "remote-support": {
      // One order may name several keys; each key's plan decides whether it pays.
      const keyPlans: (string | undefined)[] = [];
      for (const id of normaliseCertificates(details)) {
        keyPlans.push(await planOfCertificate(deps.db, await ownCertificate(deps, actor, id)));
      }
      return keyPlans.length > 0 ? { keyPlans } : {};
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

/** The seal's name is the organisation's registered name followed by its type's word. */
async function assertSealName(
  deps: OrderDeps,
  actor: Extract<Actor, { kind: "applicant" }>,
  details: OrderDetails,
): Promise<void> {
  const organisation = await deps.db
    .selectFrom("organisations")
    .select("name")
    .where("id", "=", actor.organisationId)
    .executeTakeFirstOrThrow();
  assertAllowed(
    sealNameEligibility({
      organisationName: organisation.name,
      sealType: details.sealType ?? "",
      sealName: details.sealName ?? "",
    }),
  );
}
