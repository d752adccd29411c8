import { sql, type Kysely } from "kysely";

/**
 * Each key keeps the plan and term it was bought on: one order (a programme B basket) may hold
 * keys on different plans and terms, so the order alone no longer says which. The plan decides
 * which single services the key gets free; the term, its certificate's validity. Null on keys
 * planned before: their order's details still say it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table usb_keys add column plan text;
    alter table usb_keys add column years integer check (years is null or years > 0);
  `.execute(db);
}
