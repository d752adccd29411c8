/**
 * Invoices: one VAT general invoice (增值税普通发票) per paid order, issued by a scheduled sweep.
 * When: a programme that mails the invoice with the keys (programme B) gets it once the order is
 * paid; otherwise once the order completes, within the programme's invoiceDeadlineWorkingDays (the
 * order carries that deadline, and issuing the invoice meets it). The record keeps the invoice's
 * fields as issued (seller, buyer, items, tax rate, the split into amount and tax, the total in
 * capitals); the PDF is drawn from it on request. Orders refunded, cancelled or lapsed get none.
 *
 * This is the desk's own record; a legally valid invoice number comes from the tax authority's
 * system, which a real deployment would call here in place of the local sequence.
 */
import { randomUUID } from "node:crypto";
import { sql, type Kysely } from "kysely";
import type { Clock } from "../domain/clock.js";
import { shanghaiDate } from "../domain/dates.js";
import { DomainError } from "../domain/errors.js";
import type { Quote } from "../domain/tariff.js";
import { priceInvoice, renderInvoice, type InvoiceRecord } from "../documents/invoice.js";
import { enqueue, userRecipient } from "../notify/outbox.js";
import { yuan } from "../notify/templates.js";
import { appendAudit } from "../store/audit.js";
import type { Database } from "../store/schema.js";
import type { InvoiceRow } from "../store/schema-money.js";
import type { Actor } from "../people/actor.js";
import { assertCanSee, lockOrder, type OrderDetails } from "../orders/orders.js";
import { listProgrammes } from "../orders/programmes.js";

export interface InvoiceSettings {
  seller: {
    name: string;
    taxNumber: string;
    address?: string | undefined;
    phone?: string | undefined;
    bank?: string | undefined;
    bankAccount?: string | undefined;
  };
  /** Basis points of a percent: 600 = 6%. */
  taxRateBp: number;
  drawer?: string | undefined;
}

export interface InvoiceDeps {
  db: Kysely<Database>;
  clock: Clock;
  invoices: InvoiceSettings;
}

export interface InvoiceView {
  id: string;
  orderId: string;
  programmeId: string;
  number: string;
  issuedOn: string;
  dueOn: string | null;
  buyerName: string;
  buyerTaxNumber: string | null;
  taxRateBp: number;
  netFen: number;
  taxFen: number;
  totalFen: number;
  totalInCapitals: string;
}

function invoiceView(r: InvoiceRow): InvoiceView {
  return {
    id: r.id,
    orderId: r.order_id,
    programmeId: r.programme_id,
    number: r.number,
    issuedOn: r.issued_on,
    dueOn: r.due_on,
    buyerName: r.buyer_name,
    buyerTaxNumber: r.buyer_tax_number,
    taxRateBp: r.tax_rate_bp,
    netFen: Number(r.net_fen),
    taxFen: Number(r.tax_fen),
    totalFen: Number(r.total_fen),
    totalInCapitals: priceInvoice(r.record as InvoiceRecord).totalInCapitals,
  };
}

/** Issues every invoice that is due now; a second run issues nothing twice (one invoice per order). */
export async function issueDueInvoices(deps: InvoiceDeps): Promise<{ issued: string[] }> {
  const withKeys = (await listProgrammes(deps.db))
    .filter((p) => p.invoice.delivery === "with-keys")
    .map((p) => p.id);
  const candidates = await deps.db
    .selectFrom("orders")
    .select("orders.id")
    .where("orders.total_fen", ">", 0n)
    .where("orders.state", "not in", ["refunded", "cancelled", "expired", "draft"])
    .where((eb) =>
      eb.or([
        eb("orders.state", "=", "completed"),
        ...(withKeys.length > 0 ? [eb("orders.programme_id", "in", withKeys)] : []),
      ]),
    )
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom("payments")
          .select("payments.id")
          .whereRef("payments.order_id", "=", "orders.id")
          .where("payments.status", "=", "succeeded")
          .where("payments.duplicate_of", "is", null),
      ),
    )
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(selectFrom("invoices").select("invoices.id").whereRef("invoices.order_id", "=", "orders.id")),
      ),
    )
    .orderBy("orders.updated_at")
    .limit(200)
    .execute();
  const issued: string[] = [];
  for (const { id } of candidates) {
    const invoice = await issueInvoice(deps, id);
    if (invoice) issued.push(invoice.id);
  }
  return { issued };
}

/** Issues the order's invoice in one transaction with its audit row and the customer's message. */
export async function issueInvoice(deps: InvoiceDeps, orderId: string): Promise<InvoiceView | undefined> {
  const now = deps.clock.now();
  const today = shanghaiDate(now);
  return deps.db.transaction().execute(async (tx) => {
    const order = await lockOrder(tx, orderId);
    const existing = await tx
      .selectFrom("invoices")
      .select("id")
      .where("order_id", "=", order.id)
      .executeTakeFirst();
    if (existing) return undefined;
    const organisation = await tx
      .selectFrom("organisations")
      .select(["name", "uscc", "address"])
      .where("id", "=", order.organisation_id)
      .executeTakeFirstOrThrow();
    const details = order.details as OrderDetails;
    const quote = order.quote as Quote;
    const total = Number(order.total_fen);
    const lines = quote.items.filter((i) => i.amount > 0);
    const items =
      lines.length > 0 && lines.reduce((s, i) => s + i.amount, 0) === total
        ? lines.map((i) => ({
            name: i.label["zh-CN"],
            quantity: i.quantity,
            amountFen: i.amount,
            unit: "项",
          }))
        : [{ name: "数字证书服务", quantity: 1, amountFen: total, unit: "项" }];
    const { rows } = await sql<{ n: bigint }>`select nextval('invoice_number_seq') as n`.execute(tx);
    const number = `${today.slice(0, 4)}${String(rows[0]!.n).padStart(8, "0")}`;
    const record: InvoiceRecord = {
      number,
      issuedOn: today,
      seller: deps.invoices.seller,
      buyer: {
        name: details.invoice?.title?.trim() || organisation.name,
        taxNumber: details.invoice?.taxNumber?.trim() || organisation.uscc,
        address: organisation.address ?? undefined,
      },
      items,
      taxRate: deps.invoices.taxRateBp,
      remarks: `订单号 ${order.number}`,
      drawer: deps.invoices.drawer,
    };
    const priced = priceInvoice(record);
    const id = randomUUID();
    const row = await tx
      .insertInto("invoices")
      .values({
        id,
        order_id: order.id,
        programme_id: order.programme_id,
        number,
        issued_on: today,
        issued_at: now,
        due_on: order.due_kind === "invoice" ? order.due_on : null,
        buyer_name: record.buyer.name,
        buyer_tax_number: record.buyer.taxNumber ?? null,
        tax_rate_bp: record.taxRate,
        net_fen: priced.netFen,
        tax_fen: priced.taxFen,
        total_fen: priced.totalFen,
        record: JSON.stringify(record),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    // The invoice deadline is met: the order no longer counts down to it.
    await tx
      .updateTable("orders")
      .set({ due_kind: null, due_on: null })
      .where("id", "=", order.id)
      .where("due_kind", "=", "invoice")
      .execute();
    await appendAudit(
      tx,
      {
        actor: "system:scheduler",
        action: "invoice.issue",
        subjectType: "order",
        subjectId: order.id,
        data: {
          invoiceId: id,
          number,
          totalFen: priced.totalFen,
          taxFen: priced.taxFen,
          taxRateBp: record.taxRate,
          ...(row.due_on ? { dueOn: row.due_on } : {}),
        },
      },
      now,
    );
    const to = await userRecipient(tx, order.applicant_id);
    if (to) {
      await enqueue(
        tx,
        {
          kind: "invoice",
          template: "invoice-ready",
          params: {
            number: order.number,
            invoiceNumber: number,
            amount: yuan(priced.totalFen),
            amountInCapitals: priced.totalInCapitals,
          },
          subject: { type: "order", id: order.id },
          dedupeKey: `invoice:${id}:ready`,
          to,
          alsoEmail: details.invoice?.email,
        },
        now,
      );
    }
    return invoiceView(row);
  });
}

export async function listInvoices(
  deps: Pick<InvoiceDeps, "db">,
  actor: Actor,
  filter: { orderId?: string | undefined },
): Promise<InvoiceView[]> {
  let q = deps.db
    .selectFrom("invoices")
    .innerJoin("orders", "orders.id", "invoices.order_id")
    .selectAll("invoices");
  if (actor.kind === "applicant") q = q.where("orders.organisation_id", "=", actor.organisationId);
  if (filter.orderId) q = q.where("invoices.order_id", "=", filter.orderId);
  return (await q.orderBy("invoices.issued_at", "desc").limit(500).execute()).map(invoiceView);
}

async function visibleInvoice(db: Kysely<Database>, actor: Actor, invoiceId: string): Promise<InvoiceRow> {
  const row = await db
    .selectFrom("invoices")
    .innerJoin("orders", "orders.id", "invoices.order_id")
    .selectAll("invoices")
    .select("orders.organisation_id")
    .where("invoices.id", "=", invoiceId)
    .executeTakeFirst();
  if (!row) throw new DomainError("invoice.not_found");
  try {
    assertCanSee(actor, row);
  } catch {
    throw new DomainError("invoice.not_found");
  }
  return row;
}

export async function getInvoice(
  deps: Pick<InvoiceDeps, "db">,
  actor: Actor,
  invoiceId: string,
): Promise<InvoiceView> {
  return invoiceView(await visibleInvoice(deps.db, actor, invoiceId));
}

/** The invoice drawn as a PDF from the record kept when it was issued. */
export async function invoicePdf(
  deps: Pick<InvoiceDeps, "db">,
  actor: Actor,
  invoiceId: string,
): Promise<{ number: string; pdf: Uint8Array }> {
  const row = await visibleInvoice(deps.db, actor, invoiceId);
  return { number: row.number, pdf: await renderInvoice(row.record as InvoiceRecord) };
}
