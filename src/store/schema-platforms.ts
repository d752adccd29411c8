/** Row types of migration 0008 (relying platforms, their credentials, events and webhooks). */
import type { ColumnType, Generated, Selectable } from "kysely";

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Optional<T> = ColumnType<T | null, T | null | undefined, T | null>;
type Json<T> = ColumnType<T, string, string>;

export interface PlatformClientsTable {
  id: string;
  programme_id: string;
  name: string;
  webhook_url: Optional<string>;
  created_at: Timestamp;
  disabled_at: NullableTimestamp;
}

export interface PlatformCredentialsTable {
  key_id: string;
  client_id: string;
  secret_sealed: string;
  created_at: Timestamp;
  expires_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}

export interface PlatformNoncesTable {
  client_id: string;
  nonce: string;
  expires_at: Timestamp;
}

export type ChallengePurpose = "bind" | "login";

export interface PlatformChallengesTable {
  id: string;
  client_id: string;
  purpose: ChallengePurpose;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
}

export interface PlatformEventsTable {
  id: string;
  seq: Generated<bigint>;
  programme_id: string;
  type: string;
  certificate_id: Optional<string>;
  data: Json<Record<string, unknown>>;
  dedupe_key: Optional<string>;
  created_at: Timestamp;
}

export type DeliveryStatus = "pending" | "delivered" | "failed";

export interface WebhookDeliveriesTable {
  id: string;
  event_id: string;
  client_id: string;
  url: string;
  status: DeliveryStatus;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: Timestamp;
  claimed_until: NullableTimestamp;
  last_status: Optional<number>;
  last_error: Optional<string>;
  delivered_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface WebhookAttemptsTable {
  id: Generated<bigint>;
  delivery_id: string;
  attempt: number;
  started_at: Timestamp;
  duration_ms: number;
  status_code: Optional<number>;
  error: Optional<string>;
  replay: ColumnType<boolean, boolean | undefined, boolean>;
}

export type PlatformClientRow = Selectable<PlatformClientsTable>;
export type PlatformEventRow = Selectable<PlatformEventsTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;

declare module "./schema.js" {
  interface BindingsTable {
    /** the platform whose request made the binding; null when the desk made it */
    platform_client_id: Optional<string>;
    /** the binding of the certificate this one's certificate took over from */
    succeeds_binding_id: Optional<string>;
  }
  interface Database {
    platform_clients: PlatformClientsTable;
    platform_credentials: PlatformCredentialsTable;
    platform_nonces: PlatformNoncesTable;
    platform_challenges: PlatformChallengesTable;
    platform_events: PlatformEventsTable;
    webhook_deliveries: WebhookDeliveriesTable;
    webhook_attempts: WebhookAttemptsTable;
  }
}
