/** Arguments and option values checked at the edge, each failure with its own message code. */
import { type CalendarDate, isCalendarDate } from "../domain/dates.js";
import { DomainError } from "../domain/errors.js";

export function wholeNumber(option: string, value: string): number {
  const n = /^\d{1,15}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) throw new DomainError("cli.not_whole_number", { option, value });
  return n;
}

export function optionalWholeNumber(option: string, value: string | undefined): number | undefined {
  return value === undefined ? undefined : wholeNumber(option, value);
}

export function calendarDateArgument(value: string): CalendarDate {
  if (!isCalendarDate(value)) throw new DomainError("cli.bad_date", { value });
  return value;
}

export function oneOf<T extends string>(option: string, value: string, allowed: readonly T[]): T {
  const found = allowed.find((a) => a === value);
  if (found === undefined)
    throw new DomainError("cli.invalid_value", { option, value, allowed: allowed.join(", ") });
  return found;
}
