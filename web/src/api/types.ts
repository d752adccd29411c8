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
