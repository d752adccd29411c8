/** Row types of migration 0011 (signed audit checkpoints), merged into schema.ts's Database. */
import type { ColumnType, Selectable } from "kysely";

type Int8 = ColumnType<bigint, bigint | number, bigint | number>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;

export interface AuditCheckpointsTable {
  id: number;
  at: Timestamp;
  /** the first row it covers (the row after the previous checkpoint's) */
  from_seq: Int8;
  /** its last row, whose hash is head_hash */
  seq: Int8;
  head_hash: string;
  /** the first 16 hex digits of each covered row's hash, in order */
  row_hashes: string;
  prev_mac: string;
  mac: string;
}

declare module "./schema.js" {
  interface Database {
    audit_checkpoints: AuditCheckpointsTable;
  }
}

export type AuditCheckpointRow = Selectable<AuditCheckpointsTable>;
