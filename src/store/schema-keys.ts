/**
 * Row types of migration 0004 (USB keys: production batches, keys, codes, renewals, seals),
 * merged into the store's Database interface of schema.ts.
 */
import type { ColumnType, Selectable } from "kysely";

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Optional<T> = ColumnType<T | null, T | null | undefined, T | null>;
type Json<T> = ColumnType<T, string, string>;

export type BatchState = "planned" | "running" | "done" | "failed";
export interface ProductionBatchesTable {
  id: string;
  created_by: string;
  station: string;
  state: BatchState;
  total: number;
  done: ColumnType<number, number | undefined, number>;
  error: Optional<string>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** Who runs a batch (migration 0012): live until expires_at, or until its process is gone. */
export interface ProductionLeasesTable {
  batch_id: string;
  owner: string;
  host: string;
  pid: number;
  program: string;
  acquired_at: ColumnType<Date, Date | string | undefined, Date | string>;
  expires_at: Timestamp;
}

/** A key's production steps, in order: a restarted batch carries on from the recorded one. */
export const KEY_STEPS = [
  "planned",
  "initialised",
  "key_generated",
  "certificate_issued",
  "written",
  "recorded",
] as const;
export type KeyStep = (typeof KEY_STEPS)[number];

export interface UsbKeysTable {
  id: string;
  batch_id: string | null;
  order_id: string;
  organisation_id: string;
  programme_id: string;
  position: number;
  label: string;
  kind: Optional<"software" | "pkcs11">;
  serial: Optional<string>;
  algorithm: "sm2" | "ecdsa-p256" | "rsa-2048";
  key_pair_id: string;
  so_pin: Json<unknown>;
  public_key: Optional<Uint8Array>;
  certificate_id: Optional<string>;
  step: KeyStep;
  /** the plan and term (years) the key was bought on (migration 0024); null on older keys */
  plan: ColumnType<string | null, string | null | undefined, string | null>;
  years: ColumnType<number | null, number | null | undefined, number | null>;
  /** the highest use counter of the key the desk has seen (logins with a software key) */
  use_counter: ColumnType<bigint, bigint | undefined, bigint>;
  activated_at: NullableTimestamp;
  formatted_at: NullableTimestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type KeyCodePurpose = "activation" | "unlock";
export interface KeyCodesTable {
  id: string;
  purpose: KeyCodePurpose;
  order_id: string;
  code_hash: string;
  attempts_left: number;
  expires_at: NullableTimestamp;
  used_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface KeyRenewalsTable {
  order_id: string;
  usb_key_id: string;
  key_pair_id: string;
  csr: Uint8Array;
  created_at: Timestamp;
}

export interface SealsTable {
  id: string;
  order_id: string;
  certificate_id: string;
  es_id: string;
  der: Uint8Array;
  created_at: Timestamp;
}

declare module "./schema.js" {
  interface Database {
    production_batches: ProductionBatchesTable;
    production_leases: ProductionLeasesTable;
    usb_keys: UsbKeysTable;
    key_codes: KeyCodesTable;
    key_renewals: KeyRenewalsTable;
    seals: SealsTable;
  }
}

export type UsbKeyRow = Selectable<UsbKeysTable>;
export type ProductionBatchRow = Selectable<ProductionBatchesTable>;

/** Migration 0014: a desk key-login challenge, once used (its nonce), until it would expire. */
export interface KeyLoginChallengesUsedTable {
  nonce: string;
  expires_at: Timestamp;
}

declare module "./schema.js" {
  interface Database {
    key_login_challenges_used: KeyLoginChallengesUsedTable;
  }
}
