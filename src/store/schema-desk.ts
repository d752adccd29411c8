/** Row types of migration 0013 (the CA's settings in the store, the desk's events). */
import type { ColumnType, Generated, Selectable } from "kysely";

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export interface DeskSettingsTable {
  name: string;
  value: Json<Record<string, unknown>>;
  updated_at: Timestamp;
}

export interface DeskEventsTable {
  id: Generated<bigint>;
  type: string;
  data: Json<Record<string, unknown>>;
  created_at: Timestamp;
}

export interface DeskEventCursorsTable {
  consumer: string;
  last_id: bigint;
}

export type DeskEventRow = Selectable<DeskEventsTable>;

declare module "./schema.js" {
  interface Database {
    desk_settings: DeskSettingsTable;
    desk_events: DeskEventsTable;
    desk_event_cursors: DeskEventCursorsTable;
  }
}
