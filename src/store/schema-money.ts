/**
 * Row types of migration 0005 (money, messages, deadlines), merged into the store's Database and
 * row interfaces of schema.ts, so that Kysely knows them wherever the store is used.
 */
import type { ColumnType, Generated, Selectable } from "kysely";

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Optional<T> = ColumnType<T | null, T | null | undefined, T | null>;
type DateColumn = ColumnType<string, string, string>;
type Json<T> = ColumnType<T, string, string>;
type Int8 = ColumnType<bigint, bigint | number, bigint | number>;

export type Locale = "zh-CN" | "en";

export type ReceiptStatus = "submitted" | "confirmed" | "rejected";
export interface TransferReceiptsTable {
  id: string;
  order_id: string;
  filename: string;
  content_type: string;
  size: number;
  sha256: string;
  content: Uint8Array;
  plan: string | null;
  years: number;
  amount_fen: Int8;
  payer_account: string | null;
  status: ReceiptStatus;
  reason: string | null;
  decided_by: string | null;
  decided_at: Date | null;
  uploaded_by: string;
  uploaded_at: Timestamp;
}

export type RefundCause = "customer-request" | "duplicate-payment" | "order-closed";
export type RefundStatus = "pending" | "succeeded" | "failed";
export interface RefundsTable {
  id: string;
  refund_no: string;
  payment_id: string;
  order_id: string;
  refund_order_id: string | null;
  channel: string;
  amount_fen: Int8;
  cause: RefundCause;
  status: RefundStatus;
  reference: string | null;
  gateway_ref: string | null;
  failure_reason: string | null;
  requested_by: string;
  created_at: Timestamp;
  submitted_at: Date | null;
  refunded_at: Date | null;
}

export type OutboxChannel = "sms" | "email";
export type OutboxStatus = "pending" | "sent" | "failed";
export interface OutboxTable {
  id: Generated<bigint>;
  kind: string;
  template: string;
  channel: OutboxChannel;
  recipient: string;
  user_id: string | null;
  locale: Locale;
  params: Json<Record<string, string | number>>;
  subject_type: string | null;
  subject_id: string | null;
  dedupe_key: string;
  status: ColumnType<OutboxStatus, OutboxStatus | undefined, OutboxStatus>;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: Timestamp;
  claimed_until: NullableTimestamp;
  created_at: Timestamp;
  sent_at: NullableTimestamp;
  provider_ref: Optional<string>;
  last_error: Optional<string>;
}

export interface SmsMessagesTable {
  id: string;
  outbox_id: bigint | null;
  recipient: string;
  text: string;
  created_at: Timestamp;
}

export interface DeadlineAlertsTable {
  order_id: string;
  kind: string;
  due_on: DateColumn;
  alerted_at: Timestamp;
}

export interface InvoicesTable {
  id: string;
  order_id: string;
  programme_id: string;
  number: string;
  issued_on: DateColumn;
  issued_at: Timestamp;
  due_on: DateColumn | null;
  buyer_name: string;
  buyer_tax_number: string | null;
  tax_rate_bp: number;
  net_fen: Int8;
  tax_fen: Int8;
  total_fen: Int8;
  record: Json<unknown>;
}

export type DevChargeState = "open" | "paid" | "failed" | "closed";
export interface DevGatewayChargesTable {
  trade_no: string;
  order_number: string;
  amount_fen: Int8;
  description: string;
  return_url: string;
  state: DevChargeState;
  gateway_ref: string | null;
  paid_at: Date | null;
  refunded_fen: ColumnType<bigint, bigint | number | undefined, bigint | number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface DevGatewayRefundsTable {
  refund_no: string;
  trade_no: string;
  amount_fen: Int8;
  state: "processing" | "succeeded" | "failed";
  gateway_ref: string;
  refunded_at: Date | null;
  created_at: Timestamp;
}

export interface DevGatewayNotificationsTable {
  id: Generated<bigint>;
  kind: "payment" | "refund";
  ref: string;
  body: string;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: Timestamp;
  delivered_at: NullableTimestamp;
  last_error: Optional<string>;
  created_at: Timestamp;
}

declare module "./schema.js" {
  interface UsersTable {
    email: Optional<string>;
    locale: ColumnType<Locale, Locale | undefined, Locale>;
  }
  interface PaymentsTable {
    duplicate_of: Optional<string>;
    gateway_ref: Optional<string>;
    /** callback, query (the desk asked the gateway) or finance */
    settled_by: Optional<string>;
    failure_reason: Optional<string>;
    last_queried_at: NullableTimestamp;
  }
  interface Database {
    transfer_receipts: TransferReceiptsTable;
    refunds: RefundsTable;
    outbox: OutboxTable;
    sms_messages: SmsMessagesTable;
    deadline_alerts: DeadlineAlertsTable;
    invoices: InvoicesTable;
    dev_gateway_charges: DevGatewayChargesTable;
    dev_gateway_refunds: DevGatewayRefundsTable;
    dev_gateway_notifications: DevGatewayNotificationsTable;
  }
}

export type OutboxRow = Selectable<OutboxTable>;
export type RefundRow = Selectable<RefundsTable>;
export type InvoiceRow = Selectable<InvoicesTable>;
export type TransferReceiptRow = Selectable<TransferReceiptsTable>;
