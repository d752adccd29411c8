import { sql, type Kysely } from "kysely";

/**
 * An order keeps the steps its service had when it was created: an admin who edits a programme
 * changes the way of new orders, never of orders under way.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table orders add column steps text[];
    update orders o set steps = array(
      select jsonb_array_elements_text(p.definition -> 'services' -> o.service -> 'steps')
    ) from programmes p where p.id = o.programme_id;
    update orders set steps = '{}' where steps is null;
    alter table orders alter column steps set not null;
    alter table orders alter column steps set default '{}';
  `.execute(db);
}
