/**
 * Bank transfers: the applicant's receipt uploaded, read and listed; finance confirms or rejects it.
 */
import { randomUUID } from "node:crypto";
import type { Transaction } from "kysely";
import { DomainError } from "../domain/errors.js";
import { enqueue, userRecipient } from "../notify/outbox.js";
import { MAX_STORED_IMAGE_PIXELS, assertImageWithinLimits } from "../seal/image-header.js";
import { appendAudit } from "../store/audit.js";
import type { Database, OrderRow } from "../store/schema.js";
import type { TransferReceiptRow } from "../store/schema-money.js";
import { actorLabel, type Actor } from "../people/actor.js";
import { sha256Hex, sniffFileKind } from "../orders/materials.js";
import { assertCanSee, lockOrder, type OrderDeps, type OrderDetails } from "../orders/orders.js";
import { transitionInTx } from "../orders/transitions.js";
import { requireRole } from "../people/people.js";
import { getProgramme } from "../orders/programmes.js";

// ---- bank transfer (programme B) --------------------------------------------------------------

export interface ReceiptView {
  id: string;
  orderId: string;
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
  plan: string | null;
  years: number;
  amountFen: number;
  payerAccount: string | null;
  status: TransferReceiptRow["status"];
  reason: string | null;
  uploadedAt: string;
  decidedAt: string | null;
}

export function receiptView(r: Omit<TransferReceiptRow, "content">): ReceiptView {
  return {
    id: r.id,
    orderId: r.order_id,
    filename: r.filename,
    contentType: r.content_type,
    size: r.size,
    sha256: r.sha256,
    plan: r.plan,
    years: r.years,
    amountFen: Number(r.amount_fen),
    payerAccount: r.payer_account,
    status: r.status,
    reason: r.reason,
    uploadedAt: r.uploaded_at.toISOString(),
    decidedAt: r.decided_at?.toISOString() ?? null,
  };
}

export const RECEIPT_TYPES = { pdf: "application/pdf", jpg: "image/jpeg", png: "image/png" } as const;

/** The customer sends the transfer receipt and states the plan and term it paid for. */
export async function uploadTransferReceipt(
  deps: OrderDeps & { uploadLimitBytes: number },
  actor: Actor,
  input: {
    orderId: string;
    filename: string;
    bytes: Uint8Array;
    plan?: string | undefined;
    years: number;
    payerAccount?: string | undefined;
  },
): Promise<ReceiptView> {
  if (actor.kind !== "applicant") throw new DomainError("auth.forbidden");
  if (input.bytes.length === 0) throw new DomainError("payment.receipt_required");
  if (input.bytes.length > deps.uploadLimitBytes) {
    throw new DomainError("material.too_large", {
      size: (input.bytes.length / 1048576).toFixed(1),
      limit: Math.floor(deps.uploadLimitBytes / 1048576),
    });
  }
  const kind = sniffFileKind(input.bytes);
  if (!kind) throw new DomainError("payment.receipt_type_refused");
  assertImageWithinLimits(input.bytes, MAX_STORED_IMAGE_PIXELS);
  const sha256 = await sha256Hex(input.bytes);
  const now = deps.clock.now();
  try {
    return await deps.db.transaction().execute(async (tx) => {
      const order = await lockOrder(tx, input.orderId);
      assertCanSee(actor, order);
      if (order.state !== "awaiting_payment")
        throw new DomainError("order.illegal_transition", { state: order.state, event: "pay" });
      const programme = await getProgramme(tx, order.programme_id);
      if (!programme.payment.channels.includes("bank-transfer"))
        throw new DomainError("payment.channel_not_offered", { channel: "bank-transfer" });
      const details = order.details as OrderDetails;
      const ordered = `${details.plan ?? "-"}/${details.years ?? "-"}`;
      const stated = `${input.plan ?? "-"}/${input.years}`;
      if (
        (details.plan !== undefined && details.plan !== input.plan) ||
        (details.years ?? input.years) !== input.years
      )
        throw new DomainError("payment.receipt_terms_mismatch", { stated, ordered });
      const row = {
        id: randomUUID(),
        order_id: order.id,
        filename: input.filename.slice(0, 200) || `receipt.${kind}`,
        content_type: RECEIPT_TYPES[kind],
        size: input.bytes.length,
        sha256,
        content: input.bytes,
        plan: input.plan ?? null,
        years: input.years,
        amount_fen: order.total_fen,
        payer_account: input.payerAccount ?? null,
        status: "submitted" as const,
        reason: null,
        decided_by: null,
        decided_at: null,
        uploaded_by: actor.userId,
        uploaded_at: now,
      };
      await tx.insertInto("transfer_receipts").values(row).execute();
      await appendAudit(
        tx,
        {
          actor: actorLabel(actor),
          action: "payment.receipt_uploaded",
          subjectType: "order",
          subjectId: order.id,
          data: { receiptId: row.id, sha256: row.sha256, plan: row.plan ?? "", years: row.years },
        },
        now,
      );
      return receiptView(row);
    });
  } catch (e) {
    if (typeof e === "object" && e !== null && (e as { code?: unknown }).code === "23505")
      throw new DomainError("payment.receipt_pending");
    throw e;
  }
}

export async function listTransferReceipts(
  deps: Pick<OrderDeps, "db">,
  actor: Actor,
  filter: { orderId?: string | undefined; status?: TransferReceiptRow["status"] | undefined },
): Promise<ReceiptView[]> {
  if (filter.orderId) {
    const order = await deps.db
      .selectFrom("orders")
      .select("organisation_id")
      .where("id", "=", filter.orderId)
      .executeTakeFirst();
    if (!order) throw new DomainError("order.not_found");
    assertCanSee(actor, order);
  } else requireRole(actor, "finance");
  let q = deps.db
    .selectFrom("transfer_receipts")
    .select([
      "id",
      "order_id",
      "filename",
      "content_type",
      "size",
      "sha256",
      "plan",
      "years",
      "amount_fen",
      "payer_account",
      "status",
      "reason",
      "decided_by",
      "decided_at",
      "uploaded_by",
      "uploaded_at",
    ]);
  if (filter.orderId) q = q.where("order_id", "=", filter.orderId);
  if (filter.status) q = q.where("status", "=", filter.status);
  return (await q.orderBy("uploaded_at", "desc").limit(500).execute()).map(receiptView);
}

export async function readTransferReceipt(
  deps: Pick<OrderDeps, "db">,
  actor: Actor,
  receiptId: string,
): Promise<{ filename: string; contentType: string; content: Uint8Array }> {
  const r = await deps.db
    .selectFrom("transfer_receipts")
    .innerJoin("orders", "orders.id", "transfer_receipts.order_id")
    .select([
      "transfer_receipts.filename",
      "transfer_receipts.content_type",
      "transfer_receipts.content",
      "orders.organisation_id",
    ])
    .where("transfer_receipts.id", "=", receiptId)
    .executeTakeFirst();
  if (!r) throw new DomainError("payment.receipt_not_found");
  assertCanSee(actor, r);
  return { filename: r.filename, contentType: r.content_type, content: r.content };
}

/** Finance rejects a receipt with the reason the customer is told; the order stays awaiting payment. */
export async function rejectTransferReceipt(
  deps: OrderDeps,
  actor: Actor,
  receiptId: string,
  reasonText: string,
): Promise<ReceiptView> {
  requireRole(actor, "finance");
  const reason = reasonText.trim();
  if (!reason) throw new DomainError("payment.reject_reason_required");
  const now = deps.clock.now();
  return deps.db.transaction().execute(async (tx) => {
    const found = await tx
      .selectFrom("transfer_receipts")
      .select("order_id")
      .where("id", "=", receiptId)
      .executeTakeFirst();
    if (!found) throw new DomainError("payment.receipt_not_found");
    const order = await lockOrder(tx, found.order_id);
    const receipt = await tx
      .selectFrom("transfer_receipts")
      .selectAll()
      .where("id", "=", receiptId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    if (receipt.status !== "submitted")
      throw new DomainError("payment.receipt_decided", { status: receipt.status });
    const updated = await tx
      .updateTable("transfer_receipts")
      .set({ status: "rejected", reason, decided_by: actorLabel(actor), decided_at: now })
      .where("id", "=", receiptId)
      .returningAll()
      .executeTakeFirstOrThrow();
    await appendAudit(
      tx,
      {
        actor: actorLabel(actor),
        action: "payment.receipt_rejected",
        subjectType: "order",
        subjectId: order.id,
        reason,
        data: { receiptId },
      },
      now,
    );
    await notifyApplicant(
      tx,
      order,
      "transfer-rejected",
      { number: order.number, reason },
      `receipt:${receiptId}:rejected`,
      now,
    );
    return receiptView(updated);
  });
}

export async function notifyApplicant(
  tx: Transaction<Database>,
  order: OrderRow,
  template: "transfer-rejected",
  params: Record<string, string>,
  dedupeKey: string,
  now: Date,
): Promise<void> {
  const to = await userRecipient(tx, order.applicant_id);
  if (!to) return;
  await enqueue(
    tx,
    { kind: "payment", template, params, subject: { type: "order", id: order.id }, dedupeKey, to },
    now,
  );
}

/**
 * Finance confirms a bank transfer it has seen on the collection account (programme B), and with
 * it the receipt under review. The transfer reference is unique, so confirming the same transfer
 * twice records it once.
 */
export async function confirmBankTransfer(
  deps: OrderDeps,
  actor: Actor,
  orderId: string,
  input: { reference: string; amountFen: number },
): Promise<{ outcome: "paid" | "already-paid" }> {
  requireRole(actor, "finance");
  const now = deps.clock.now();
  return deps.db.transaction().execute(async (tx) => {
    const order = await lockOrder(tx, orderId);
    const programme = await getProgramme(tx, order.programme_id);
    if (!programme.payment.channels.includes("bank-transfer"))
      throw new DomainError("payment.channel_not_offered", { channel: "bank-transfer" });
    const paid = await tx
      .selectFrom("payments")
      .select("gateway_trade_no")
      .where("order_id", "=", order.id)
      .where("status", "=", "succeeded")
      .where("duplicate_of", "is", null)
      .executeTakeFirst();
    if (paid) return { outcome: "already-paid" as const };
    if (input.amountFen !== Number(order.total_fen))
      throw new DomainError("payment.amount_mismatch", {
        paid: input.amountFen,
        due: Number(order.total_fen),
      });
    const reference = `BANK-${input.reference.trim()}`;
    await tx
      .insertInto("payments")
      .values({
        id: randomUUID(),
        order_id: order.id,
        channel: "bank-transfer",
        amount_fen: input.amountFen,
        status: "succeeded",
        gateway_trade_no: reference,
        created_at: now,
        paid_at: now,
        settled_by: "finance",
      })
      .execute();
    const receipt = await tx
      .updateTable("transfer_receipts")
      .set({ status: "confirmed", decided_by: actorLabel(actor), decided_at: now })
      .where("order_id", "=", order.id)
      .where("status", "=", "submitted")
      .returning("id")
      .executeTakeFirst();
    await appendAudit(
      tx,
      {
        actor: actorLabel(actor),
        action: "payment.succeeded",
        subjectType: "order",
        subjectId: order.id,
        data: {
          reference,
          amountFen: input.amountFen,
          channel: "bank-transfer",
          ...(receipt ? { receiptId: receipt.id } : {}),
        },
      },
      now,
    );
    await transitionInTx(tx, deps, actor, order.id, "pay");
    return { outcome: "paid" as const };
  });
}
