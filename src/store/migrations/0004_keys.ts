import { sql, type Kysely } from "kysely";

/**
 * USB keys: production batches at the service centre, the keys they make (one row per physical
 * key, with its production step so an interrupted batch resumes), the SO PIN of each key sealed
 * under the desk's secret key, activation and unlock codes (hashed), renewal requests made on a
 * key, and the electronic seals made for certificates.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table production_batches (
      id uuid primary key,
      created_by text not null,
      -- where the keys are made: "software:<folder>" or "pkcs11:<module>"
      station text not null,
      state text not null check (state in ('planned', 'running', 'done', 'failed')),
      total integer not null,
      done integer not null default 0,
      -- the code of the failure that stopped the last run (the batch resumes from there)
      error text,
      created_at timestamptz not null,
      updated_at timestamptz not null
    );

    create table usb_keys (
      id uuid primary key,
      batch_id uuid references production_batches(id),
      order_id uuid not null references orders(id),
      organisation_id uuid not null references organisations(id),
      programme_id text not null,
      -- the key's place in its order (a programme B order of N keys has 1..N)
      position integer not null,
      label text not null,
      kind text check (kind in ('software', 'pkcs11')),
      serial text,
      algorithm text not null check (algorithm in ('sm2', 'ecdsa-p256', 'rsa-2048')),
      -- CKA_ID (hex) of the key pair the current certificate certifies
      key_pair_id text not null,
      -- the SO PIN sealed under the desk's secret key (AES-256-GCM, scrypt); never in clear
      so_pin jsonb not null,
      public_key bytea,
      certificate_id uuid references certificates(id),
      step text not null check (step in
        ('planned', 'initialised', 'key_generated', 'certificate_issued', 'written', 'recorded')),
      activated_at timestamptz,
      formatted_at timestamptz,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      unique (order_id, position)
    );
    create unique index usb_keys_serial on usb_keys(serial) where serial is not null;
    create unique index usb_keys_certificate on usb_keys(certificate_id) where certificate_id is not null;
    create index usb_keys_batch on usb_keys(batch_id);

    create table key_codes (
      id uuid primary key,
      purpose text not null check (purpose in ('activation', 'unlock')),
      order_id uuid not null references orders(id),
      -- HMAC-SHA256 under the desk's secret key: a short code cannot be recovered from the store
      code_hash text not null,
      attempts_left integer not null,
      expires_at timestamptz,
      used_at timestamptz,
      created_at timestamptz not null
    );
    create index key_codes_order on key_codes(order_id, purpose);

    create table key_renewals (
      order_id uuid primary key references orders(id),
      usb_key_id uuid not null references usb_keys(id),
      key_pair_id text not null,
      csr bytea not null,
      created_at timestamptz not null
    );

    create table seals (
      id uuid primary key,
      order_id uuid not null unique references orders(id),
      certificate_id uuid not null references certificates(id),
      es_id text not null unique,
      der bytea not null,
      created_at timestamptz not null
    );
  `.execute(db);
}
