/**
 * The desk's steps after an order is placed: review (approve, reject with reasons, resubmit),
 * paper received, production done, shipped, delivered, activated, bound. Each records its facts
 * and moves the order in one transaction.
 */
import { randomUUID } from "node:crypto";
import type { Transaction } from "kysely";
import { calendarDate, shanghaiDate } from "../domain/dates.js";
import { DomainError } from "../domain/errors.js";
import { pendingStep, type OrderState } from "../domain/lifecycle.js";
import { assertAllowed, oneAccountOneCertificate } from "../domain/rules.js";
import { validateCourierNumber, type CourierCarrier } from "../domain/validators.js";
import { appendAudit } from "../store/audit.js";
import type { Database, OrderRow } from "../store/schema.js";
import { actorLabel, type Actor } from "./actor.js";
import {
  assertCanSee,
  flowOf,
  lockOrder,
  transitionInTx,
  viewOf,
  type OrderDeps,
  type OrderDetails,
  type OrderView,
  type Rejection,
} from "./orders.js";
import { getProgramme } from "./programmes.js";

async function step(
  deps: OrderDeps,
  run: (tx: Transaction<Database>) => Promise<OrderRow>,
): Promise<OrderView> {
  return viewOf(deps, await deps.db.transaction().execute(run));
}

export async function approveOrder(
  deps: OrderDeps,
  actor: Actor,
  orderId: string,
  note?: string,
): Promise<OrderView> {
  return step(deps, (tx) => transitionInTx(tx, deps, actor, orderId, "approve", { reason: note }));
}

export async function rejectOrder(
  deps: OrderDeps,
  actor: Actor,
  orderId: string,
  input: { reason: string; items?: { target: string; reason: string }[] },
): Promise<OrderView> {
  const reason = input.reason.trim();
  if (!reason) throw new DomainError("order.rejection_reason_required");
  const rejection: Rejection = {
    reason,
    items: (input.items ?? []).filter((i) => i.reason.trim()),
    at: deps.clock.now().toISOString(),
  };
  return step(deps, (tx) =>
    transitionInTx(tx, deps, actor, orderId, "reject", {
      reason,
      data: { items: rejection.items },
      patch: { rejection },
    }),
  );
}

export async function resubmitOrder(
  deps: OrderDeps,
  actor: Actor,
  orderId: string,
  changes?: Partial<OrderDetails>,
): Promise<OrderView> {
  return step(deps, async (tx) => {
    const order = await lockOrder(tx, orderId);
    const details = { ...(order.details as OrderDetails), ...(changes ?? {}) };
    return transitionInTx(tx, deps, actor, orderId, "resubmit", {
      patch: { rejection: null, details },
      data: { changed: Object.keys(changes ?? {}) },
    });
  });
}

export async function receivePaper(
  deps: OrderDeps,
  actor: Actor,
  orderId: string,
  note?: string,
): Promise<OrderView> {
  return step(deps, (tx) => transitionInTx(tx, deps, actor, orderId, "receive_paper", { reason: note }));
}

export interface ProducedCertificate {
  serial: string;
  subject: string;
  notBefore: Date;
  notAfter: Date;
}

/** Records the certificates made for an order (one per key) and marks production done. */
export async function finishProduction(
  deps: OrderDeps,
  actor: Actor,
  orderId: string,
  certificates: ProducedCertificate[],
): Promise<OrderView> {
  return step(deps, async (tx) => {
    const order = await lockOrder(tx, orderId);
    if (order.state !== "in_production") await transitionInTx(tx, deps, actor, orderId, "start_production");
    let first: string | null = null;
    for (const c of certificates) {
      const id = randomUUID();
      first ??= id;
      await tx
        .insertInto("certificates")
        .values({
          id,
          serial: c.serial.toLowerCase(),
          order_id: order.id,
          organisation_id: order.organisation_id,
          programme_id: order.programme_id,
          subject: c.subject,
          not_before: c.notBefore,
          not_after: c.notAfter,
          activated_at: null,
          revoked_at: null,
          revocation_reason: null,
          created_at: deps.clock.now(),
        })
        .execute();
    }
    return transitionInTx(tx, deps, actor, orderId, "finish_production", {
      data: { certificates: certificates.map((c) => c.serial) },
      patch: first && !order.certificate_id ? { certificate_id: first } : {},
    });
  });
}

export async function shipOrder(
  deps: OrderDeps,
  actor: Actor,
  orderId: string,
  input: { carrier: CourierCarrier; trackingNumber: string },
): Promise<OrderView> {
  const check = validateCourierNumber(input.carrier, input.trackingNumber);
  if (!check.valid) throw new DomainError(check.reason, { field: "trackingNumber", ...(check.params ?? {}) });
  return step(deps, async (tx) => {
    const order = await lockOrder(tx, orderId);
    const moved = await transitionInTx(tx, deps, actor, orderId, "ship", {
      data: { carrier: input.carrier, trackingNumber: check.value },
    });
    await tx
      .insertInto("shipments")
      .values({
        id: randomUUID(),
        order_id: order.id,
        carrier: input.carrier,
        tracking_number: check.value,
        shipped_at: deps.clock.now(),
        delivered_on: null,
      })
      .execute();
    return moved;
  });
}

/** The courier's delivery was signed for on that day (it starts the refund window). */
export async function deliverOrder(
  deps: OrderDeps,
  actor: Actor,
  orderId: string,
  signedOn?: string,
): Promise<OrderView> {
  const day = signedOn ? calendarDate(signedOn) : shanghaiDate(deps.clock.now());
  return step(deps, async (tx) => {
    const moved = await transitionInTx(tx, deps, actor, orderId, "deliver", { data: { signedOn: day } });
    await tx
      .updateTable("shipments")
      .set({ delivered_on: day })
      .where("order_id", "=", orderId)
      .where("delivered_on", "is", null)
      .execute();
    return moved;
  });
}

/** The holder activates a certificate on its key; that ends refund eligibility. */
export async function activateCertificate(
  deps: OrderDeps,
  actor: Actor,
  certificateId: string,
): Promise<OrderView | undefined> {
  const now = deps.clock.now();
  const row = await deps.db.transaction().execute(async (tx) => {
    const cert = await tx
      .selectFrom("certificates")
      .selectAll()
      .where("id", "=", certificateId)
      .forUpdate()
      .executeTakeFirst();
    if (!cert || !cert.organisation_id) throw new DomainError("order.certificate_not_found");
    assertCanSee(actor, { organisation_id: cert.organisation_id });
    if (cert.activated_at) return undefined;
    if (cert.status === "revoked")
      throw new DomainError("rules.certificate.revoked", { service: "activation" });
    await tx
      .updateTable("certificates")
      .set({ activated_at: now, status: "active" })
      .where("id", "=", cert.id)
      .execute();
    await appendAudit(
      tx,
      {
        actor: actorLabel(actor),
        action: "certificate.activate",
        subjectType: "certificate",
        subjectId: cert.id,
        data: { serial: cert.serial },
      },
      now,
    );
    if (!cert.order_id) return undefined;
    const order = await lockOrder(tx, cert.order_id);
    const flow = flowOf(await getProgramme(tx, order.programme_id), order.service);
    if (pendingStep(flow, order.state as OrderState) !== "activation") return undefined;
    return transitionInTx(tx, deps, actor, order.id, "activate", { data: { certificateId: cert.id } });
  });
  return row ? viewOf(deps, row) : undefined;
}

/**
 * Binds a platform account to a certificate: one account to one certificate and one certificate to
 * one account, held by the store's unique indexes even when two requests race.
 */
export async function bindAccount(
  deps: OrderDeps,
  actor: Actor,
  input: { certificateId: string; programmeId: string; accountName: string },
): Promise<{ bindingId: string }> {
  const now = deps.clock.now();
  try {
    return await deps.db.transaction().execute(async (tx) => {
      const cert = await tx
        .selectFrom("certificates")
        .selectAll()
        .where("id", "=", input.certificateId)
        .executeTakeFirst();
      if (!cert || !cert.organisation_id) throw new DomainError("order.certificate_not_found");
      assertCanSee(actor, { organisation_id: cert.organisation_id });
      if (cert.status === "revoked")
        throw new DomainError("rules.certificate.revoked", { service: "binding" });
      let account = await tx
        .selectFrom("platform_accounts")
        .selectAll()
        .where("programme_id", "=", input.programmeId)
        .where("account_name", "=", input.accountName)
        .executeTakeFirst();
      if (account && account.organisation_id !== cert.organisation_id)
        throw new DomainError("binding.account_not_found");
      if (!account) {
        account = await tx
          .insertInto("platform_accounts")
          .values({
            id: randomUUID(),
            programme_id: input.programmeId,
            organisation_id: cert.organisation_id,
            account_name: input.accountName,
            created_at: now,
          })
          .onConflict((oc) => oc.columns(["programme_id", "account_name"]).doNothing())
          .returningAll()
          .executeTakeFirst();
        account ??= await tx
          .selectFrom("platform_accounts")
          .selectAll()
          .where("programme_id", "=", input.programmeId)
          .where("account_name", "=", input.accountName)
          .executeTakeFirstOrThrow();
      }
      const accountBinding = await tx
        .selectFrom("bindings")
        .select("certificate_id")
        .where("platform_account_id", "=", account.id)
        .where("unbound_at", "is", null)
        .executeTakeFirst();
      const certBinding = await tx
        .selectFrom("bindings")
        .select("platform_account_id")
        .where("certificate_id", "=", cert.id)
        .where("unbound_at", "is", null)
        .executeTakeFirst();
      assertAllowed(
        oneAccountOneCertificate({
          accountId: account.id,
          certificateId: cert.id,
          accountBoundCertificate: accountBinding
            ? { certificateId: accountBinding.certificate_id, active: true }
            : null,
          certificateBoundAccount: certBinding?.platform_account_id ?? null,
        }),
      );
      if (accountBinding?.certificate_id === cert.id) {
        const existing = await tx
          .selectFrom("bindings")
          .select("id")
          .where("certificate_id", "=", cert.id)
          .where("unbound_at", "is", null)
          .executeTakeFirstOrThrow();
        return { bindingId: existing.id };
      }
      const bindingId = randomUUID();
      await tx
        .insertInto("bindings")
        .values({
          id: bindingId,
          platform_account_id: account.id,
          certificate_id: cert.id,
          bound_at: now,
          unbound_at: null,
          unbound_reason: null,
        })
        .execute();
      await appendAudit(
        tx,
        {
          actor: actorLabel(actor),
          action: "binding.bind",
          subjectType: "certificate",
          subjectId: cert.id,
          data: { account: input.accountName, programme: input.programmeId },
        },
        now,
      );
      if (cert.order_id) {
        const order = await lockOrder(tx, cert.order_id);
        const flow = flowOf(await getProgramme(tx, order.programme_id), order.service);
        if (pendingStep(flow, order.state as OrderState) === "binding")
          await transitionInTx(tx, deps, actor, order.id, "bind", { data: { bindingId } });
      }
      return { bindingId };
    });
  } catch (e) {
    if (typeof e === "object" && e !== null && (e as { code?: unknown }).code === "23505") {
      throw new DomainError("rules.binding.account_has_certificate");
    }
    throw e;
  }
}
