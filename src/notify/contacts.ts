/**
 * Where a person is told things: the mobile number they signed up with (SMS), an e-mail address
 * of their choosing, and the language of the messages.
 */
import type { Kysely } from "kysely";
import { z } from "zod";
import { DomainError } from "../domain/errors.js";
import type { Locale } from "../i18n/catalogue.js";
import { appendAudit } from "../store/audit.js";
import type { Database } from "../store/schema.js";
import { actorLabel, type Actor } from "../people/actor.js";
import "../store/schema-money.js";

export interface Contact {
  mobile: string | null;
  email: string | null;
  locale: Locale;
}

function userOf(actor: Actor): string {
  if (actor.kind === "system") throw new DomainError("auth.forbidden");
  return actor.userId;
}

export async function getContact(deps: { db: Kysely<Database> }, actor: Actor): Promise<Contact> {
  const user = await deps.db
    .selectFrom("users")
    .select(["mobile", "email", "locale"])
    .where("id", "=", userOf(actor))
    .executeTakeFirstOrThrow();
  return { mobile: user.mobile, email: user.email, locale: user.locale };
}

const emailSchema = z.email();

export async function setContact(
  deps: { db: Kysely<Database>; clock: { now(): Date } },
  actor: Actor,
  input: { email?: string | null | undefined; locale?: Locale | undefined },
): Promise<Contact> {
  const userId = userOf(actor);
  const set: { email?: string | null; locale?: Locale } = {};
  if (input.email !== undefined) {
    const email = input.email?.trim() || null;
    if (email !== null && !emailSchema.safeParse(email).success)
      throw new DomainError("notify.contact_invalid", { detail: "email" });
    set.email = email;
  }
  if (input.locale !== undefined) set.locale = input.locale;
  if (Object.keys(set).length > 0) {
    await deps.db.transaction().execute(async (tx) => {
      await tx.updateTable("users").set(set).where("id", "=", userId).execute();
      await appendAudit(
        tx,
        {
          actor: actorLabel(actor),
          action: "user.contact",
          subjectType: "user",
          subjectId: userId,
          data: { fields: Object.keys(set) },
        },
        deps.clock.now(),
      );
    });
  }
  return getContact(deps, actor);
}
