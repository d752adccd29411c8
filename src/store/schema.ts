/** Row types of the tables, as Kysely sees them. int8 columns read back as bigint on both drivers. */
import type { ColumnType, Generated, Insertable, Selectable } from "kysely";

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type DateColumn = ColumnType<string, string, string>;
type Json<T> = ColumnType<T, string, string>;
type Int8 = ColumnType<bigint, bigint | number, bigint | number>;

export interface ProgrammesTable {
  id: string;
  definition: Json<unknown>;
  version: Generated<number>;
  updated_at: Timestamp;
}

export interface CalendarYearsTable {
  year: number;
  data: Json<unknown>;
  loaded_at: Timestamp;
}

export interface OrganisationsTable {
  id: string;
  name: string;
  uscc: string;
  uscc_override_reason: string | null;
  address: string | null;
  created_at: Timestamp;
}

export type UserKind = "applicant" | "staff";
export interface UsersTable {
  id: string;
  kind: UserKind;
  login: string;
  password_hash: string;
  name: string;
  mobile: string | null;
  id_number: string | null;
  organisation_id: string | null;
  roles: ColumnType<string[], string[] | undefined, string[]>;
  disabled: Generated<boolean>;
  created_at: Timestamp;
}

export interface SessionsTable {
  token_hash: string;
  user_id: string;
  created_at: Timestamp;
  expires_at: Timestamp;
}

export interface LoginThrottleTable {
  key: string;
  failures: number;
  window_started_at: Timestamp;
  blocked_until: Date | null;
}

/** Migration 0022: a user's live password reset code (people/password-reset.ts). */
export interface PasswordResetCodesTable {
  user_id: string;
  id: string;
  code_hash: string;
  sent_at: Timestamp;
  expires_at: Timestamp;
}

export interface PlatformAccountsTable {
  id: string;
  programme_id: string;
  organisation_id: string;
  account_name: string;
  created_at: Timestamp;
}

export type CertificateStatus = "issued" | "active" | "superseded" | "revoked";
export interface CertificatesTable {
  id: string;
  serial: string;
  order_id: string | null;
  organisation_id: string | null;
  programme_id: string | null;
  subject: string;
  not_before: Timestamp;
  not_after: Timestamp;
  status: ColumnType<CertificateStatus, CertificateStatus | undefined, CertificateStatus>;
  activated_at: Date | null;
  revoked_at: Date | null;
  revocation_reason: string | null;
  created_at: Timestamp;
  ca_id: ColumnType<string | null, string | null | undefined, string | null>;
  der: ColumnType<Uint8Array | null, Uint8Array | null | undefined, Uint8Array | null>;
  profile: ColumnType<string | null, string | null | undefined, string | null>;
  key_algorithm: ColumnType<string | null, string | null | undefined, string | null>;
  superseded_by: ColumnType<string | null, string | null | undefined, string | null>;
}

export type CaKind = "root" | "issuing" | "ocsp-responder" | "seal-maker" | "tsa";
export type CaAlgorithm = "rsa" | "ecdsa-p256" | "sm2";
export interface CasTable {
  id: string;
  algorithm: CaAlgorithm;
  kind: CaKind;
  issuer_id: string | null;
  certificate: Uint8Array;
  subject: string;
  serial: string;
  not_before: Timestamp;
  not_after: Timestamp;
  key: Json<unknown>;
  crl_number: Generated<bigint>;
  active: Generated<boolean>;
  created_at: Timestamp;
}

export interface CrlsTable {
  ca_id: string;
  crl_number: Int8;
  this_update: Timestamp;
  next_update: Timestamp;
  entries: number;
  der: Uint8Array;
  /** the complete CRL a delta CRL updates; null for a complete CRL */
  base_crl_number: ColumnType<bigint | null, bigint | null | undefined, bigint | null>;
}

export interface BindingsTable {
  id: string;
  platform_account_id: string;
  certificate_id: string;
  bound_at: Timestamp;
  unbound_at: Date | null;
  unbound_reason: string | null;
}

export interface OrdersTable {
  id: string;
  number: string;
  programme_id: string;
  service: string;
  organisation_id: string;
  applicant_id: string;
  state: string;
  details: Json<Record<string, unknown>>;
  quote: Json<unknown>;
  total_fen: Int8;
  certificate_id: string | null;
  target_order_id: string | null;
  rejection: Json<unknown> | null;
  due_kind: string | null;
  due_on: DateColumn | null;
  idempotency_key: string | null;
  /** The service's steps when the order was created (see migration 0007). */
  steps: ColumnType<string[], string[] | undefined, string[]>;
  /** The courier and waybill number of the mailed paper originals (migration 0030). */
  paper_carrier: ColumnType<string | null, string | null | undefined, string | null>;
  paper_tracking_number: ColumnType<string | null, string | null | undefined, string | null>;
  paper_tracking_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  version: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface MaterialsTable {
  id: string;
  order_id: string;
  material_id: string;
  filename: string;
  content_type: string;
  size: number;
  sha256: string;
  content: Uint8Array;
  uploaded_by: string;
  uploaded_at: Timestamp;
  superseded_at: Date | null;
}

export type PaymentStatus = "pending" | "succeeded" | "failed";
export interface PaymentsTable {
  id: string;
  order_id: string;
  channel: string;
  amount_fen: Int8;
  status: PaymentStatus;
  gateway_trade_no: string | null;
  created_at: Timestamp;
  paid_at: Date | null;
}

export interface ShipmentsTable {
  id: string;
  order_id: string;
  carrier: string;
  tracking_number: string;
  shipped_at: Timestamp;
  delivered_on: DateColumn | null;
}

export interface AuditLogTable {
  seq: Int8;
  at: Timestamp;
  actor: string;
  action: string;
  subject_type: string;
  subject_id: string;
  from_state: string | null;
  to_state: string | null;
  reason: string | null;
  data: Json<Record<string, unknown>>;
  prev_hash: string;
  hash: string;
}

export interface AuditHeadTable {
  id: number;
  seq: Int8;
  hash: string;
}

export interface Database {
  programmes: ProgrammesTable;
  calendar_years: CalendarYearsTable;
  organisations: OrganisationsTable;
  users: UsersTable;
  sessions: SessionsTable;
  login_throttle: LoginThrottleTable;
  password_reset_codes: PasswordResetCodesTable;
  platform_accounts: PlatformAccountsTable;
  certificates: CertificatesTable;
  bindings: BindingsTable;
  orders: OrdersTable;
  materials: MaterialsTable;
  payments: PaymentsTable;
  shipments: ShipmentsTable;
  audit_log: AuditLogTable;
  audit_head: AuditHeadTable;
  cas: CasTable;
  crls: CrlsTable;
}

export type OrderRow = Selectable<OrdersTable>;
export type NewOrderRow = Insertable<OrdersTable>;
export type UserRow = Selectable<UsersTable>;
export type CertificateRow = Selectable<CertificatesTable>;
export type AuditRow = Selectable<AuditLogTable>;
export type CaRow = Selectable<CasTable>;
