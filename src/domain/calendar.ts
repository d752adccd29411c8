/**
 * The working-day calendar as the State Council publishes it each year. Year data lists:
 * - holidays: every day off of each public holiday period, weekend days inside the period included
 *   (as the notice prints them, e.g. 2026-02-15..2026-02-23); a listed weekend day changes nothing;
 * - workdays: the weekend days declared working days (调休).
 * Any other day is a working day from Monday to Friday and a day off on Saturday and Sunday.
 * A year with no data is refused (calendar.year_unknown), never counted as plain weekdays.
 */
import { z } from "zod";
import { type CalendarDate, dayNumber, fromDayNumber, isCalendarDate, weekday, yearOf } from "./dates.js";
import { DomainError } from "./errors.js";
import type { WorkingDays } from "./working-days.js";

/** Every code this module throws; each has an entry in src/i18n/messages/calendar.ts. */
export const CALENDAR_ERROR_CODES = ["calendar.year_unknown", "calendar.data_invalid"] as const;

const calendarDateSchema = z.custom<CalendarDate>(
  (value) => typeof value === "string" && isCalendarDate(value),
  { message: "expected a calendar date YYYY-MM-DD" },
);

export const calendarYearSchema = z
  .strictObject({
    year: z.int().min(1000).max(9999),
    /** Where the data comes from, e.g. the title of the State Council notice. */
    source: z.string().optional(),
    holidays: z.array(calendarDateSchema),
    workdays: z.array(calendarDateSchema),
  })
  .superRefine((data, ctx) => {
    const seen = new Map<string, "holidays" | "workdays">();
    for (const list of ["holidays", "workdays"] as const) {
      data[list].forEach((date, index) => {
        const path = [list, index];
        if (yearOf(date) !== data.year) {
          ctx.addIssue({ code: "custom", path, message: `${date} is not in ${data.year}` });
        }
        const earlier = seen.get(date);
        if (earlier === list) {
          ctx.addIssue({ code: "custom", path, message: `${date} is listed twice in ${list}` });
        } else if (earlier) {
          ctx.addIssue({ code: "custom", path, message: `${date} is both a holiday and a workday` });
        }
        seen.set(date, list);
        if (list === "workdays" && !isWeekend(date)) {
          ctx.addIssue({
            code: "custom",
            path,
            message: `${date} is a workday but not a Saturday or Sunday`,
          });
        }
      });
    }
  });

export type CalendarYear = z.output<typeof calendarYearSchema>;

/** Validates year data (from a bundled file or an admin); throws calendar.data_invalid. */
export function parseCalendarYear(input: unknown): CalendarYear {
  const result = calendarYearSchema.safeParse(input);
  if (!result.success) {
    throw new DomainError("calendar.data_invalid", { detail: z.prettifyError(result.error) });
  }
  return result.data;
}

function isWeekend(date: CalendarDate): boolean {
  const day = weekday(date);
  return day === 0 || day === 6;
}

/** One year precomputed: cumulative[i] = working days from 1 January through day i (0-based), inclusive. */
interface YearTable {
  readonly data: CalendarYear;
  readonly firstDay: number;
  readonly cumulative: Uint16Array;
}

function buildYearTable(data: CalendarYear): YearTable {
  const firstDay = dayNumber(`${data.year}-01-01` as CalendarDate);
  const length = dayNumber(`${data.year + 1}-01-01` as CalendarDate) - firstDay;
  const holidays = new Set<string>(data.holidays);
  const workdays = new Set<string>(data.workdays);
  const cumulative = new Uint16Array(length);
  let count = 0;
  for (let i = 0; i < length; i++) {
    const date = fromDayNumber(firstDay + i);
    const working = workdays.has(date) || (!holidays.has(date) && !isWeekend(date));
    if (working) count++;
    cumulative[i] = count;
  }
  return { data, firstDay, cumulative };
}

function at(table: YearTable, index: number): number {
  return index < 0 ? 0 : (table.cumulative[index] ?? 0);
}

function total(table: YearTable): number {
  return at(table, table.cumulative.length - 1);
}

export class WorkingDayCalendar implements WorkingDays {
  readonly #tables: ReadonlyMap<number, YearTable>;

  /** Each year is validated; a year given twice is refused (use withYear to replace one). */
  constructor(years: Iterable<CalendarYear> = []) {
    const tables = new Map<number, YearTable>();
    for (const input of years) {
      const data = parseCalendarYear(input);
      if (tables.has(data.year)) {
        throw new DomainError("calendar.data_invalid", { detail: `year ${data.year} is given twice` });
      }
      tables.set(data.year, buildYearTable(data));
    }
    this.#tables = tables;
  }

  /** A new calendar with this year added, or replaced when already loaded (a corrected notice). */
  withYear(data: CalendarYear): WorkingDayCalendar {
    const others = [...this.#tables.values()].map((t) => t.data).filter((d) => d.year !== data.year);
    return new WorkingDayCalendar([...others, data]);
  }

  /** The loaded years, ascending. */
  years(): number[] {
    return [...this.#tables.keys()].sort((a, b) => a - b);
  }

  hasYear(year: number): boolean {
    return this.#tables.has(year);
  }

  /** The data a year was loaded from, for display and export. */
  yearData(year: number): CalendarYear | undefined {
    return this.#tables.get(year)?.data;
  }

  isWorkingDay(date: CalendarDate): boolean {
    const table = this.#table(yearOf(date));
    const i = dayNumber(date) - table.firstDay;
    return at(table, i) - at(table, i - 1) === 1;
  }

  addWorkingDays(date: CalendarDate, n: number): CalendarDate {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`n must be a whole number >= 0: ${n}`);
    let year = yearOf(date);
    let table = this.#table(year);
    if (n === 0) return date;
    let index = dayNumber(date) - table.firstDay;
    let remaining = n;
    for (;;) {
      const base = at(table, index);
      const available = total(table) - base;
      if (available >= remaining) {
        // The first day whose running count reaches base + remaining is that working day.
        const target = base + remaining;
        let lo = index + 1;
        let hi = table.cumulative.length - 1;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (at(table, mid) >= target) hi = mid;
          else lo = mid + 1;
        }
        return fromDayNumber(table.firstDay + lo);
      }
      remaining -= available;
      year++;
      table = this.#table(year);
      index = -1;
    }
  }

  /** Working days in (from, to]; negative when to is before from. */
  workingDaysBetween(from: CalendarDate, to: CalendarDate): number {
    if (to < from) return -this.workingDaysBetween(to, from);
    const fromYear = yearOf(from);
    const toYear = yearOf(to);
    let count = 0;
    for (let year = fromYear; year <= toYear; year++) {
      const table = this.#table(year);
      const start = year === fromYear ? at(table, dayNumber(from) - table.firstDay) : 0;
      const end = year === toYear ? at(table, dayNumber(to) - table.firstDay) : total(table);
      count += end - start;
    }
    return count;
  }

  #table(year: number): YearTable {
    const table = this.#tables.get(year);
    if (!table) throw new DomainError("calendar.year_unknown", { year });
    return table;
  }
}
