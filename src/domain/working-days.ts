import type { CalendarDate } from "./dates.js";

/**
 * Working days as the State Council publishes them: weekends and public holidays are off, except
 * the weekend days declared working days (调休). Implemented by WorkingDayCalendar (calendar.ts).
 * Every method refuses a date in a year with no published calendar (error code calendar.year_unknown).
 */
export interface WorkingDays {
  isWorkingDay(date: CalendarDate): boolean;
  /** The n-th working day strictly after date (n >= 1); n = 0 returns date itself. */
  addWorkingDays(date: CalendarDate, n: number): CalendarDate;
  /** Working days in (from, to]: how many working days after `from` it takes to reach `to`. */
  workingDaysBetween(from: CalendarDate, to: CalendarDate): number;
}
