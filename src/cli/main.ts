/**
 * The certdesk admin CLI: the composition root for one command. run() takes the arguments and the
 * process around it (writers and environment) and returns the exit code, so that tests run it
 * in-process as well as through bin/certdesk.js.
 *
 * Exit codes: 0 success; 1 the command ran and the answer is no (an invalid value, a broken audit
 * chain); 2 an error (usage, unknown data, a year without a calendar, store unavailable, …).
 */
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import type { Config } from "../config.js";
import { systemClock } from "../domain/clock.js";
import { DomainError } from "../domain/errors.js";
import { auditCheckpointCommand, auditVerifyCommand } from "./audit.js";
import { sealVerifyCommand } from "./seal.js";
import { pdfVerifyCommand } from "./pdf.js";
import { ofdRenderCommand, ofdVerifyCommand } from "./ofd.js";
import {
  type CaImportOptions,
  type CaInitOptions,
  type CaIssueOptions,
  type CaRevokeOptions,
  caImportCommand,
  caInitCommand,
  caIssueCommand,
  caListCommand,
  caRevokeCommand,
} from "./ca.js";
import { type CaCrlOptions, caCrlCommand } from "./ca-crl.js";
import { type LoginOptions, loginCommand } from "./desk-session.js";
import { type ProduceOptions, type ResetPinOptions, produceCommand, resetPinCommand } from "./produce.js";
import {
  addWorkingDaysCommand,
  calendarYearsCommand,
  isWorkingDayCommand,
  loadCalendarCommand,
} from "./calendar.js";
import { type CliContext, type CliIo, EXIT_ERROR, EXIT_OK, Output, localeFrom } from "./output.js";
import { platformAddCommand, platformListCommand, platformRotateCommand } from "./platform.js";
import { listProgrammesCommand, loadProgrammesCommand, showProgrammeCommand } from "./programme.js";
import { type QuoteOptions, quoteCommand } from "./quote.js";
import type { TrustOptions } from "./trust.js";
import { cliConfig, errorText } from "./source.js";
import { type ValidateKind, validateCommand } from "./validate.js";

export type { CliIo } from "./output.js";

const LANGUAGES = ["zh-CN", "en"] as const;

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const args = [...argv];
  const json = optionGiven(args, "--json");
  const lang = optionValue(args, "--lang");
  const out = new Output(io, localeFrom(lang, io.env), json);
  if (lang !== undefined && !/^(zh|en)([-_][a-z]+)?$/i.test(lang)) {
    out.error("cli.invalid_value", { option: "--lang", value: lang, allowed: LANGUAGES.join(", ") });
    return EXIT_ERROR;
  }

  let config: Config | undefined;
  const ctx: CliContext = {
    io,
    out,
    clock: io.clock ?? systemClock,
    config: () => (config ??= cliConfig(io.env)),
  };
  let exitCode = EXIT_OK;
  const program = buildProgram(ctx, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(args, { from: "user" });
    return exitCode;
  } catch (e) {
    return reportError(out, e, args);
  }
}

type Finish = (exitCode: number) => void;

function buildProgram(ctx: CliContext, finish: Finish): Command {
  const { out } = ctx;
  const program = new Command("certdesk");
  // Settings made before .command() are inherited by every subcommand.
  program
    .exitOverride()
    .configureOutput({
      writeOut: (text) => out.help(text, false),
      // With --json the caller reads stdout only; errors are reported as JSON by reportError.
      writeErr: (text) => {
        if (!out.json) out.help(text, true);
      },
      outputError: () => {},
    })
    .configureHelp({
      showGlobalOptions: true,
      styleTitle: (title) =>
        out.t(`cli.help.title.${title.replace(/:$/, "").replace(/ /g, "_").toLowerCase()}`),
    })
    .helpOption("-h, --help", out.t("cli.help.help"))
    .helpCommand(false);
  program
    .description(out.t("cli.help.program"))
    .version(packageVersion(), "-V, --version", out.t("cli.help.version"))
    .option("--json", out.t("cli.help.json"))
    .option("--lang <locale>", out.t("cli.help.lang"))
    .addHelpText("afterAll", `\n${out.t("cli.help.exit_codes")}\n`);

  const group = (parent: Command, name: string): Command =>
    parent
      .command(name)
      .description(out.t(`cli.help.${name}`))
      .helpCommand(false);

  const act =
    <A extends unknown[]>(command: (...args: A) => number | Promise<number>) =>
    async (...args: A): Promise<void> => {
      finish(await command(...args));
    };

  program
    .command("quote")
    .description(out.t("cli.help.quote"))
    .requiredOption("--programme <id>", out.t("cli.help.quote.programme"))
    .requiredOption("--service <service>", out.t("cli.help.quote.service"))
    .option("--years <n>", out.t("cli.help.quote.years"))
    .option("--keys <n>", out.t("cli.help.quote.keys"))
    .option("--plan <plan>", out.t("cli.help.quote.plan"))
    .option("--covered-by <plan>", out.t("cli.help.quote.covered_by"))
    .option("--courier <payment>", out.t("cli.help.quote.courier"))
    .action(act((options: QuoteOptions) => quoteCommand(ctx, options)));

  const calendar = group(program, "calendar");
  calendar
    .command("add-working-days")
    .description(out.t("cli.help.calendar.add"))
    .argument("<date>", out.t("cli.help.date"))
    .argument("<n>", out.t("cli.help.days"))
    .action(act((date: string, n: string) => addWorkingDaysCommand(ctx, date, n)));
  calendar
    .command("is-working-day")
    .description(out.t("cli.help.calendar.is"))
    .argument("<date>", out.t("cli.help.date"))
    .action(act((date: string) => isWorkingDayCommand(ctx, date)));
  calendar
    .command("load")
    .description(out.t("cli.help.calendar.load"))
    .argument("<file>", out.t("cli.help.calendar_file"))
    .action(act((file: string) => loadCalendarCommand(ctx, file)));
  calendar
    .command("years")
    .description(out.t("cli.help.calendar.years"))
    .action(act(() => calendarYearsCommand(ctx)));

  const validate = group(program, "validate");
  for (const kind of ["uscc", "id", "mobile"] as const satisfies readonly ValidateKind[]) {
    validate
      .command(kind)
      .description(out.t(`cli.help.validate.${kind}`))
      .argument("<value>", out.t("cli.help.value"))
      .action(act((value: string) => validateCommand(ctx, kind, value)));
  }

  const audit = group(program, "audit");
  audit
    .command("verify")
    .description(out.t("cli.help.audit.verify"))
    .action(act(() => auditVerifyCommand(ctx)));
  audit
    .command("checkpoint")
    .description(out.t("cli.help.audit.checkpoint"))
    .action(act(() => auditCheckpointCommand(ctx)));

  const seal = group(program, "seal");
  seal
    .command("verify")
    .description(out.t("cli.help.seal.verify"))
    .argument("<file>", out.t("cli.help.seal_file"))
    .option("--at <time>", out.t("cli.help.at"))
    .option("--trust <files...>", out.t("cli.help.trust"))
    .option("--crl <files...>", out.t("cli.help.crl"))
    .action(
      act((file: string, options: { at?: string } & TrustOptions) => sealVerifyCommand(ctx, file, options)),
    );

  const pdf = group(program, "pdf");
  pdf
    .command("verify")
    .description(out.t("cli.help.pdf.verify"))
    .argument("<file>", out.t("cli.help.pdf_file"))
    .option("--trust <file>", out.t("cli.help.pdf.trust"))
    .action(act((file: string, options: { trust?: string }) => pdfVerifyCommand(ctx, file, options)));

  const ofd = group(program, "ofd");
  ofd
    .command("verify")
    .description(out.t("cli.help.ofd.verify"))
    .argument("<file>", out.t("cli.help.ofd_file"))
    .option("--at <time>", out.t("cli.help.at"))
    .option("--trust <files...>", out.t("cli.help.trust"))
    .option("--crl <files...>", out.t("cli.help.crl"))
    .action(
      act((file: string, options: { at?: string } & TrustOptions) => ofdVerifyCommand(ctx, file, options)),
    );
  ofd
    .command("render")
    .description(out.t("cli.help.ofd.render"))
    .argument("<file>", out.t("cli.help.ofd_file"))
    .option("--page <n>", out.t("cli.help.ofd.page"))
    .option("--out <file>", out.t("cli.help.ofd.out"))
    .option("--dpi <n>", out.t("cli.help.ofd.dpi"))
    .action(
      act((file: string, options: { page?: string; out?: string; dpi?: string }) =>
        ofdRenderCommand(ctx, file, options),
      ),
    );

  const programme = group(program, "programme");
  programme
    .command("list")
    .description(out.t("cli.help.programme.list"))
    .action(act(() => listProgrammesCommand(ctx)));
  programme
    .command("show")
    .description(out.t("cli.help.programme.show"))
    .argument("<id>", out.t("cli.help.programme_id"))
    .action(act((id: string) => showProgrammeCommand(ctx, id)));
  programme
    .command("load")
    .description(out.t("cli.help.programme.load"))
    .argument("<file>", out.t("cli.help.programme_file"))
    .action(act((file: string) => loadProgrammesCommand(ctx, file)));

  const platform = group(program, "platform");
  platform
    .command("add")
    .description(out.t("cli.help.platform.add"))
    .argument("<id>", out.t("cli.help.platform_id"))
    .requiredOption("--programme <id>", out.t("cli.help.platform.programme"))
    .requiredOption("--name <name>", out.t("cli.help.platform.name"))
    .option("--webhook <url>", out.t("cli.help.platform.webhook"))
    .action(
      act((id: string, options: { programme: string; name: string; webhook?: string }) =>
        platformAddCommand(ctx, id, options),
      ),
    );
  platform
    .command("rotate")
    .description(out.t("cli.help.platform.rotate"))
    .argument("<id>", out.t("cli.help.platform_id"))
    .option("--grace-hours <hours>", out.t("cli.help.platform.grace"))
    .action(act((id: string, options: { graceHours?: string }) => platformRotateCommand(ctx, id, options)));
  platform
    .command("list")
    .description(out.t("cli.help.platform.list"))
    .action(act(() => platformListCommand(ctx)));

  const ca = group(program, "ca");
  ca.command("init")
    .description(out.t("cli.help.ca.init"))
    .option("--algorithms <list>", out.t("cli.help.ca.algorithms"))
    .option("--organisation <name>", out.t("cli.help.ca.organisation"))
    .option("--prefix <prefix>", out.t("cli.help.ca.prefix"))
    .option("--hsm", out.t("cli.help.ca.hsm"))
    .action(act((options: CaInitOptions) => caInitCommand(ctx, options)));
  ca.command("list")
    .description(out.t("cli.help.ca.list"))
    .action(act(() => caListCommand(ctx)));
  ca.command("issue")
    .description(out.t("cli.help.ca.issue"))
    .requiredOption("--profile <id>", out.t("cli.help.ca.profile"))
    .requiredOption("--csr <file>", out.t("cli.help.ca.csr"))
    .option("--days <n>", out.t("cli.help.ca.days"))
    .option("--algorithm <algorithm>", out.t("cli.help.ca.algorithm"))
    .option("--programme <id>", out.t("cli.help.ca.programme"))
    .option("--organisation <uscc>", out.t("cli.help.ca.organisation_uscc"))
    .action(act((options: CaIssueOptions) => caIssueCommand(ctx, options)));
  ca.command("revoke")
    .description(out.t("cli.help.ca.revoke"))
    .argument("<serial>", out.t("cli.help.ca.serial"))
    .requiredOption("--reason <reason>", out.t("cli.help.ca.reason"))
    .option("--note <text>", out.t("cli.help.ca.note"))
    .action(act((serial: string, options: CaRevokeOptions) => caRevokeCommand(ctx, serial, options)));
  ca.command("crl")
    .description(out.t("cli.help.ca.crl"))
    .option("--ca <id>", out.t("cli.help.ca.crl.ca"))
    .option("--out <file>", out.t("cli.help.ca.crl.out"))
    .action(act((options: CaCrlOptions) => caCrlCommand(ctx, options)));
  ca.command("import")
    .description(out.t("cli.help.ca.import"))
    .option("--cert <file>", out.t("cli.help.ca.cert"))
    .option("--key <file>", out.t("cli.help.ca.key"))
    .option("--p12 <file>", out.t("cli.help.ca.p12"))
    .option("--password <password>", out.t("cli.help.ca.password"))
    .option("--id <id>", out.t("cli.help.ca.id"))
    .action(act((options: CaImportOptions) => caImportCommand(ctx, options)));

  // A session on a running desk, for the commands that go through its API (src/cli/desk-session.ts).
  program
    .command("login")
    .description(out.t("cli.help.login"))
    .requiredOption("--server <url>", out.t("cli.help.login.server"))
    .requiredOption("--login <name>", out.t("cli.help.login.login"))
    .option("--password <password>", out.t("cli.help.login.password"))
    .action(act((options: LoginOptions) => loginCommand(ctx, options)));

  // USB keys at the service centre (src/cli/produce.ts).
  const collect = (value: string, previous: string[] = []): string[] => [...previous, value];
  program
    .command("produce")
    .description(out.t("cli.help.produce"))
    .option("--order <id|number>", out.t("cli.help.produce.order"), collect)
    .option("--batch <id>", out.t("cli.help.produce.batch"))
    .option("--station <station>", out.t("cli.help.produce.station"))
    .action(act((options: ProduceOptions) => produceCommand(ctx, options)));
  group(program, "key")
    .command("reset-pin")
    .description(out.t("cli.help.key.reset_pin"))
    .option("--pkcs11-module <path>", out.t("client.help.pkcs11_module"))
    .option("--token-serial <serial>", out.t("client.help.token_serial"))
    .option("--token-label <label>", out.t("client.help.token_label"))
    .option("--order <id|number>", out.t("cli.help.key.order"))
    .action(act((options: ResetPinOptions) => resetPinCommand(ctx, options)));

  return program;
}

function reportError(out: Output, e: unknown, args: string[]): number {
  if (e instanceof CommanderError) {
    // --help and --version end through here too, with exit code 0.
    if (e.code === "commander.helpDisplayed" || e.code === "commander.version") return e.exitCode;
    if (e.code === "commander.help") {
      // A command group without its subcommand: commander has printed the group's help.
      if (out.json) out.error("cli.command_required", { command: commandGroup(args) });
      return EXIT_ERROR;
    }
    const [code, params] = usageError(e);
    out.error(code, params);
    return EXIT_ERROR;
  }
  if (e instanceof DomainError) {
    out.error(e.code, e.params);
    return EXIT_ERROR;
  }
  out.error("cli.unexpected", { detail: errorText(e) });
  return EXIT_ERROR;
}

/** Commander's parse errors as message codes; the quoted name in its message is the parameter. */
function usageError(e: CommanderError): [string, Record<string, string>] {
  const quoted = /'([^']*)'/.exec(e.message)?.[1] ?? "";
  switch (e.code) {
    case "commander.unknownCommand":
      return ["cli.unknown_command", { command: quoted }];
    case "commander.unknownOption":
      return ["cli.unknown_option", { option: quoted }];
    case "commander.missingArgument":
      return ["cli.missing_argument", { argument: quoted }];
    case "commander.optionMissingArgument":
      return ["cli.option_value_missing", { option: quoted }];
    case "commander.missingMandatoryOptionValue":
      return ["cli.option_required", { option: quoted }];
    case "commander.excessArguments":
      return ["cli.too_many_arguments", { command: quoted || "certdesk" }];
    default:
      return ["cli.usage", { detail: e.message.replace(/^error: /, "") }];
  }
}

function commandGroup(args: string[]): string {
  const group = args.find((a, i) => !a.startsWith("-") && args[i - 1] !== "--lang");
  return group ? `certdesk ${group}` : "certdesk";
}

/** Whether a flag is given before the "--" that ends the options. */
function optionGiven(args: string[], flag: string): boolean {
  const end = args.indexOf("--");
  return (end < 0 ? args : args.slice(0, end)).includes(flag);
}

/** The value of "--name value" or "--name=value", before "--". */
function optionValue(args: string[], flag: string): string | undefined {
  const end = args.indexOf("--");
  const options = end < 0 ? args : args.slice(0, end);
  for (let i = 0; i < options.length; i++) {
    const arg = options[i] ?? "";
    if (arg === flag) return options[i + 1];
    if (arg.startsWith(`${flag}=`)) return arg.slice(flag.length + 1);
  }
  return undefined;
}

function packageVersion(): string {
  const pkg: unknown = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
  return typeof pkg === "object" && pkg !== null && "version" in pkg ? String(pkg.version) : "0.0.0";
}
