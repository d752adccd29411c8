import { sql, type Kysely } from "kysely";

/**
 * Staff order search (services/order-search.ts): an index to start from for each filter, in the
 * order the results come (newest first), so that a page of results is read from an index, not
 * from a scan of every order. Number and USCC are searched by their beginning (text_pattern_ops
 * serves LIKE 'prefix%' whatever the database's collation).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create index orders_number_prefix on orders(number text_pattern_ops);
    create index orders_created on orders(created_at desc, id desc);
    create index orders_state_created on orders(state, created_at desc);
    create index orders_service_created on orders(service, created_at desc);
    create index orders_applicant_created on orders(applicant_id, created_at desc);
    create index orders_due on orders(due_on) where due_kind is not null;
    create index organisations_uscc_prefix on organisations(uscc text_pattern_ops);
    create index users_mobile on users(mobile);
  `.execute(db);
}
