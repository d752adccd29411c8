/**
 * The admin CLI. Commands that read no store run the real bin/certdesk.js as a subprocess, with a
 * data folder that does not exist (so the demo programmes and the bundled calendar are used);
 * commands on a store run in-process through run(), on an embedded store and, when
 * TEST_DATABASE_URL is set, on a fresh PostgreSQL database.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliIo, run } from "../src/cli/main.js";
import { fixedClock } from "../src/domain/clock.js";
import { hasMessage } from "../src/i18n/catalogue.js";
import { cliMessages } from "../src/i18n/messages/cli.js";
import { systemActor } from "../src/people/actor.js";
import { saveProgramme } from "../src/orders/programmes.js";
import { type StoreTarget, openStore } from "../src/store/database.js";
import { demoProgrammesPath, readProgrammesFile } from "../src/store/programme-files.js";

type Ran = { code: number; stdout: string; stderr: string };

const bin = fileURLToPath(new URL("../bin/certdesk.js", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "certdesk-cli-"));
const missingDataDir = join(scratch, "no-data-here");

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The real launcher in a clean environment: no DATABASE_URL, no LANG (so zh-CN by default). */
function certdesk(args: string[], env: Record<string, string> = {}): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      {
        env: {
          PATH: process.env.PATH ?? "",
          HOME: process.env.HOME ?? scratch,
          CERTDESK_DATA_DIR: missingDataDir,
          ...env,
        },
        timeout: 20_000,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** --json prints exactly one JSON object on one line. */
function jsonOf(ran: Ran): Record<string, unknown> {
  const lines = ran.stdout.trimEnd().split("\n");
  expect(lines).toHaveLength(1);
  const value: unknown = JSON.parse(lines[0] ?? "");
  expect(value).toBeTypeOf("object");
  return value as Record<string, unknown>;
}

function errorOf(ran: Ran): { code: string; message: string } {
  expect(ran.code).toBe(2);
  const { error } = jsonOf(ran) as { error: { code: string; message: string } };
  expect(error.message).not.toBe("");
  return error;
}

describe("certdesk without a store: demo programmes and the bundled calendar", () => {
  it("quotes programme A: a new certificate for 3 years is 3 × 200 CNY = 60000 fen", async () => {
    const ran = await certdesk([
      "quote",
      "--programme",
      "procurement",
      "--service",
      "new",
      "--years",
      "3",
      "--json",
    ]);
    expect(ran.code).toBe(0);
    const quote = jsonOf(ran);
    expect(Object.keys(quote)).toEqual(["total", "currency", "items"]);
    expect(quote).toMatchObject({
      total: 60000,
      currency: "CNY",
      items: [{ unitPrice: 60000, quantity: 1, amount: 60000 }],
    });
  });

  it("quotes programme B per key: 2 keys for 3 years are 70000 basic and 120000 all-inclusive (DOMAIN.md example)", async () => {
    const args = [
      "quote",
      "--programme",
      "power-trading",
      "--service",
      "new",
      "--keys",
      "2",
      "--years",
      "3",
      "--json",
    ];
    const [basic, inclusive] = await Promise.all([
      certdesk([...args, "--plan", "basic"]),
      certdesk([...args, "--plan", "all-inclusive"]),
    ]);
    expect(jsonOf(basic)).toMatchObject({ total: 70000, items: [{ unitPrice: 35000, quantity: 2 }] });
    expect(jsonOf(inclusive)).toMatchObject({ total: 120000, items: [{ unitPrice: 60000, quantity: 2 }] });
  });

  it("quotes a PIN reset: 5000 on the basic plan, nothing on keys covered by the all-inclusive plan", async () => {
    const args = ["quote", "--programme", "power-trading", "--service", "pin-reset", "--json"];
    const [uncovered, basic, inclusive] = await Promise.all([
      certdesk(args),
      certdesk([...args, "--covered-by", "basic"]),
      certdesk([...args, "--covered-by", "all-inclusive"]),
    ]);
    expect(jsonOf(uncovered)).toMatchObject({ total: 5000 });
    expect(jsonOf(basic)).toMatchObject({ total: 5000 });
    expect(jsonOf(inclusive)).toMatchObject({ total: 0, items: [{ amount: 0 }] });
  });

  it("prints a readable itemised quote in yuan without --json", async () => {
    const ran = await certdesk([
      "quote",
      "--programme",
      "power-trading",
      "--service",
      "new",
      "--keys",
      "2",
      "--years",
      "3",
      "--plan",
      "basic",
    ]);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/350\.00\s+2\s+700\.00/);
    expect(ran.stdout).toContain("700.00");
  });

  it("refuses an unknown programme with programme.not_found", async () => {
    const error = errorOf(await certdesk(["quote", "--programme", "nope", "--service", "new", "--json"]));
    expect(error.code).toBe("programme.not_found");
  });

  it("refuses a term that is not offered, with the tariff's code", async () => {
    const ran = await certdesk([
      "quote",
      "--programme",
      "power-trading",
      "--service",
      "new",
      "--years",
      "2",
      "--json",
    ]);
    expect(errorOf(ran).code).toBe("tariff.years_not_offered");
  });

  it("counts working days across National Day 2026 (Oct 1–7 off) and the Spring Festival (Feb 15–23 off, Feb 14 worked)", async () => {
    const [national, beforeFestival, festival] = await Promise.all([
      certdesk(["calendar", "add-working-days", "2026-09-30", "1", "--json"]),
      certdesk(["calendar", "add-working-days", "2026-02-13", "1", "--json"]),
      certdesk(["calendar", "add-working-days", "2026-02-13", "2", "--json"]),
    ]);
    expect(jsonOf(national)).toEqual({ date: "2026-10-08" });
    expect(jsonOf(beforeFestival)).toEqual({ date: "2026-02-14" });
    expect(jsonOf(festival)).toEqual({ date: "2026-02-24" });
  });

  it("knows Saturday 2026-10-10 is worked (调休) and 2026-10-01 is a holiday", async () => {
    const [saturday, holiday] = await Promise.all([
      certdesk(["calendar", "is-working-day", "2026-10-10", "--json"]),
      certdesk(["calendar", "is-working-day", "2026-10-01", "--json"]),
    ]);
    expect(saturday.code).toBe(0);
    expect(jsonOf(saturday)).toEqual({ workingDay: true });
    expect(holiday.code).toBe(0);
    expect(jsonOf(holiday)).toEqual({ workingDay: false });
  });

  it("refuses a year without a published calendar (2027) instead of counting plain weekdays", async () => {
    const [is, add] = await Promise.all([
      certdesk(["calendar", "is-working-day", "2027-03-01", "--json"]),
      certdesk(["calendar", "add-working-days", "2026-12-31", "1", "--json"]),
    ]);
    expect(errorOf(is).code).toBe("calendar.year_unknown");
    expect(errorOf(add).code).toBe("calendar.year_unknown");
  });

  it("refuses a date that does not exist", async () => {
    expect(errorOf(await certdesk(["calendar", "is-working-day", "2026-02-30", "--json"])).code).toBe(
      "cli.bad_date",
    );
  });

  it("validates a credit code (GB 32100): exit 0 with the normalised value, exit 1 with the reason", async () => {
    const [valid, invalid] = await Promise.all([
      certdesk(["validate", "uscc", "91310115591693856a", "--json"]),
      certdesk(["validate", "uscc", "91310115591693856B", "--json"]),
    ]);
    expect(valid.code).toBe(0);
    expect(jsonOf(valid)).toEqual({ valid: true, value: "91310115591693856A" });
    expect(invalid.code).toBe(1);
    const verdict = jsonOf(invalid);
    expect(verdict).toMatchObject({ valid: false, code: "validation.uscc.check_digit" });
    expect(verdict.reason).toBeTypeOf("string");
    expect(verdict.reason).not.toBe("");
  });

  it("reports errors in Chinese by default and in English with --lang en or LANG=en_*", async () => {
    const args = ["calendar", "is-working-day", "2027-03-01", "--json"];
    const [zh, flag, env] = await Promise.all([
      certdesk(args),
      certdesk([...args, "--lang", "en"]),
      certdesk(args, { LANG: "en_US.UTF-8" }),
    ]);
    expect(errorOf(zh).message).toMatch(/2027 年/);
    expect(errorOf(flag).message).toMatch(/calendar for 2027/);
    expect(errorOf(env).message).toBe(errorOf(flag).message);
  });

  it("without --json prints an error as one line on stderr and nothing on stdout", async () => {
    const ran = await certdesk(["quote", "--programme", "nope", "--service", "new"]);
    expect(ran.code).toBe(2);
    expect(ran.stdout).toBe("");
    expect(ran.stderr.trimEnd().split("\n")).toHaveLength(1);
  });

  it("refuses unknown commands and options, and missing required options", async () => {
    const [command, option, required] = await Promise.all([
      certdesk(["frobnicate", "--json"]),
      certdesk(["validate", "uscc", "91310115591693856A", "--bogus", "--json"]),
      certdesk(["quote", "--service", "new", "--json"]),
    ]);
    expect(errorOf(command)).toMatchObject({ code: "cli.unknown_command" });
    expect(errorOf(option)).toMatchObject({ code: "cli.unknown_option" });
    expect(errorOf(required)).toMatchObject({ code: "cli.option_required" });
  });

  it("prints help with exit 0 on --help, and exits 2 when no command is given", async () => {
    const [help, none] = await Promise.all([certdesk(["--help"]), certdesk([])]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("quote");
    expect(none.code).toBe(2);
  });

  it("audit verify needs a configured store", async () => {
    expect(errorOf(await certdesk(["audit", "verify", "--json"])).code).toBe("cli.no_store");
  });

  it("read commands leave the missing data folder alone (no embedded store is created)", () => {
    expect(existsSync(missingDataDir)).toBe(false);
  });
});

describe("certdesk messages", () => {
  it("every CLI message is in the one catalogue (cliMessages is merged in src/i18n/catalogue.ts)", () => {
    expect(Object.keys(cliMessages).filter((code) => !hasMessage(code))).toEqual([]);
  });
});

// ---- With a store ------------------------------------------------------------------------------

type StoreCase = {
  name: string;
  setUp(): Promise<{ env: Record<string, string>; target: StoreTarget; tearDown(): Promise<void> }>;
};

const storeCases: StoreCase[] = [
  {
    name: "embedded",
    setUp: async () => {
      const dataDir = mkdtempSync(join(scratch, "store-"));
      return {
        env: { CERTDESK_DATA_DIR: dataDir },
        target: { kind: "embedded", dataDir: join(dataDir, "db") },
        tearDown: async () => rmSync(dataDir, { recursive: true, force: true }),
      };
    },
  },
];

const testDatabaseUrl = process.env.TEST_DATABASE_URL;
if (testDatabaseUrl) {
  storeCases.push({
    name: "postgres",
    setUp: async () => {
      const database = `certdesk_cli_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
      const admin = new pg.Client({ connectionString: testDatabaseUrl });
      await admin.connect();
      try {
        await admin.query(`create database ${database}`);
      } finally {
        await admin.end();
      }
      const url = new URL(testDatabaseUrl);
      url.pathname = `/${database}`;
      return {
        env: { DATABASE_URL: url.toString(), CERTDESK_DATA_DIR: join(scratch, "unused") },
        target: { kind: "postgres", url: url.toString() },
        tearDown: async () => {
          const drop = new pg.Client({ connectionString: testDatabaseUrl });
          await drop.connect();
          try {
            await drop.query(`drop database if exists ${database} with (force)`);
          } finally {
            await drop.end();
          }
        },
      };
    },
  });
}

describe.each(storeCases)("certdesk on a store ($name)", ({ setUp }) => {
  const clock = fixedClock("2026-05-06T02:00:00Z");
  let env: Record<string, string>;
  let target: StoreTarget;
  let tearDown: () => Promise<void> = async () => {};

  async function cli(...args: string[]): Promise<Ran> {
    let stdout = "";
    let stderr = "";
    const io: CliIo = {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      env,
      clock,
    };
    const code = await run(args, io);
    return { code, stdout, stderr };
  }

  beforeAll(async () => {
    ({ env, target, tearDown } = await setUp());
    // A store has no programmes until something loads them: load the demo file, as an admin would.
    const store = await openStore(target);
    try {
      for (const programme of readProgrammesFile(demoProgrammesPath)) {
        await saveProgramme({ db: store.db, clock }, systemActor("test"), programme);
      }
    } finally {
      await store.close();
    }
  });

  afterAll(async () => {
    await tearDown();
  });

  it("reads programmes and quotes from the store", async () => {
    const quote = await cli(
      "quote",
      "--programme",
      "power-trading",
      "--service",
      "new",
      "--keys",
      "2",
      "--plan",
      "basic",
      "--json",
    );
    expect(quote.code).toBe(0);
    expect(jsonOf(quote)).toMatchObject({ total: 70000 });
    expect(errorOf(await cli("programme", "show", "nope", "--json")).code).toBe("programme.not_found");
  });

  it("loads a third programme from a file, then lists three", async () => {
    const [procurement] = readProgrammesFile(demoProgrammesPath);
    const file = join(scratch, `third-${Date.now()}.json`);
    writeFileSync(file, JSON.stringify({ programmes: [{ ...procurement, id: "procurement-east" }] }));

    const loaded = await cli("programme", "load", file, "--json");
    expect(loaded.code).toBe(0);
    expect(jsonOf(loaded)).toEqual({ loaded: [{ id: "procurement-east", version: 1 }] });

    const listed = await cli("programme", "list", "--json");
    const { programmes } = jsonOf(listed) as { programmes: { id: string }[] };
    expect(programmes.map((p) => p.id).sort()).toEqual(["power-trading", "procurement", "procurement-east"]);
  });

  it("refuses a programme file that does not validate, before touching the store", async () => {
    const file = join(scratch, `invalid-${Date.now()}.json`);
    writeFileSync(file, JSON.stringify({ programmes: [{ id: "Not A Slug" }] }));
    expect(errorOf(await cli("programme", "load", file, "--json")).code).toBe("programme.invalid");
  });

  it("uses the calendar in the store, seeded with the bundled years", async () => {
    const ran = await cli("calendar", "add-working-days", "2026-09-30", "1", "--json");
    expect(jsonOf(ran)).toEqual({ date: "2026-10-08" });
    expect(jsonOf(await cli("calendar", "years", "--json"))).toEqual({ years: [2025, 2026] });
  });

  it("verifies the audit chain, then finds a row edited with SQL (problem hash, exit 1)", async () => {
    const intact = await cli("audit", "verify", "--json");
    expect(intact.code).toBe(0);
    const verdict = jsonOf(intact);
    expect(verdict).toMatchObject({ ok: true });
    expect(verdict.rows).toBeGreaterThanOrEqual(3);
    expect(verdict.headHash).toMatch(/^[0-9a-f]{64}$/);

    const store = await openStore(target);
    try {
      await sql`update audit_log set reason = 'x' where seq = 1`.execute(store.db);
    } finally {
      await store.close();
    }

    const broken = await cli("audit", "verify", "--json");
    expect(broken.code).toBe(1);
    expect(jsonOf(broken)).toEqual({ ok: false, seq: "1", problem: "hash" });
    const text = await cli("audit", "verify");
    expect(text.code).toBe(1);
    expect(text.stdout).not.toBe("");
  });
});

describe("certdesk on an embedded store held by another process", () => {
  it("reports store.folder_locked instead of opening the folder twice", async () => {
    const dataDir = mkdtempSync(join(scratch, "locked-"));
    const held = await openStore({ kind: "embedded", dataDir: join(dataDir, "db") });
    try {
      let stdout = "";
      const io: CliIo = {
        stdout: { write: (text: string) => (stdout += text) },
        stderr: { write: () => true },
        env: { CERTDESK_DATA_DIR: dataDir },
      };
      const code = await run(["programme", "list", "--json"], io);
      expect(errorOf({ code, stdout, stderr: "" }).code).toBe("store.folder_locked");
    } finally {
      await held.close();
    }
  });
});
