/** Programmes live in the store as validated data; an admin adds or edits one without code. */
import type { Kysely } from "kysely";
import type { Clock } from "../domain/clock.js";
import { DomainError } from "../domain/errors.js";
import { programmeSchema, type Programme } from "../domain/programme.js";
import { appendAudit } from "../store/audit.js";
import type { Database } from "../store/schema.js";
import { actorLabel, type Actor } from "./actor.js";
import { requireRole } from "./people.js";

export function parseProgramme(input: unknown): Programme {
  const parsed = programmeSchema.safeParse(input);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new DomainError("programme.invalid", { path: "(request)", detail });
  }
  return parsed.data;
}

export async function getProgramme(db: Kysely<Database>, id: string): Promise<Programme> {
  const row = await db.selectFrom("programmes").select("definition").where("id", "=", id).executeTakeFirst();
  if (!row) throw new DomainError("programme.not_found", { programme: id });
  return parseProgramme(row.definition);
}

export async function listProgrammes(db: Kysely<Database>): Promise<Programme[]> {
  const rows = await db.selectFrom("programmes").select("definition").orderBy("id").execute();
  return rows.map((r) => parseProgramme(r.definition));
}

/** Adds or replaces a programme; each save bumps its version and is audited. */
export async function saveProgramme(
  deps: { db: Kysely<Database>; clock: Clock },
  actor: Actor,
  input: unknown,
): Promise<{ programme: Programme; version: number }> {
  requireRole(actor, "admin");
  const programme = parseProgramme(input);
  const now = deps.clock.now();
  return deps.db.transaction().execute(async (tx) => {
    const existing = await tx
      .selectFrom("programmes")
      .select("version")
      .where("id", "=", programme.id)
      .forUpdate()
      .executeTakeFirst();
    const version = (existing?.version ?? 0) + 1;
    const definition = JSON.stringify(programme);
    if (existing) {
      await tx
        .updateTable("programmes")
        .set({ definition, version, updated_at: now })
        .where("id", "=", programme.id)
        .execute();
    } else {
      await tx
        .insertInto("programmes")
        .values({ id: programme.id, definition, version, updated_at: now })
        .execute();
    }
    await appendAudit(
      tx,
      {
        actor: actorLabel(actor),
        action: existing ? "programme.update" : "programme.create",
        subjectType: "programme",
        subjectId: programme.id,
        data: { version },
      },
      now,
    );
    return { programme, version };
  });
}
