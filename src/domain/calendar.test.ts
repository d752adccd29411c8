import { describe, expect, it } from "vitest";
import { calendarMessages } from "../i18n/messages/calendar.js";
import { bundledCalendarYears, loadBundledCalendars } from "./bundled-calendars.js";
import {
  CALENDAR_ERROR_CODES,
  type CalendarYear,
  WorkingDayCalendar,
  calendarYearSchema,
  parseCalendarYear,
} from "./calendar.js";
import { type CalendarDate, addDays, calendarDate, weekday } from "./dates.js";
import { DomainError } from "./errors.js";

const d = calendarDate;
const calendar = loadBundledCalendars();

function range(from: string, to: string): CalendarDate[] {
  const days: CalendarDate[] = [];
  for (let day = d(from); day <= d(to); day = addDays(day, 1)) days.push(day);
  return days;
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected the call to throw");
}

function expectYearUnknown(fn: () => unknown, year: number): void {
  const e = thrown(fn);
  expect(e).toBeInstanceOf(DomainError);
  expect(e).toMatchObject({ code: "calendar.year_unknown", params: { year } });
}

// Written out from the notices (DOMAIN.md for 2026, the November 2024 notice for 2025), independently
// of data/calendars/*.json, so that a typo in a file fails these tests.
const published = {
  2025: {
    off: [
      ...range("2025-01-01", "2025-01-01"),
      ...range("2025-01-28", "2025-02-04"),
      ...range("2025-04-04", "2025-04-06"),
      ...range("2025-05-01", "2025-05-05"),
      ...range("2025-05-31", "2025-06-02"),
      ...range("2025-10-01", "2025-10-08"),
    ],
    worked: ["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"].map(d),
  },
  2026: {
    off: [
      ...range("2026-01-01", "2026-01-03"),
      ...range("2026-02-15", "2026-02-23"),
      ...range("2026-04-04", "2026-04-06"),
      ...range("2026-05-01", "2026-05-05"),
      ...range("2026-06-19", "2026-06-21"),
      ...range("2026-09-25", "2026-09-27"),
      ...range("2026-10-01", "2026-10-07"),
    ],
    worked: ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"].map(d),
  },
} as const;

const allDays = range("2025-01-01", "2026-12-31");
const publishedOff = new Set<string>([...published[2025].off, ...published[2026].off]);
const publishedWorked = new Set<string>([...published[2025].worked, ...published[2026].worked]);

/** The rule written plainly: 调休 days work, holidays are off, otherwise Monday to Friday. */
function naiveIsWorkingDay(day: CalendarDate): boolean {
  if (publishedWorked.has(day)) return true;
  if (publishedOff.has(day)) return false;
  return weekday(day) !== 0 && weekday(day) !== 6;
}

describe("State Council calendars 2025 and 2026 (bundled data)", () => {
  it("the bundled files list exactly the published holidays and 调休 workdays", () => {
    for (const year of [2025, 2026] as const) {
      const data = calendar.yearData(year);
      expect([...(data?.holidays ?? [])].sort()).toEqual([...published[year].off].sort());
      expect([...(data?.workdays ?? [])].sort()).toEqual([...published[year].worked].sort());
    }
  });

  it("every 调休 day is a working day and falls on a Saturday or Sunday", () => {
    for (const day of publishedWorked) {
      expect(calendar.isWorkingDay(d(day)), day).toBe(true);
      expect([0, 6], day).toContain(weekday(d(day)));
    }
  });

  it("every day of every public holiday is a day off", () => {
    for (const day of publishedOff) expect(calendar.isWorkingDay(d(day)), day).toBe(false);
  });

  it("every other day follows the week: Monday to Friday work, Saturday and Sunday off", () => {
    for (const day of allDays) expect(calendar.isWorkingDay(day), day).toBe(naiveIsWorkingDay(day));
  });

  it("2025 and 2026 each have 248 working days", () => {
    const days2025 = allDays.filter((day) => day < "2026" && calendar.isWorkingDay(day)).length;
    expect(days2025).toBe(248);
    expect(calendar.workingDaysBetween(d("2025-12-31"), d("2026-12-31"))).toBe(248);
  });

  it("each bundled file passes the year schema", () => {
    for (const data of bundledCalendarYears) expect(calendarYearSchema.safeParse(data).success).toBe(true);
    expect(calendar.years()).toEqual([2025, 2026]);
  });
});

describe("addWorkingDays: the n-th working day strictly after a date", () => {
  it("after the day before National Day 2026, skips Oct 1-7 and counts the worked Saturday Oct 10", () => {
    const expected = ["2026-10-08", "2026-10-09", "2026-10-10", "2026-10-12", "2026-10-13", "2026-10-14"];
    expected.forEach((day, i) => expect(calendar.addWorkingDays(d("2026-09-30"), i + 1)).toBe(day));
  });

  it("across Spring Festival 2026, counts the worked Saturdays Feb 14 and Feb 28 and skips Feb 15-23", () => {
    const expected = ["2026-02-13", "2026-02-14", "2026-02-24", "2026-02-25", "2026-02-26", "2026-02-27"];
    expected.push("2026-02-28", "2026-03-02");
    expected.forEach((day, i) => expect(calendar.addWorkingDays(d("2026-02-12"), i + 1)).toBe(day));
  });

  it("across the 2025/2026 year boundary, skips Jan 1-3 2026 and counts the worked Sunday Jan 4", () => {
    expect(calendar.addWorkingDays(d("2025-12-30"), 1)).toBe("2025-12-31");
    expect(calendar.addWorkingDays(d("2025-12-30"), 2)).toBe("2026-01-04");
    expect(calendar.addWorkingDays(d("2025-12-30"), 3)).toBe("2026-01-05");
  });

  it("starting on a day off counts from the next working day", () => {
    expect(calendar.addWorkingDays(d("2026-10-03"), 1)).toBe("2026-10-08");
    expect(calendar.addWorkingDays(d("2026-02-21"), 1)).toBe("2026-02-24");
  });

  it("n = 0 returns the date itself, even a day off", () => {
    expect(calendar.addWorkingDays(d("2026-10-01"), 0)).toBe("2026-10-01");
  });

  it("a negative or fractional n is a programming error", () => {
    expect(() => calendar.addWorkingDays(d("2026-10-01"), -1)).toThrow(RangeError);
    expect(() => calendar.addWorkingDays(d("2026-10-01"), 1.5)).toThrow(RangeError);
  });

  it("hundreds of working days run through both years to the last working day of 2026", () => {
    expect(calendar.addWorkingDays(d("2025-01-01"), 496)).toBe("2026-12-31");
    expect(calendar.addWorkingDays(d("2025-01-01"), 248)).toBe("2025-12-31");
    expect(calendar.addWorkingDays(d("2025-01-01"), 300)).toBe(allDays.filter(naiveIsWorkingDay)[299]);
  });
});

describe("a year with no published calendar is refused (calendar.year_unknown)", () => {
  it("a date in 2027 is refused by every method", () => {
    expectYearUnknown(() => calendar.isWorkingDay(d("2027-01-04")), 2027);
    expectYearUnknown(() => calendar.addWorkingDays(d("2027-01-04"), 1), 2027);
    expectYearUnknown(() => calendar.addWorkingDays(d("2027-01-04"), 0), 2027);
    expectYearUnknown(() => calendar.workingDaysBetween(d("2026-12-01"), d("2027-01-05")), 2027);
  });

  it("a date in 2024 is refused", () => {
    expectYearUnknown(() => calendar.isWorkingDay(d("2024-12-31")), 2024);
    expectYearUnknown(() => calendar.workingDaysBetween(d("2024-12-31"), d("2025-01-02")), 2024);
  });

  it("adding working days past the end of 2026 needs 2027 and is refused", () => {
    expect(calendar.addWorkingDays(d("2026-12-30"), 1)).toBe("2026-12-31");
    expectYearUnknown(() => calendar.addWorkingDays(d("2026-12-30"), 2), 2027);
    expectYearUnknown(() => calendar.addWorkingDays(d("2025-01-01"), 497), 2027);
  });

  it("with only 2025 loaded, crossing into 2026 is refused rather than counted as weekdays", () => {
    const only2025 = new WorkingDayCalendar([parseCalendarYear(bundledCalendarYears[0])]);
    expect(only2025.addWorkingDays(d("2025-12-30"), 1)).toBe("2025-12-31");
    expectYearUnknown(() => only2025.addWorkingDays(d("2025-12-30"), 2), 2026);
  });

  it("a gap between loaded years is refused", () => {
    const withGap = calendar.withYear({ year: 2028, holidays: [], workdays: [] });
    expectYearUnknown(() => withGap.workingDaysBetween(d("2026-12-01"), d("2028-01-05")), 2027);
  });
});

describe("workingDaysBetween counts working days in (from, to]", () => {
  it("excludes from and includes to", () => {
    expect(calendar.workingDaysBetween(d("2026-09-30"), d("2026-10-10"))).toBe(3);
    expect(calendar.workingDaysBetween(d("2026-10-09"), d("2026-10-10"))).toBe(1);
    expect(calendar.workingDaysBetween(d("2026-10-10"), d("2026-10-10"))).toBe(0);
  });

  it("across the year boundary", () => {
    expect(calendar.workingDaysBetween(d("2025-12-31"), d("2026-01-05"))).toBe(2);
  });

  it("is negative when to is before from", () => {
    expect(calendar.workingDaysBetween(d("2026-10-10"), d("2026-09-30"))).toBe(-3);
  });

  it("agrees with isWorkingDay and addWorkingDays for every day of 2025 and 2026", () => {
    const first = d("2025-01-01");
    let running = 0;
    for (const day of allDays) {
      if (day !== first && calendar.isWorkingDay(day)) running++;
      expect(calendar.workingDaysBetween(first, day), day).toBe(running);
    }
    const last = d("2026-12-31");
    for (const day of allDays) {
      const left = calendar.workingDaysBetween(day, last);
      for (const n of [1, 2, 3, 5, 10, 15, 30]) {
        if (n > left) {
          expectYearUnknown(() => calendar.addWorkingDays(day, n), 2027);
          continue;
        }
        const result = calendar.addWorkingDays(day, n);
        expect(calendar.isWorkingDay(result), `${day}+${n}`).toBe(true);
        expect(calendar.workingDaysBetween(day, result), `${day}+${n}`).toBe(n);
        expect(calendar.workingDaysBetween(day, addDays(result, -1)), `${day}+${n}`).toBe(n - 1);
      }
    }
  });
});

describe("calendar year data is validated (calendar.data_invalid)", () => {
  const valid: CalendarYear = { year: 2027, holidays: [d("2027-01-01")], workdays: [] };

  function issues(input: unknown): string[] {
    const result = calendarYearSchema.safeParse(input);
    return result.success ? [] : result.error.issues.map((issue) => issue.message);
  }

  it("accepts well-formed data", () => {
    expect(parseCalendarYear(valid)).toEqual(valid);
  });

  it("refuses a date outside the year", () => {
    expect(issues({ ...valid, holidays: ["2026-12-31"] })).toEqual(["2026-12-31 is not in 2027"]);
  });

  it("refuses a date that is both a holiday and a workday", () => {
    expect(issues({ year: 2027, holidays: ["2027-01-02"], workdays: ["2027-01-02"] })).toEqual([
      "2027-01-02 is both a holiday and a workday",
    ]);
  });

  it("refuses a workday that is not a Saturday or Sunday", () => {
    expect(issues({ ...valid, workdays: ["2027-01-04"] })).toEqual([
      "2027-01-04 is a workday but not a Saturday or Sunday",
    ]);
  });

  it("refuses a date listed twice", () => {
    expect(issues({ ...valid, holidays: ["2027-01-01", "2027-01-01"] })).toEqual([
      "2027-01-01 is listed twice in holidays",
    ]);
  });

  it("refuses dates that do not exist, unknown fields and missing lists", () => {
    expect(issues({ ...valid, holidays: ["2027-02-30"] })).toHaveLength(1);
    expect(issues({ ...valid, holiday: [] })).toHaveLength(1);
    expect(issues({ year: 2027, holidays: [] })).toHaveLength(1);
  });

  it("parseCalendarYear throws calendar.data_invalid with the details", () => {
    const e = thrown(() => parseCalendarYear({ ...valid, workdays: ["2027-01-04"] }));
    expect(e).toBeInstanceOf(DomainError);
    expect(e).toMatchObject({ code: "calendar.data_invalid" });
    expect((e as DomainError).params.detail).toContain(
      "2027-01-04 is a workday but not a Saturday or Sunday",
    );
  });

  it("the constructor validates its years and refuses a year given twice", () => {
    const bad = { year: 2027, holidays: [], workdays: [d("2027-01-04")] };
    expect(thrown(() => new WorkingDayCalendar([bad]))).toMatchObject({ code: "calendar.data_invalid" });
    expect(thrown(() => new WorkingDayCalendar([valid, valid]))).toMatchObject({
      code: "calendar.data_invalid",
    });
  });
});

describe("withYear returns a new calendar and leaves the original unchanged", () => {
  it("adds a year", () => {
    const next = calendar.withYear({ year: 2027, holidays: [d("2027-01-01")], workdays: [] });
    expect(next.years()).toEqual([2025, 2026, 2027]);
    expect(next.isWorkingDay(d("2027-01-01"))).toBe(false);
    expect(next.addWorkingDays(d("2026-12-30"), 2)).toBe("2027-01-04");
    expectYearUnknown(() => calendar.isWorkingDay(d("2027-01-04")), 2027);
  });

  it("replaces a loaded year (a corrected notice)", () => {
    const corrected = calendar.withYear({ year: 2026, holidays: [], workdays: [] });
    expect(corrected.isWorkingDay(d("2026-10-01"))).toBe(true);
    expect(corrected.isWorkingDay(d("2026-10-10"))).toBe(false);
    expect(calendar.isWorkingDay(d("2026-10-01"))).toBe(false);
    expect(corrected.years()).toEqual([2025, 2026]);
  });

  it("an empty calendar knows no year", () => {
    expectYearUnknown(() => new WorkingDayCalendar().isWorkingDay(d("2026-01-05")), 2026);
  });
});

describe("calendar messages", () => {
  it("every code the calendar throws has a zh-CN and an en text, and no other code is defined", () => {
    expect(Object.keys(calendarMessages).sort()).toEqual([...CALENDAR_ERROR_CODES].sort());
    for (const message of Object.values(calendarMessages)) {
      expect(message["zh-CN"]).not.toBe("");
      expect(message.en).not.toBe("");
    }
    expect(calendarMessages["calendar.year_unknown"]?.["zh-CN"]).toContain("{year}");
    expect(calendarMessages["calendar.data_invalid"]?.en).toContain("{detail}");
  });
});
