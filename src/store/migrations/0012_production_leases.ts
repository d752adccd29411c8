import { sql, type Kysely } from "kysely";

/**
 * Who runs a production batch, as a lease: one row per batch being run, with the runner's id, its
 * host and process id, and an expiry the runner pushes on while it works. A second runner is
 * refused while the lease is live; a lease past its expiry, or held by a dead process on the same
 * host, is taken over. And the use counter of each key as the desk last saw it, so that a copy of
 * a software key file used after the original (its counter behind) is refused.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table production_leases (
      batch_id uuid primary key references production_batches(id),
      -- random per run: a restarted process with a reused pid is still another owner
      owner text not null,
      host text not null,
      pid integer not null,
      -- what runs it: "certdesk produce" or "desk"
      program text not null,
      acquired_at timestamptz not null default now(),
      expires_at timestamptz not null
    );
    alter table usb_keys add column use_counter bigint not null default 0;
  `.execute(db);
}
