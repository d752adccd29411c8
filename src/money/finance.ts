/**
 * Finance views: money received, money returned and invoices issued, per Shanghai day, programme
 * and channel, as SQL aggregates over the records themselves (payments, refunds, invoices), with a
 * CSV export. Amounts are integer fen; the CSV also shows yuan for people.
 */
import { sql, type Kysely } from "kysely";
import { addDays, startOfShanghaiDay, type CalendarDate } from "../domain/dates.js";
import { yuan } from "../notify/templates.js";
import type { Database } from "../store/schema.js";
import type { Actor } from "../people/actor.js";
import { requireRole } from "../people/people.js";

export interface FinanceRange {
  from: CalendarDate;
  to: CalendarDate;
  programmeId?: string | undefined;
}

export interface PaymentDay {
  day: string;
  programme: string;
  channel: string;
  count: number;
  amountFen: number;
  /** Of these, money received twice for one order (refunded automatically). */
  duplicates: number;
  duplicateFen: number;
}

export interface RefundDay {
  day: string;
  programme: string;
  channel: string;
  cause: string;
  count: number;
  amountFen: number;
}

export interface InvoiceDay {
  day: string;
  programme: string;
  count: number;
  netFen: number;
  taxFen: number;
  totalFen: number;
}

/** A timestamp's Shanghai date, in SQL (China keeps +08:00 all year). */
const shanghaiDay = (column: string) =>
  sql<string>`to_char((${sql.ref(column)} at time zone 'UTC') + interval '8 hours', 'YYYY-MM-DD')`;

function bounds(range: FinanceRange): { start: Date; end: Date } {
  return { start: startOfShanghaiDay(range.from), end: startOfShanghaiDay(addDays(range.to, 1)) };
}

export async function paymentsPerDay(
  db: Kysely<Database>,
  actor: Actor,
  range: FinanceRange,
): Promise<PaymentDay[]> {
  requireRole(actor, "finance");
  const { start, end } = bounds(range);
  let q = db
    .selectFrom("payments")
    .innerJoin("orders", "orders.id", "payments.order_id")
    .select([
      shanghaiDay("payments.paid_at").as("day"),
      "orders.programme_id as programme",
      "payments.channel as channel",
      sql<string>`count(*)`.as("count"),
      sql<string>`sum(payments.amount_fen)`.as("amount"),
      sql<string>`count(payments.duplicate_of)`.as("duplicates"),
      sql<string>`coalesce(sum(payments.amount_fen) filter (where payments.duplicate_of is not null), 0)`.as(
        "duplicate_amount",
      ),
    ])
    .where("payments.status", "=", "succeeded")
    .where("payments.paid_at", ">=", start)
    .where("payments.paid_at", "<", end);
  if (range.programmeId) q = q.where("orders.programme_id", "=", range.programmeId);
  const rows = await q
    .groupBy(["day", "programme", "channel"])
    .orderBy("day")
    .orderBy("programme")
    .orderBy("channel")
    .execute();
  return rows.map((r) => ({
    day: r.day,
    programme: r.programme,
    channel: r.channel,
    count: Number(r.count),
    amountFen: Number(r.amount),
    duplicates: Number(r.duplicates),
    duplicateFen: Number(r.duplicate_amount),
  }));
}

export async function refundsPerDay(
  db: Kysely<Database>,
  actor: Actor,
  range: FinanceRange,
): Promise<RefundDay[]> {
  requireRole(actor, "finance");
  const { start, end } = bounds(range);
  let q = db
    .selectFrom("refunds")
    .innerJoin("orders", "orders.id", "refunds.order_id")
    .select([
      shanghaiDay("refunds.refunded_at").as("day"),
      "orders.programme_id as programme",
      "refunds.channel as channel",
      "refunds.cause as cause",
      sql<string>`count(*)`.as("count"),
      sql<string>`sum(refunds.amount_fen)`.as("amount"),
    ])
    .where("refunds.status", "=", "succeeded")
    .where("refunds.refunded_at", ">=", start)
    .where("refunds.refunded_at", "<", end);
  if (range.programmeId) q = q.where("orders.programme_id", "=", range.programmeId);
  const rows = await q
    .groupBy(["day", "programme", "channel", "cause"])
    .orderBy("day")
    .orderBy("programme")
    .orderBy("channel")
    .orderBy("cause")
    .execute();
  return rows.map((r) => ({
    day: r.day,
    programme: r.programme,
    channel: r.channel,
    cause: r.cause,
    count: Number(r.count),
    amountFen: Number(r.amount),
  }));
}

export async function invoicesPerDay(
  db: Kysely<Database>,
  actor: Actor,
  range: FinanceRange,
): Promise<InvoiceDay[]> {
  requireRole(actor, "finance");
  let q = db
    .selectFrom("invoices")
    .select([
      sql<string>`to_char(issued_on, 'YYYY-MM-DD')`.as("day"),
      "programme_id as programme",
      sql<string>`count(*)`.as("count"),
      sql<string>`sum(net_fen)`.as("net"),
      sql<string>`sum(tax_fen)`.as("tax"),
      sql<string>`sum(total_fen)`.as("total"),
    ])
    .where("issued_on", ">=", range.from)
    .where("issued_on", "<=", range.to);
  if (range.programmeId) q = q.where("programme_id", "=", range.programmeId);
  const rows = await q.groupBy(["day", "programme"]).orderBy("day").orderBy("programme").execute();
  return rows.map((r) => ({
    day: r.day,
    programme: r.programme,
    count: Number(r.count),
    netFen: Number(r.net),
    taxFen: Number(r.tax),
    totalFen: Number(r.total),
  }));
}

// ---- CSV ------------------------------------------------------------------------------------

function cell(value: string | number): string {
  const s = String(value);
  // Quoted when needed; a leading = + - @ is defused so a spreadsheet never runs it as a formula.
  const safe = /^[=+\-@]/.test(s) && typeof value === "string" ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** RFC 4180 CSV with a UTF-8 byte order mark, so spreadsheets read Chinese text right. */
export function toCsv(header: string[], rows: (string | number)[][]): string {
  return "\ufeff" + [header, ...rows].map((r) => r.map(cell).join(",")).join("\r\n") + "\r\n";
}

export const PAYMENT_COLUMNS = [
  "day",
  "programme",
  "channel",
  "count",
  "amount_fen",
  "amount_yuan",
  "duplicates",
  "duplicate_fen",
];
export const REFUND_COLUMNS = ["day", "programme", "channel", "cause", "count", "amount_fen", "amount_yuan"];
export const INVOICE_COLUMNS = ["day", "programme", "count", "net_fen", "tax_fen", "total_fen", "total_yuan"];

export function paymentsCsv(rows: PaymentDay[]): string {
  return toCsv(
    PAYMENT_COLUMNS,
    rows.map((r) => [
      r.day,
      r.programme,
      r.channel,
      r.count,
      r.amountFen,
      yuan(r.amountFen),
      r.duplicates,
      r.duplicateFen,
    ]),
  );
}

export function refundsCsv(rows: RefundDay[]): string {
  return toCsv(
    REFUND_COLUMNS,
    rows.map((r) => [r.day, r.programme, r.channel, r.cause, r.count, r.amountFen, yuan(r.amountFen)]),
  );
}

export function invoicesCsv(rows: InvoiceDay[]): string {
  return toCsv(
    INVOICE_COLUMNS,
    rows.map((r) => [r.day, r.programme, r.count, r.netFen, r.taxFen, r.totalFen, yuan(r.totalFen)]),
  );
}
