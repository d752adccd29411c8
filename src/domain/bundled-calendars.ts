/**
 * The State Council calendars shipped with certdesk, imported as modules (no file I/O at run time).
 * Add a year here once its notice is published (usually in November of the year before); an admin
 * can also load one at run time with WorkingDayCalendar.withYear.
 */
import data2025 from "../../data/calendars/2025.json" with { type: "json" };
import data2026 from "../../data/calendars/2026.json" with { type: "json" };
import { WorkingDayCalendar, parseCalendarYear } from "./calendar.js";

export const bundledCalendarYears: readonly unknown[] = [data2025, data2026];

export function loadBundledCalendars(): WorkingDayCalendar {
  return new WorkingDayCalendar(bundledCalendarYears.map(parseCalendarYear));
}
