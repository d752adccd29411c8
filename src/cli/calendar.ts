/** certdesk calendar: working days from the configured calendar (store or bundled years). */
import { parseCalendarYear } from "../domain/calendar.js";
import { systemActor } from "../people/actor.js";
import { calendarDateArgument, wholeNumber } from "./args.js";
import { type CliContext, EXIT_OK } from "./output.js";
import { readDataFile, storedCalendar, withDeskData, withStore } from "./source.js";

export async function addWorkingDaysCommand(
  ctx: CliContext,
  dateArg: string,
  daysArg: string,
): Promise<number> {
  const date = calendarDateArgument(dateArg);
  const days = wholeNumber("N", daysArg);
  const result = await withDeskData(ctx.config(), async (data) =>
    (await data.calendar()).addWorkingDays(date, days),
  );
  ctx.out.result({ date: result }, () => result);
  return EXIT_OK;
}

export async function isWorkingDayCommand(ctx: CliContext, dateArg: string): Promise<number> {
  const date = calendarDateArgument(dateArg);
  const workingDay = await withDeskData(ctx.config(), async (data) =>
    (await data.calendar()).isWorkingDay(date),
  );
  ctx.out.result({ workingDay }, () =>
    ctx.out.t(workingDay ? "cli.calendar.working_day" : "cli.calendar.not_working_day", { date }),
  );
  return EXIT_OK;
}

export async function calendarYearsCommand(ctx: CliContext): Promise<number> {
  const calendar = await withDeskData(ctx.config(), (data) => data.calendar());
  const years = calendar.years();
  ctx.out.result({ years }, () =>
    years.length === 0
      ? ctx.out.t("cli.calendar.none")
      : years.map((y) => [String(y), calendar.yearData(y)?.source ?? ""].join("  ").trimEnd()).join("\n"),
  );
  return EXIT_OK;
}

/** Adds or replaces one year in the store, audited as the system actor "cli". */
export async function loadCalendarCommand(ctx: CliContext, file: string): Promise<number> {
  const raw = await readDataFile(file);
  const year = parseCalendarYear(raw);
  await withStore(ctx.config(), { create: true }, async ({ db }) => {
    const { LiveCalendar, addCalendarYear } = await import("../desk/calendar.js");
    const calendar = new LiveCalendar(await storedCalendar(db));
    await addCalendarYear({ db, clock: ctx.clock, calendar }, systemActor("cli"), raw);
  });
  const counts = { year: year.year, holidays: year.holidays.length, workdays: year.workdays.length };
  ctx.out.result(counts, () => ctx.out.t("cli.calendar.loaded", counts));
  return EXIT_OK;
}
