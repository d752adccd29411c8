/**
 * What the API sends, typed from the server's own definitions where they exist (programme data,
 * lifecycle, response schemas), so that a change on the server shows up here at compile time.
 */
import type { z } from "zod";
import type { orderDetailsSchema, orderSchema, quoteSchema } from "../../../src/server/schemas.js";
import type { OrderState } from "../../../src/domain/lifecycle.js";
import type { ServiceCode, ServiceDefinition } from "../../../src/domain/programme.js";

export type {
  LocalizedText,
  Plan,
  Programme,
  ServiceCode,
  ServiceDefinition,
  Step,
} from "../../../src/domain/programme.js";
export type { OrderState } from "../../../src/domain/lifecycle.js";

export type Quote = z.infer<typeof quoteSchema>;
export type OrderDetails = z.infer<typeof orderDetailsSchema> & { validityEnd?: string };
export type Order = Omit<z.infer<typeof orderSchema>, "state" | "service" | "details"> & {
  state: OrderState;
  service: ServiceCode;
  details: OrderDetails;
};
export type Rejection = NonNullable<Order["rejection"]>;

export type Material = ServiceDefinition["materials"][number];

export type Actor =
  | { kind: "applicant"; userId: string; organisationId: string; name: string }
  | { kind: "staff"; userId: string; roles: string[]; name: string }
  | { kind: "system"; name: string };

export interface Organisation {
  id: string;
  name: string;
  uscc: string;
  address: string | null;
  handler: { id: string; name: string; mobile: string | null };
}

export interface Certificate {
  id: string;
  serial: string;
  order_id: string | null;
  organisation_id: string;
  programme_id: string;
  subject: string;
  not_before: string;
  not_after: string;
  status: string;
  activated_at: string | null;
  revoked_at: string | null;
  revocation_reason: string | null;
  /** the key holding it, and the plan it was bought on (programme B) */
  key_label?: string | null;
  key_serial?: string | null;
  plan?: string | null;
}

export interface AuditEntry {
  seq: string;
  at: string;
  actor: string;
  action: string;
  fromState: string | null;
  toState: string | null;
  reason: string | null;
  data: Record<string, unknown>;
}

export interface UploadedMaterial {
  id: string;
  materialId: string;
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
  uploadedAt: string;
}

export interface Payment {
  id: string;
  channel: string;
  amountFen: number;
  status: "pending" | "succeeded" | "failed";
  tradeNo: string | null;
  createdAt: string;
  paidAt: string | null;
}

export interface RefundEligibility {
  allowed: boolean;
  code?: string;
  reason?: string;
}

export interface ValidationResult {
  valid: boolean;
  value?: string;
  reason?: string;
  code?: string;
}

// ---- relying platforms (src/server/routes/platforms.ts) ----------------------------------------

export interface PlatformCredential {
  keyId: string;
  createdAt: string;
  /** Set once a rotation started the grace period (or the credential was revoked). */
  expiresAt: string | null;
  revokedAt: string | null;
  usable: boolean;
}

export interface Platform {
  id: string;
  programmeId: string;
  name: string;
  webhookUrl: string | null;
  createdAt: string;
  disabledAt: string | null;
  credentials: PlatformCredential[];
}

/** A credential's secret: the server shows it once, on registration or rotation. */
export interface IssuedCredential {
  platform: Platform;
  credential: { keyId: string; secret: string };
}

export const DELIVERY_STATUSES = ["pending", "delivered", "failed"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface WebhookDelivery {
  id: string;
  platform: string;
  url: string;
  status: DeliveryStatus;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  createdAt: string;
  event: { id: string; type: string; createdAt: string; data: Record<string, unknown> };
  log: {
    attempt: number;
    startedAt: string;
    durationMs: number;
    statusCode: number | null;
    error: string | null;
    replay: boolean;
  }[];
}

// ---- money (src/server/routes/money.ts) --------------------------------------------------------

export type ReceiptStatus = "submitted" | "confirmed" | "rejected";

export interface TransferReceipt {
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
  status: ReceiptStatus;
  reason: string | null;
  uploadedAt: string;
  decidedAt: string | null;
}

export interface FinanceReport<Row> {
  from: string;
  to: string;
  programme: string | null;
  rows: Row[];
}

export type PaymentDay = {
  day: string;
  programme: string;
  channel: string;
  count: number;
  amountFen: number;
  duplicates: number;
  duplicateFen: number;
};
export type RefundDay = {
  day: string;
  programme: string;
  channel: string;
  cause: string;
  count: number;
  amountFen: number;
};
export type InvoiceDay = {
  day: string;
  programme: string;
  count: number;
  netFen: number;
  taxFen: number;
  totalFen: number;
};

export interface Invoice {
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

// ---- notifications (GET /api/staff/outbox, /api/staff/sms) ---------------------------------------

export type OutboxStatus = "pending" | "sent" | "failed";

export interface OutboxEntry {
  id: string;
  kind: string;
  template: string;
  channel: string;
  recipient: string;
  locale: string;
  status: OutboxStatus;
  attempts: number;
  createdAt: string;
  sentAt: string | null;
  lastError: string | null;
}

export interface SmsMessage {
  id: string;
  recipient: string;
  text: string;
  createdAt: string;
}
