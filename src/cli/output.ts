/**
 * What the CLI writes: one line of JSON with --json, readable text otherwise; errors as
 * {"error": {"code", "message"}} on stdout with --json, or one line on stderr. Every text a user
 * sees comes from the message catalogue in the user's language.
 */
import type { Config } from "../config.js";
import type { Clock } from "../domain/clock.js";
import type { ErrorParams } from "../domain/errors.js";
import { type Locale, translate } from "../i18n/catalogue.js";

export interface Writer {
  write(text: string): unknown;
}

/** The process around the CLI, passed in so that tests can run it in-process. */
export interface CliIo {
  stdout: Writer;
  stderr: Writer;
  env: Record<string, string | undefined>;
  /** Defaults to the system clock (used for audit times and today's date). */
  clock?: Clock;
}

/** 0 = success; 1 = the command ran and the answer is no (invalid value, broken chain); 2 = error. */
export const EXIT_OK = 0;
export const EXIT_NO = 1;
export const EXIT_ERROR = 2;

export class Output {
  constructor(
    private readonly io: CliIo,
    readonly locale: Locale,
    readonly json: boolean,
  ) {}

  t(code: string, params?: ErrorParams): string {
    return translate(code, this.locale, params);
  }

  /** Prints the JSON value with --json, the text otherwise. */
  result(value: object, text: () => string): void {
    if (this.json) this.io.stdout.write(`${JSON.stringify(value)}\n`);
    else this.io.stdout.write(`${text()}\n`);
  }

  error(code: string, params: ErrorParams = {}): void {
    const message = this.t(code, params);
    if (this.json) this.io.stdout.write(`${JSON.stringify({ error: { code, message } })}\n`);
    else this.io.stderr.write(`certdesk: ${oneLine(message)}\n`);
  }

  /** Help and usage text from commander, which has no JSON form. */
  help(text: string, toStderr: boolean): void {
    (toStderr ? this.io.stderr : this.io.stdout).write(text);
  }
}

/** Multi-line details (a list of issues in a file) joined into one line. */
export function oneLine(message: string): string {
  return message
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .join("; ")
    .replace(/([:：]); /g, "$1 ");
}

/**
 * The message language: --lang when given, else the first of LC_ALL, LC_MESSAGES and LANG that is
 * set (as POSIX orders them); English when it starts with "en", Simplified Chinese otherwise.
 */
export function localeFrom(lang: string | undefined, env: Record<string, string | undefined>): Locale {
  const chosen =
    lang ?? [env.LC_ALL, env.LC_MESSAGES, env.LANG].find((v) => v !== undefined && v !== "") ?? "";
  return chosen.toLowerCase().startsWith("en") ? "en" : "zh-CN";
}

/** Columns in a terminal: CJK and full-width characters take two. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) {
    const cp = char.codePointAt(0) ?? 0;
    const wide =
      (cp >= 0x1100 && cp <= 0x115f) ||
      (cp >= 0x2e80 && cp <= 0xa4cf) ||
      (cp >= 0xac00 && cp <= 0xd7a3) ||
      (cp >= 0xf900 && cp <= 0xfaff) ||
      (cp >= 0xfe30 && cp <= 0xfe4f) ||
      (cp >= 0xff00 && cp <= 0xff60) ||
      (cp >= 0xffe0 && cp <= 0xffe6) ||
      (cp >= 0x20000 && cp <= 0x3fffd);
    width += wide ? 2 : 1;
  }
  return width;
}

/** Rows padded into columns; right-aligned columns are listed by index. */
export function formatTable(rows: string[][], rightAligned: ReadonlySet<number> = new Set()): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, displayWidth(cell));
    });
  }
  return rows.map((row) =>
    row
      .map((cell, i) => {
        const pad = " ".repeat((widths[i] ?? 0) - displayWidth(cell));
        return rightAligned.has(i) ? pad + cell : i === row.length - 1 ? cell : cell + pad;
      })
      .join("  ")
      .trimEnd(),
  );
}

/** What every command gets: the process around it, the output, the clock and the configuration. */
export interface CliContext {
  io: CliIo;
  out: Output;
  clock: Clock;
  /** Read from io.env on first use, so that commands without a store never depend on it. */
  config(): Config;
}
