import { sql, type Kysely } from "kysely";

/**
 * The courier and waybill number of the paper originals the applicant mails to the service centre
 * (orders/paper-tracking.ts): entered in the portal, shown to the reviewer who records the paper
 * received. Nullable: most orders have no paper, and an applicant may not give one.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table orders
      add column paper_carrier text,
      add column paper_tracking_number text,
      add column paper_tracking_at timestamptz
  `.execute(db);
}
