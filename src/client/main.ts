/**
 * certdesk-client, the security client an organisation runs on its own computer: list and show its
 * keys, activate, change the PIN, unlock, renew, install the seal, sign, stamp OFDs, format, and
 * run the local agent the portal talks to. Messages in Simplified Chinese, or English with --lang en (or an
 * English LANG). run() takes the arguments and the process around it and returns the exit code,
 * so tests run it in-process as well as through bin/certdesk-client.js.
 *
 * Exit codes, as the admin CLI's: 0 done; 1 not done yet, waiting on the desk (a review, a payment,
 * the SMS with the code: run the command again); 2 an error (a wrong PIN, a locked key, a refusal),
 * with the reason on stderr (or as {"error": …} with --json).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { DomainError } from "../domain/errors.js";
import { localeFrom } from "../cli/output.js";
import { pemEncode } from "../pki/pem.js";
import { Pkcs11UsbKey } from "../token/pkcs11-key.js";
import {
  activate,
  changePin,
  describe,
  format,
  installSeal,
  loginWithKey,
  renew,
  signDetached,
  unlock,
  type KeyDescription,
} from "./actions.js";
import { AGENT_DEFAULT_PORT, normaliseOrigin, startAgent } from "./agent.js";
import { DeskClient } from "./desk.js";
import { selectionFrom, withKey, type KeySelection } from "./keys.js";
import { addSignOfdCommand } from "./ofd-command.js";
import { tsaUrlOf } from "./timestamp.js";
import {
  clientHome,
  forgetSession,
  readPairings,
  readSession,
  revokePairing,
  saveSession,
} from "./session.js";
import { type ClientIo, type Globals, Out, payLine, jsonKey, keyLines } from "./output.js";

export const EXIT_OK = 0;
export const EXIT_WAITING = 1;
export const EXIT_ERROR = 2;

export async function run(argv: readonly string[], io: ClientIo): Promise<number> {
  const args = [...argv];
  const langAt = args.indexOf("--lang");
  const lang = langAt >= 0 ? args[langAt + 1] : args.find((a) => a.startsWith("--lang="))?.slice(7);
  const out = new Out(io, localeFrom(lang, io.env), args.includes("--json"));
  let exitCode = EXIT_OK;
  const program = buildProgram(io, out, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(args, { from: "user" });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version") return EXIT_OK;
      out.error("cli.usage", { detail: e.message.replace(/^error: /, "") });
      return EXIT_ERROR;
    }
    if (e instanceof DomainError) {
      out.error(e.code, e.params);
      return EXIT_ERROR;
    }
    out.error("cli.unexpected", { detail: e instanceof Error ? e.message : String(e) });
    return EXIT_ERROR;
  }
}

function buildProgram(io: ClientIo, out: Out, finish: (code: number) => void): Command {
  const t = (code: string) => out.t(code);
  const program = new Command("certdesk-client");
  program
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => {
        if (!out.json) io.stderr.write(text);
      },
      outputError: () => {},
    })
    .helpOption("-h, --help", t("cli.help.help"))
    .helpCommand(false)
    .description(t("client.help.program"))
    .option("--json", t("cli.help.json"))
    .option("--lang <locale>", t("cli.help.lang"))
    .option("--server <url>", t("client.help.server"))
    .option("--token <token>", t("client.help.token"))
    .option("--tsa <url>", t("client.help.tsa"))
    .option("--key <file>", t("client.help.key"))
    .option("--key-dir <folder>", t("client.help.key_dir"))
    .option("--pkcs11-module <path>", t("client.help.pkcs11_module"))
    .option("--token-label <label>", t("client.help.token_label"))
    .option("--token-serial <serial>", t("client.help.token_serial"))
    .addHelpText("afterAll", `\n${t("client.help.exit_codes")}\n`);

  const globals = (): Globals => program.opts<Globals>();
  const selection = (): KeySelection => selectionFrom(globals(), io.env);
  const home = (): string => clientHome(io.env);

  /** The desk with the user's session: --token, CERTDESK_TOKEN, or the one `login` saved. */
  const desk = (required = true): DeskClient | undefined => {
    const g = globals();
    const saved = readSession(home());
    const server = g.server ?? io.env.CERTDESK_SERVER ?? saved?.server;
    const token =
      g.token ??
      io.env.CERTDESK_TOKEN ??
      (saved && (!g.server || saved.server === g.server) ? saved.token : undefined);
    if (!server || !token) {
      if (required) throw new DomainError("client.not_signed_in");
      return undefined;
    }
    return new DeskClient({ server, token, locale: out.locale, fetch: io.fetch });
  };

  /** The timestamp authority stamped documents ask: --tsa, CERTDESK_TSA_URL, else the desk's /tsa. */
  const tsaUrl = (): string | undefined => {
    const g = globals();
    return tsaUrlOf(
      g.tsa ?? io.env.CERTDESK_TSA_URL,
      g.server ?? io.env.CERTDESK_SERVER ?? readSession(home())?.server,
    );
  };

  const secret = async (given: string | undefined, question: string, option: string): Promise<string> => {
    if (given !== undefined) return given;
    if (io.prompt) return io.prompt(out.t(question));
    throw new DomainError("client.option_required", { option });
  };

  const act =
    <A extends unknown[]>(command: (...args: A) => Promise<number>) =>
    async (...args: A): Promise<void> => {
      finish(await command(...args));
    };

  program
    .command("login")
    .description(t("client.help.login"))
    .option("--mobile <mobile>", t("client.help.mobile"))
    .option("--password <password>", t("client.help.password"))
    .option("--with-key", t("client.help.with_key"))
    .option("--pin <pin>", t("client.help.pin"))
    .action(
      act(async (o: { mobile?: string; password?: string; withKey?: boolean; pin?: string }) => {
        const server = globals().server ?? io.env.CERTDESK_SERVER;
        if (!server) throw new DomainError("client.option_required", { option: "--server" });
        const anonymous = new DeskClient({ server, locale: out.locale, fetch: io.fetch });
        const session = o.withKey
          ? await withKey(selection(), async (key) =>
              loginWithKey(key, anonymous, { pin: await secret(o.pin, "client.prompt.pin", "--pin") }),
            )
          : await anonymous.login(
              o.mobile ?? (await secret(undefined, "client.prompt.mobile", "--mobile")),
              await secret(o.password, "client.prompt.password", "--password"),
            );
        saveSession(home(), {
          server,
          token: session.token,
          expiresAt: session.expiresAt,
          name: session.actor.name,
        });
        out.result({ name: session.actor.name, expiresAt: session.expiresAt }, () => [
          out.t("client.signed_in", { name: session.actor.name, server }),
        ]);
        return EXIT_OK;
      }),
    );

  program
    .command("logout")
    .description(t("client.help.logout"))
    .action(
      act(async () => {
        forgetSession(home());
        out.result({ ok: true }, () => [out.t("client.signed_out")]);
        return EXIT_OK;
      }),
    );

  program
    .command("list")
    .description(t("client.help.list"))
    .action(
      act(async () => {
        const sel = selection();
        const found: KeyDescription[] = [];
        if (sel.pkcs11Module && !sel.tokenLabel && !sel.tokenSerial) {
          const all = Pkcs11UsbKey.all(sel.pkcs11Module);
          try {
            for (const key of all.keys) found.push(await describe(key));
          } finally {
            await all.close();
          }
        } else {
          found.push(await withKey(sel, (key) => describe(key)));
        }
        out.result({ keys: found.map(jsonKey) }, () =>
          found.length === 0 ? [out.t("client.no_keys")] : found.flatMap((k) => keyLines(out, k, false)),
        );
        return EXIT_OK;
      }),
    );

  program
    .command("show")
    .description(t("client.help.show"))
    .action(
      act(async () => {
        const d = await withKey(selection(), (key) => describe(key, desk(false)));
        out.result(jsonKey(d), () => keyLines(out, d, true));
        return EXIT_OK;
      }),
    );

  program
    .command("activate")
    .description(t("client.help.activate"))
    .option("--code <code>", t("client.help.code"))
    .option("--pin <pin>", t("client.help.pin"))
    .action(
      act(async (o: { code?: string; pin?: string }) => {
        const d = desk()!;
        const view = await withKey(selection(), async (key) =>
          activate(key, d, {
            pin: await secret(o.pin, "client.prompt.pin", "--pin"),
            code: await secret(o.code, "client.prompt.activation_code", "--code"),
          }),
        );
        out.result({ serial: view.serial, activated: view.activated, activatedAt: view.activatedAt }, () => [
          out.t("client.activated", { serial: view.serial, at: view.activatedAt?.slice(0, 10) ?? "" }),
        ]);
        return EXIT_OK;
      }),
    );

  program
    .command("change-pin")
    .description(t("client.help.change_pin"))
    .option("--pin <pin>", t("client.help.pin"))
    .option("--new-pin <pin>", t("client.help.new_pin"))
    .action(
      act(async (o: { pin?: string; newPin?: string }) => {
        const d = desk(false);
        const r = await withKey(selection(), async (key) => {
          const info = await key.info();
          const defaultPinValue =
            info.defaultPin && d
              ? ((await d.key(info.serial).catch(() => undefined))?.initialPin.pin ?? null)
              : null;
          const pin = await secret(o.pin, "client.prompt.pin", "--pin");
          const newPin = await secret(o.newPin, "client.prompt.new_pin", "--new-pin");
          if (
            o.newPin === undefined &&
            io.prompt &&
            (await io.prompt(out.t("client.prompt.new_pin_again"))) !== newPin
          )
            throw new DomainError("client.pins_differ");
          return changePin(key, { pin, newPin, defaultPinValue });
        });
        out.result(r, () => [out.t("client.pin_changed", { serial: r.serial })]);
        return EXIT_OK;
      }),
    );

  program
    .command("unlock")
    .description(t("client.help.unlock"))
    .option("--code <code>", t("client.help.unlock_code"))
    .option("--new-pin <pin>", t("client.help.new_pin"))
    .option("--reason <text>", t("client.help.reason"))
    .action(
      act(async (o: { code?: string; newPin?: string; reason?: string }) => {
        const d = desk()!;
        let r = await withKey(selection(), (key) => unlock(key, d, o));
        if (r.stage === "code_sent" && io.prompt && !o.code) {
          // On a terminal the code is asked for right away, then the new PIN.
          const code = await io.prompt(out.t("client.prompt.unlock_code"));
          const newPin = o.newPin ?? (await io.prompt(out.t("client.prompt.new_pin")));
          r = await withKey(selection(), (key) => unlock(key, d, { ...o, code, newPin }));
        }
        const order = r.order;
        const lines: Record<typeof r.stage, () => string[]> = {
          under_review: () => [
            out.t("client.unlock.under_review", { number: order.number, due: order.due?.on ?? "-" }),
          ],
          awaiting_payment: () => [
            out.t("client.awaiting_payment", {
              number: order.number,
              amount: (order.totalFen / 100).toFixed(2),
            }),
          ],
          code_sent: () => [out.t("client.unlock.code_sent", { number: order.number })],
          unlocked: () => [out.t("client.unlock.done")],
        };
        out.result(
          { stage: r.stage, order: { id: order.id, number: order.number, state: order.state } },
          lines[r.stage],
        );
        return r.stage === "unlocked" ? EXIT_OK : EXIT_WAITING;
      }),
    );

  program
    .command("renew")
    .description(t("client.help.renew"))
    .option("--pin <pin>", t("client.help.pin"))
    .option("--years <n>", t("client.help.years"))
    .option("--wait <seconds>", t("client.help.wait"))
    .action(
      act(async (o: { pin?: string; years?: string; wait?: string }) => {
        const d = desk()!;
        const pin = await secret(o.pin, "client.prompt.pin", "--pin");
        const years = o.years === undefined ? undefined : Number(o.years);
        if (years !== undefined && !(Number.isInteger(years) && years > 0))
          throw new DomainError("cli.not_whole_number", { option: "--years", value: o.years ?? "" });
        const deadline = Date.now() + Math.max(0, Number(o.wait ?? 0)) * 1000;
        let r = await withKey(selection(), (key) => renew(key, d, { pin, years }));
        let told = false;
        while (r.stage === "awaiting_payment" && Date.now() < deadline) {
          if (!told && !out.json) io.stdout.write(`${payLine(out, r)}\n`);
          told = true;
          await new Promise((resolve) => setTimeout(resolve, 2000));
          r = await withKey(selection(), (key) => renew(key, d, { pin, years }));
        }
        if (r.stage === "awaiting_payment") {
          out.result(
            { stage: r.stage, order: { id: r.order.id, number: r.order.number }, payUrl: r.payUrl },
            () => [payLine(out, r)],
          );
          return EXIT_WAITING;
        }
        const done = r;
        out.result({ stage: done.stage, certificate: done.certificate, replaced: done.replaced }, () => [
          out.t("client.renewed", {
            serial: done.certificate.serial,
            notAfter: done.certificate.notAfter.slice(0, 10),
          }),
          out.t("client.superseded", { serial: done.replaced }),
        ]);
        return EXIT_OK;
      }),
    );

  program
    .command("install-seal")
    .description(t("client.help.install_seal"))
    .option("--pin <pin>", t("client.help.pin"))
    .action(
      act(async (o: { pin?: string }) => {
        const d = desk()!;
        const r = await withKey(selection(), async (key) =>
          installSeal(key, d, { pin: await secret(o.pin, "client.prompt.pin", "--pin") }),
        );
        out.result(r, () => [out.t("client.seal_installed", { name: r.name, esId: r.esId })]);
        return EXIT_OK;
      }),
    );

  program
    .command("sign")
    .description(t("client.help.sign"))
    .argument("<file>", t("client.help.file"))
    .option("--out <file>", t("client.help.out"))
    .option("--pem", t("client.help.pem"))
    .option("--pin <pin>", t("client.help.pin"))
    .action(
      act(async (file: string, o: { out?: string; pem?: boolean; pin?: string }) => {
        let data: Uint8Array;
        try {
          data = new Uint8Array(readFileSync(file));
        } catch (e) {
          throw new DomainError("cli.file_unreadable", { path: file, detail: String(e) });
        }
        const r = await withKey(selection(), async (key) =>
          signDetached(key, {
            pin: await secret(o.pin, "client.prompt.pin", "--pin"),
            data,
            signingTime: new Date(),
          }),
        );
        const target = o.out ?? `${file}.p7s`;
        writeFileSync(target, o.pem ? pemEncode("CMS", r.cms) : r.cms);
        out.result({ signature: target, certificate: r.certificate }, () => [
          out.t("client.signed", { file, out: target, subject: r.certificate.subject }),
        ]);
        return EXIT_OK;
      }),
    );

  addSignOfdCommand(program, {
    t: (code, params) => out.t(code, params),
    result: (value, lines) => out.result(value, lines),
    selection,
    secret,
    finish,
    tsaUrl,
  });

  program
    .command("format")
    .description(t("client.help.format"))
    .option("--new-pin <pin>", t("client.help.new_pin"))
    .option("--yes", t("client.help.yes"))
    .action(
      act(async (o: { newPin?: string; yes?: boolean }) => {
        if (!o.yes) {
          const answer = io.prompt ? await io.prompt(out.t("client.prompt.format_confirm")) : "";
          if (!/^(y|yes|是)$/i.test(answer.trim())) throw new DomainError("client.format_not_confirmed");
        }
        const d = desk()!;
        const r = await withKey(selection(), (key) => format(key, d, o));
        if (r.stage === "awaiting_payment") {
          out.result({ stage: r.stage, order: { id: r.order.id, number: r.order.number } }, () => [
            out.t("client.awaiting_payment", {
              number: r.order.number,
              amount: (r.order.totalFen / 100).toFixed(2),
            }),
          ]);
          return EXIT_WAITING;
        }
        const formatted = r;
        out.result({ stage: formatted.stage, defaultPin: formatted.defaultPin }, () => [
          out.t("client.formatted"),
          ...(formatted.defaultPin
            ? [out.t("client.formatted_default_pin", { pin: formatted.userPin ?? "" })]
            : []),
        ]);
        return EXIT_OK;
      }),
    );

  program
    .command("agent")
    .description(t("client.help.agent"))
    // `agent pairings` lists the paired sites, `agent revoke <origin>` ends one's pairing.
    .argument("[what]")
    .argument("[origin]")
    .option("--portal-origin <origin>", t("client.help.portal_origin"))
    .option(
      "--platform-origin <origin>",
      t("client.help.platform_origin"),
      (value: string, all: string[]) => [...all, value],
      [] as string[],
    )
    .option("--port <port>", t("client.help.port"))
    .option("--pair-again", t("client.help.pair_again"))
    .action(
      act(
        async (
          what: string | undefined,
          site: string | undefined,
          o: { portalOrigin?: string; platformOrigin: string[]; port?: string; pairAgain?: boolean },
        ) => {
          if (what === "pairings") {
            const all = readPairings(home());
            out.result({ pairings: all.map(({ secretHash: _, ...p }) => p) }, () =>
              all.length
                ? all.map((p) =>
                    out.t("agent.pairings.line", {
                      origin: p.origin,
                      pairedAt: p.pairedAt,
                      scope: (p.scope ?? ["?"]).join(", "),
                    }),
                  )
                : [out.t("agent.pairings.none")],
            );
            return EXIT_OK;
          }
          if (what === "revoke") {
            if (!site) throw new DomainError("client.option_required", { option: "<origin>" });
            const origin = normaliseOrigin(site);
            if (!revokePairing(home(), origin)) throw new DomainError("agent.revoke_unknown", { origin });
            out.result({ revoked: origin }, () => [out.t("agent.revoked", { origin })]);
            return EXIT_OK;
          }
          if (what !== undefined) throw new DomainError("agent.command_unknown", { what });
          if (!o.portalOrigin) throw new DomainError("client.option_required", { option: "--portal-origin" });
          const g = globals();
          const agent = await startAgent({
            portalOrigin: o.portalOrigin,
            platformOrigins: o.platformOrigin,
            port: o.port === undefined ? AGENT_DEFAULT_PORT : Number(o.port),
            home: home(),
            key: selection(),
            locale: out.locale,
            pairAgain: o.pairAgain ?? false,
            log: (line) => io.stderr.write(`${line}\n`),
            tsaUrl: tsaUrl(),
            desk: (token) => {
              if (token) {
                const server = g.server ?? io.env.CERTDESK_SERVER ?? readSession(home())?.server;
                return server
                  ? new DeskClient({ server, token, locale: out.locale, fetch: io.fetch })
                  : undefined;
              }
              return desk(false);
            },
          });
          io.onAgentStarted?.({
            url: agent.url,
            pairingCode: agent.pairingCode,
            pairingCodeFor: (origin) => agent.pairingCodeFor(origin),
          });
          await (io.agentStopped ?? new Promise<void>(() => {}));
          await agent.close();
          return EXIT_OK;
        },
      ),
    );

  return program;
}
