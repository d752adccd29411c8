/**
 * Row types of migration 0006 (electronic seals). The seals table is declared by schema-keys.ts
 * (0004); the columns 0006 adds are typed here and merged in where the seal services use them, so
 * the two declarations never clash: `sealStore(db)` is the store seen with both.
 */
import type { ColumnType, Kysely, Selectable, Transaction } from "kysely";
import type { SealType } from "../domain/programme.js";
import "./schema-keys.js";
import type { Database } from "./schema.js";

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Optional<T> = ColumnType<T | null, T | null | undefined, T | null>;

/** What 0006 adds to seals: nullable, since 0004's writers do not know these columns. */
export type SealColumns0006 = {
  name: Optional<string>;
  seal_type: Optional<SealType>;
  picture: Optional<Uint8Array>;
  width_mm: Optional<number>;
  height_mm: Optional<number>;
  valid_from: Optional<Date>;
  valid_to: Optional<Date>;
  replaced_at: Optional<Date>;
  replaced_by: Optional<string>;
};

export type SealImagesTable = {
  order_id: string;
  source: Uint8Array;
  source_type: "image/png" | "image/jpeg";
  source_sha256: string;
  png: Uint8Array;
  width_mm: number;
  height_mm: number;
  dpi: number;
  width_px: number;
  height_px: number;
  uploaded_by: string;
  uploaded_at: Timestamp;
};

export type SealTables = {
  seals: SealColumns0006;
  seal_images: SealImagesTable;
};

export type SealDatabase = Database & SealTables;
export type SealRow = Selectable<SealDatabase["seals"]>;
export type SealImageRow = Selectable<SealImagesTable>;

export function sealStore(db: Kysely<Database>): Kysely<SealDatabase>;
export function sealStore(db: Transaction<Database>): Transaction<SealDatabase>;
export function sealStore(db: Kysely<Database>): Kysely<SealDatabase> {
  return db.withTables<SealTables>();
}
