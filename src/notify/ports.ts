/**
 * The ports messages leave through. A real SMS provider plugs in behind SmsSender; e-mail goes
 * through nodemailer's SMTP transport (email.ts). The development SMS sink keeps every message in
 * the store, where the back office reads it (GET /api/staff/sms).
 */
import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { Clock } from "../domain/clock.js";
import type { Database } from "../store/schema.js";
import "../store/schema-money.js";

export interface OutgoingSms {
  /** The outbox row this message delivers: a provider that dedupes by it sends once. */
  outboxId: bigint | null;
  to: string;
  text: string;
}

export interface SmsSender {
  readonly name: string;
  send(message: OutgoingSms): Promise<{ providerRef: string }>;
}

export interface OutgoingEmail {
  outboxId: bigint | null;
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  readonly name: string;
  send(message: OutgoingEmail): Promise<{ providerRef: string }>;
  close(): Promise<void>;
}

/** Keeps every SMS in sms_messages, once per outbox row even when delivery is retried. */
export class DevSmsSink implements SmsSender {
  readonly name = "dev-sink";

  constructor(private readonly deps: { db: Kysely<Database>; clock: Clock }) {}

  async send(message: OutgoingSms): Promise<{ providerRef: string }> {
    const id = randomUUID();
    const inserted = await this.deps.db
      .insertInto("sms_messages")
      .values({
        id,
        outbox_id: message.outboxId,
        recipient: message.to,
        text: message.text,
        created_at: this.deps.clock.now(),
      })
      .onConflict((oc) => oc.column("outbox_id").doNothing())
      .returning("id")
      .executeTakeFirst();
    if (inserted) return { providerRef: inserted.id };
    const existing = await this.deps.db
      .selectFrom("sms_messages")
      .select("id")
      .where("outbox_id", "=", message.outboxId)
      .executeTakeFirstOrThrow();
    return { providerRef: existing.id };
  }
}
