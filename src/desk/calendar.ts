/**
 * The working-day calendar in use: years stored in the database (the bundled 2025 and 2026 are
 * seeded at first start), held in memory, and extended by an admin with a new year's data.
 */
import type { Kysely } from "kysely";
import { bundledCalendarYears } from "../domain/bundled-calendars.js";
import { WorkingDayCalendar, parseCalendarYear } from "../domain/calendar.js";
import type { Clock } from "../domain/clock.js";
import type { CalendarDate } from "../domain/dates.js";
import type { WorkingDays } from "../domain/working-days.js";
import { appendAudit } from "../store/audit.js";
import type { Database } from "../store/schema.js";
import { actorLabel, type Actor } from "../people/actor.js";
import { requireRole } from "../people/people.js";

/** A WorkingDays whose years can grow while the server runs. */
export class LiveCalendar implements WorkingDays {
  constructor(private calendar: WorkingDayCalendar) {}
  replace(calendar: WorkingDayCalendar): void {
    this.calendar = calendar;
  }
  get current(): WorkingDayCalendar {
    return this.calendar;
  }
  isWorkingDay(date: CalendarDate): boolean {
    return this.calendar.isWorkingDay(date);
  }
  addWorkingDays(date: CalendarDate, n: number): CalendarDate {
    return this.calendar.addWorkingDays(date, n);
  }
  workingDaysBetween(from: CalendarDate, to: CalendarDate): number {
    return this.calendar.workingDaysBetween(from, to);
  }
}

export async function seedBundledCalendar(db: Kysely<Database>): Promise<void> {
  for (const raw of bundledCalendarYears) {
    const year = parseCalendarYear(raw);
    await db
      .insertInto("calendar_years")
      .values({ year: year.year, data: JSON.stringify(raw) })
      .onConflict((oc) => oc.column("year").doNothing())
      .execute();
  }
}

export async function loadCalendar(db: Kysely<Database>): Promise<WorkingDayCalendar> {
  const rows = await db.selectFrom("calendar_years").select("data").orderBy("year").execute();
  return new WorkingDayCalendar(rows.map((r) => parseCalendarYear(r.data)));
}

export async function addCalendarYear(
  deps: { db: Kysely<Database>; clock: Clock; calendar: LiveCalendar },
  actor: Actor,
  raw: unknown,
): Promise<{ year: number }> {
  requireRole(actor, "admin");
  const year = parseCalendarYear(raw);
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (tx) => {
    await tx
      .insertInto("calendar_years")
      .values({ year: year.year, data: JSON.stringify(raw), loaded_at: now })
      .onConflict((oc) => oc.column("year").doUpdateSet({ data: JSON.stringify(raw), loaded_at: now }))
      .execute();
    await appendAudit(
      tx,
      {
        actor: actorLabel(actor),
        action: "calendar.load_year",
        subjectType: "calendar",
        subjectId: String(year.year),
        data: { holidays: year.holidays.length, workdays: year.workdays.length },
      },
      now,
    );
  });
  deps.calendar.replace(await loadCalendar(deps.db));
  return { year: year.year };
}
