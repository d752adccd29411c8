/**
 * Seals on keys: a seal order's electronic seal is made by the seal-maker CA and installed on the key.
 */
import { DomainError } from "../domain/errors.js";
import { pendingStep, type OrderState } from "../domain/lifecycle.js";
import { appendAudit } from "../store/audit.js";
import "../store/schema-keys.js";
import { actorLabel, type Actor } from "../people/actor.js";
import { flowOf, lockOrder } from "../orders/orders.js";
import { transitionInTx } from "../orders/transitions.js";
import { getProgramme } from "../orders/programmes.js";
import { type KeyDeps, keyBySerial } from "./keys.js";

// ---- seals ------------------------------------------------------------------------------------

export const SEAL_SERVICES = ["seal-apply", "seal-change"];

/**
 * The seal to install on the key: the seal the desk made for its certificate's seal order
 * (at activation), or for the new order that asked for a seal.
 */
export async function sealForKey(
  deps: KeyDeps,
  actor: Actor,
  serial: string,
): Promise<{ orderId: string; sealName: string; seal: string }> {
  const key = await keyBySerial(deps.db, actor, serial);
  if (!key.certificate_id) throw new DomainError("keys.no_certificate", { serial });
  const candidates = await deps.db
    .selectFrom("orders")
    .selectAll()
    .where((eb) =>
      eb.or([
        eb.and([eb("certificate_id", "=", key.certificate_id), eb("service", "in", SEAL_SERVICES)]),
        eb("id", "=", key.order_id),
      ]),
    )
    .where("state", "not in", ["draft", "cancelled", "expired", "refunded"])
    .orderBy("created_at", "desc")
    .execute();
  const programme = await getProgramme(deps.db, key.programme_id);
  const order = candidates.find((o) => {
    const step = pendingStep(flowOf(programme, o.service), o.state as OrderState);
    if (SEAL_SERVICES.includes(o.service)) return step === "production" || step === "activation";
    return (o.details as { sealRequested?: boolean }).sealRequested === true;
  });
  if (!order) throw new DomainError("keys.no_seal_order", { serial });
  const existing = await deps.db
    .selectFrom("seals")
    .selectAll()
    .where("order_id", "=", order.id)
    .executeTakeFirst();
  const details = order.details as { sealName?: string; sealType?: string };
  const organisation = await deps.db
    .selectFrom("organisations")
    .select("name")
    .where("id", "=", order.organisation_id)
    .executeTakeFirstOrThrow();
  const sealName = details.sealName?.trim() || organisation.name;
  if (existing) return { orderId: order.id, sealName, seal: Buffer.from(existing.der).toString("base64") };
  // The desk makes the seal from the organisation's stamped imprint (seals/seals.ts produceSeal);
  // until production has made it there is nothing to install.
  throw new DomainError("keys.seal_not_made", { order: order.number });
}

/** The client wrote the seal on the key: a seal order's activation step is done. */
export async function sealInstalled(
  deps: KeyDeps,
  actor: Actor,
  serial: string,
  orderId: string,
): Promise<void> {
  if (actor.kind !== "applicant") throw new DomainError("auth.forbidden");
  const key = await keyBySerial(deps.db, actor, serial);
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (tx) => {
    const order = await lockOrder(tx, orderId);
    if (order.organisation_id !== key.organisation_id) throw new DomainError("order.not_found");
    const seal = await tx
      .selectFrom("seals")
      .select(["es_id", "certificate_id"])
      .where("order_id", "=", orderId)
      .executeTakeFirst();
    if (!seal || seal.certificate_id !== key.certificate_id)
      throw new DomainError("keys.no_seal_order", { serial });
    await appendAudit(
      tx,
      {
        actor: actorLabel(actor),
        action: "key.seal.install",
        subjectType: "usb_key",
        subjectId: key.id,
        data: { serial, orderId, esId: seal.es_id },
      },
      now,
    );
    const programme = await getProgramme(tx, order.programme_id);
    if (pendingStep(flowOf(programme, order.service), order.state as OrderState) === "activation")
      await transitionInTx(tx, deps, actor, orderId, "activate", { data: { esId: seal.es_id } });
  });
}
