/**
 * certdesk-client sign-ofd FILE --page N --x MM --y MM [--out F] [--pin PIN]: stamps an OFD with
 * the key's electronic seal (src/seal/ofd/sign.ts). --x and --y place the seal's top left corner,
 * in millimetres from the page's top left corner, as OFD measures its pages.
 */
import { readFileSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import { wholeNumber } from "../cli/args.js";
import { DomainError } from "../domain/errors.js";
import { sealOfd } from "./actions.js";
import { withKey, type KeySelection } from "./keys.js";
import { timestamper } from "./timestamp.js";

export interface SignOfdShell {
  t(code: string, params?: Record<string, string | number>): string;
  result(value: object, lines: () => string[]): void;
  selection(): KeySelection;
  secret(given: string | undefined, question: string, option: string): Promise<string>;
  finish(code: number): void;
  /** the timestamp authority to ask (client/timestamp.ts); undefined, none */
  tsaUrl(): string | undefined;
}

function millimetres(option: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0 || n > 5000)
    throw new DomainError("cli.invalid_value", { option, value, allowed: "0-5000 (mm)" });
  return n;
}

export function addSignOfdCommand(program: Command, shell: SignOfdShell): void {
  program
    .command("sign-ofd")
    .description(shell.t("client.help.sign_ofd"))
    .argument("<file>", shell.t("client.help.file"))
    .option("--page <n>", shell.t("client.help.ofd_page"))
    .option("--x <mm>", shell.t("client.help.ofd_x"))
    .option("--y <mm>", shell.t("client.help.ofd_y"))
    .option("--out <file>", shell.t("client.help.ofd_out"))
    .option("--pin <pin>", shell.t("client.help.pin"))
    .action(
      async (file: string, o: { page?: string; x?: string; y?: string; out?: string; pin?: string }) => {
        const page = wholeNumber("--page", o.page ?? "1");
        if (page < 1)
          throw new DomainError("cli.not_whole_number", { option: "--page", value: o.page ?? "" });
        const stamp = { page, xMm: millimetres("--x", o.x, 120), yMm: millimetres("--y", o.y, 200) };
        let ofd: Uint8Array;
        try {
          ofd = new Uint8Array(readFileSync(file));
        } catch (e) {
          throw new DomainError("cli.file_unreadable", { path: file, detail: String(e) });
        }
        const ts = timestamper(shell.tsaUrl());
        const r = await withKey(shell.selection(), async (key) =>
          sealOfd(key, {
            pin: await shell.secret(o.pin, "client.prompt.pin", "--pin"),
            ofd,
            stamp,
            signedAt: new Date(),
            timestamp: ts.hook,
          }),
        );
        const out = o.out ?? `${file.replace(/\.ofd$/i, "")}.signed.ofd`;
        writeFileSync(out, r.ofd);
        const timestamp = ts.outcome();
        shell.result(
          {
            file: out,
            signatureId: r.signatureId,
            stamp,
            certificate: r.certificate,
            seal: r.seal,
            timestamp,
          },
          () => [
            shell.t("client.signed_ofd", { file, out, seal: r.seal.name, page }),
            timestamp.status === "stamped"
              ? shell.t("client.timestamp_stamped", { url: timestamp.url })
              : timestamp.status === "unavailable"
                ? shell.t("client.timestamp_unavailable", {
                    url: timestamp.url,
                    reason: shell.t(timestamp.code, timestamp.params),
                  })
                : shell.t("client.timestamp_none"),
          ],
        );
        shell.finish(0);
      },
    );
}
