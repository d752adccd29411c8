/**
 * Calendar dates as the desk counts them: a day in Asia/Shanghai, written "YYYY-MM-DD".
 * Rules compare and add whole days; instants become dates only through shanghaiDate().
 */
export type CalendarDate = string & { readonly __calendarDate: unique symbol };

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;
const SHANGHAI_OFFSET_MS = 8 * 3_600_000; // China has no daylight saving time since 1991.

export function isCalendarDate(value: string): value is CalendarDate {
  const m = DATE_RE.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === value;
}

export function calendarDate(value: string): CalendarDate {
  if (!isCalendarDate(value)) throw new RangeError(`not a calendar date (YYYY-MM-DD): ${value}`);
  return value;
}

/** The calendar date in Shanghai at the given instant. */
export function shanghaiDate(instant: Date): CalendarDate {
  return new Date(instant.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10) as CalendarDate;
}

/** The instant at which the given Shanghai date starts (00:00 +08:00). */
export function startOfShanghaiDay(date: CalendarDate): Date {
  return new Date(dayNumber(date) * DAY_MS - SHANGHAI_OFFSET_MS);
}

/** Days since 1970-01-01, for arithmetic. */
export function dayNumber(date: CalendarDate): number {
  return Date.parse(`${date}T00:00:00Z`) / DAY_MS;
}

export function fromDayNumber(n: number): CalendarDate {
  return new Date(n * DAY_MS).toISOString().slice(0, 10) as CalendarDate;
}

export function addDays(date: CalendarDate, days: number): CalendarDate {
  return fromDayNumber(dayNumber(date) + days);
}

/** Whole days from a to b (positive when b is later). */
export function daysBetween(a: CalendarDate, b: CalendarDate): number {
  return dayNumber(b) - dayNumber(a);
}

/** 0 = Sunday … 6 = Saturday. */
export function weekday(date: CalendarDate): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}

export function yearOf(date: CalendarDate): number {
  return Number(date.slice(0, 4));
}

/** Adds calendar years, clamping 29 February to 28 February. */
export function addYears(date: CalendarDate, years: number): CalendarDate {
  const y = yearOf(date) + years;
  const md = date.slice(5);
  const candidate = `${String(y).padStart(4, "0")}-${md}`;
  return isCalendarDate(candidate) ? candidate : (`${y}-02-28` as CalendarDate);
}
