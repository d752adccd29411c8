import { sql, type Kysely } from "kysely";

/**
 * Forgotten passwords (people/password-reset.ts): at most one live reset code per user, kept as a
 * scrypt hash. A new request replaces the row (the old code stops working), a reset deletes it (a
 * code works once), and sent_at paces the SMS.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table password_reset_codes (
      user_id uuid primary key references users(id),
      id uuid not null unique,
      code_hash text not null,
      sent_at timestamptz not null,
      expires_at timestamptz not null
    );
  `.execute(db);
}
