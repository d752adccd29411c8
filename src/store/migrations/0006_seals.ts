import { sql, type Kysely } from "kysely";

/**
 * Electronic seals made at the desk, and the seal images applicants upload for them.
 *
 * The seals table first came with the USB keys (0004: a seal per order, installed on the key); here
 * it gets what the desk needs to manage seals: name and type, the picture and its size, validity,
 * and replacement. One certificate holds at most one seal: a seal change marks the old seal
 * replaced and binds the new one, and a partial unique index keeps one live seal per certificate
 * even when two productions race. The table is created here if 0004 ever stops making it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table if not exists seals (
      id uuid primary key,
      order_id uuid not null unique references orders(id),
      certificate_id uuid not null references certificates(id),
      es_id text not null unique,
      der bytea not null,
      created_at timestamptz not null
    );
    alter table seals
      add column if not exists name text,
      add column if not exists seal_type text check (seal_type in ('official', 'contract')),
      add column if not exists picture bytea,
      add column if not exists width_mm integer check (width_mm between 1 and 1000),
      add column if not exists height_mm integer check (height_mm between 1 and 1000),
      add column if not exists valid_from timestamptz,
      add column if not exists valid_to timestamptz,
      add column if not exists replaced_at timestamptz,
      add column if not exists replaced_by uuid references seals(id);
    create unique index if not exists seals_one_live_per_certificate on seals(certificate_id)
      where replaced_at is null;

    -- The applicant's scan or photo of the physical imprint and the clean picture made from it,
    -- previewed before production makes the seal. A new upload replaces the previous one.
    create table seal_images (
      order_id uuid primary key references orders(id),
      source bytea not null,
      source_type text not null check (source_type in ('image/png', 'image/jpeg')),
      source_sha256 text not null,
      png bytea not null,
      width_mm integer not null check (width_mm between 1 and 1000),
      height_mm integer not null check (height_mm between 1 and 1000),
      dpi integer not null check (dpi between 72 and 2400),
      width_px integer not null,
      height_px integer not null,
      uploaded_by uuid not null references users(id),
      uploaded_at timestamptz not null
    );
  `.execute(db);
}
