/** Programmes live in the store as validated data; an admin adds or edits one without code. */
import { sql, type Kysely } from "kysely";
import { setKeepingNewest } from "../domain/bounded.js";
import type { Clock } from "../domain/clock.js";
import { DomainError } from "../domain/errors.js";
import { programmeSchema, type Programme } from "../domain/programme.js";
import { appendAudit } from "../store/audit.js";
import type { Database } from "../store/schema.js";
import { actorLabel, type Actor } from "../people/actor.js";
import { requireRole } from "../people/people.js";
import { readCacheOf } from "../store/read-cache.js";

export function parseProgramme(input: unknown): Programme {
  const parsed = programmeSchema.safeParse(input);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new DomainError("programme.invalid", { path: "(request)", detail });
  }
  return parsed.data;
}

export async function getProgramme(db: Kysely<Database>, id: string): Promise<Programme> {
  const load = async () => {
    const row = await db
      .selectFrom("programmes")
      .select(definitionText)
      .where("id", "=", id)
      .executeTakeFirst();
    return row && programmeFromText(row.definition);
  };
  // Outside a transaction, kept until any programme is saved (store/read-cache.ts).
  const cache = readCacheOf(db);
  const programme = cache ? await cache.get("programme", id, load) : await load();
  if (!programme) throw new DomainError("programme.not_found", { programme: id });
  return programme;
}

export async function listProgrammes(db: Kysely<Database>): Promise<Programme[]> {
  const rows = await db.selectFrom("programmes").select(definitionText).orderBy("id").execute();
  return rows.map((r) => programmeFromText(r.definition));
}

/** The definition as the store's text: the key of the parsed programmes kept below. */
const definitionText = sql<string>`definition::text`.as("definition");

/**
 * Programmes parsed so far, by their stored text. Every request of an order reads its programme,
 * and validating one costs more than the rest of a simple request; a saved programme has new text,
 * so nothing here can go stale. Frozen: one object serves every caller.
 */
const parsedProgrammes = new Map<string, Programme>();
const PARSED_PROGRAMMES_KEPT = 32;

function programmeFromText(text: string): Programme {
  const known = parsedProgrammes.get(text);
  if (known) return known;
  const programme = deepFreeze(parseProgramme(JSON.parse(text)));
  setKeepingNewest(parsedProgrammes, text, programme, PARSED_PROGRAMMES_KEPT);
  return programme;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
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
