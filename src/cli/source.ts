/**
 * Where the CLI reads its data: the configured store, or the demo programmes file and the bundled
 * calendar when none is configured. The store counts as configured when DATABASE_URL is set or the
 * embedded database folder already exists; commands that write create an embedded one if needed.
 * The store modules (PGlite, pg) are imported only when a store is opened, to keep the CLI fast.
 */
import { existsSync, readFileSync } from "node:fs";
import { extname } from "node:path";
import { type Config, ConfigError, loadConfig } from "../config.js";
import type { WorkingDayCalendar } from "../domain/calendar.js";
import { DomainError } from "../domain/errors.js";
import type { Programme } from "../domain/programme.js";
import type { CaSettings } from "../desk/desk-settings.js";
import type { Kysely } from "kysely";
import type { Store } from "../store/database.js";
import type { Database } from "../store/schema.js";

/** Read access to programmes and the calendar, from whichever source is configured. */
export interface DeskData {
  programme(id: string): Promise<Programme>;
  programmes(): Promise<Programme[]>;
  calendar(): Promise<WorkingDayCalendar>;
}

export function cliConfig(env: Record<string, string | undefined>): Config {
  try {
    return loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError)
      throw new DomainError("cli.config_invalid", { detail: e.problems.join("; ") });
    throw e;
  }
}

export function storeConfigured(config: Config): boolean {
  return config.store.kind === "postgres" || existsSync(config.store.dataDir);
}

/**
 * Opens the store, runs fn and always closes the store. Without `create`, a store that is not
 * configured is an error (cli.no_store) rather than an empty database made on the spot.
 */
export async function withStore<T>(
  config: Config,
  options: { create: boolean },
  fn: (store: Store) => Promise<T>,
): Promise<T> {
  if (!options.create && !storeConfigured(config)) {
    throw new DomainError("cli.no_store", {
      folder: config.store.kind === "embedded" ? config.store.dataDir : "",
    });
  }
  const { openStore } = await import("../store/database.js");
  let store: Store;
  try {
    store = await openStore(config.store);
  } catch (e) {
    if (e instanceof DomainError) throw e;
    throw new DomainError("cli.store_unavailable", { detail: errorText(e) });
  }
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/**
 * The CA's settings (certificate URLs, publication timings) from the store, the desk's own: a
 * CERTDESK_* value in the CLI's environment that disagrees is refused (settings.conflict).
 */
export async function storedCaSettings(config: Config, db: Kysely<Database>, now: Date): Promise<CaSettings> {
  const { settleCaSettings } = await import("../desk/desk-settings.js");
  return settleCaSettings(db, config.caSettings, now);
}

/** Runs fn on the store when one is configured, else on the demo file and the bundled calendar. */
export async function withDeskData<T>(config: Config, fn: (data: DeskData) => Promise<T>): Promise<T> {
  if (storeConfigured(config))
    return withStore(config, { create: false }, async (store) => fn(await storeData(store)));
  return fn(await demoData());
}

async function storeData(store: Store): Promise<DeskData> {
  const { getProgramme, listProgrammes } = await import("../orders/programmes.js");
  return {
    programme: (id) => getProgramme(store.db, id),
    programmes: () => listProgrammes(store.db),
    calendar: () => storedCalendar(store.db),
  };
}

/** The calendar in the store; the bundled years are seeded first into an empty table. */
export async function storedCalendar(db: Kysely<Database>): Promise<WorkingDayCalendar> {
  const { loadCalendar, seedBundledCalendar } = await import("../desk/calendar.js");
  const any = await db.selectFrom("calendar_years").select("year").limit(1).executeTakeFirst();
  if (!any) await seedBundledCalendar(db);
  return loadCalendar(db);
}

async function demoData(): Promise<DeskData> {
  const [{ readProgrammesFile, demoProgrammesPath }, { loadBundledCalendars }] = await Promise.all([
    import("../store/programme-files.js"),
    import("../domain/bundled-calendars.js"),
  ]);
  let programmes: Programme[] | undefined;
  const all = (): Programme[] => (programmes ??= readProgrammesFile(demoProgrammesPath));
  return {
    programme: async (id) => {
      const found = all().find((p) => p.id === id);
      if (!found) throw new DomainError("programme.not_found", { programme: id });
      return found;
    },
    programmes: async () => all(),
    calendar: async () => loadBundledCalendars(),
  };
}

/** A JSON or YAML file (by extension; YAML otherwise, which also reads JSON). */
export async function readDataFile(path: string): Promise<unknown> {
  let source: string;
  try {
    source = readFileSync(path, "utf8");
  } catch (e) {
    throw new DomainError("cli.file_unreadable", { path, detail: errorText(e) });
  }
  try {
    if (extname(path).toLowerCase() === ".json") return JSON.parse(source);
    const { parse } = await import("yaml");
    return parse(source);
  } catch (e) {
    throw new DomainError("cli.file_invalid", { path, detail: errorText(e) });
  }
}

export function errorText(e: unknown): string {
  if (e instanceof AggregateError && e.errors.length > 0) return e.errors.map(errorText).join("; ");
  return e instanceof Error ? e.message || e.name : String(e);
}
