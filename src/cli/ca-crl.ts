/**
 * certdesk ca crl: builds, signs and stores the current full CRL of a CA (by default of every
 * active issuing CA), as the server's timer would, and writes the DER with --out.
 */
import { statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DomainError } from "../domain/errors.js";
import { type CliContext, EXIT_OK } from "./output.js";
import { errorText, storedCaSettings, withStore } from "./source.js";

export interface CaCrlOptions {
  /** one CA's id; default: every active issuing CA */
  ca?: string;
  /** a file, or an existing folder to write {caId}.crl into (required for several CAs) */
  out?: string;
}

interface CrlDone {
  ca: string;
  crlNumber: number;
  entries: number;
  thisUpdate: string;
  nextUpdate: string;
  out?: string;
}

export async function caCrlCommand(ctx: CliContext, options: CaCrlOptions): Promise<number> {
  const config = ctx.config();
  const done = await withStore(config, { create: false }, async ({ db }) => {
    const [{ CaRegistry }, { caSecrets }, { activeIssuingCas, publishCrl }, { systemActor }] =
      await Promise.all([
        import("../ca/ca.js"),
        import("../ca/ca-keys.js"),
        import("../ca/crls.js"),
        import("../people/actor.js"),
      ]);
    const ids = options.ca ? [options.ca] : await activeIssuingCas(db);
    if (ids.length === 0) throw new DomainError("publication.no_crl_issuers");
    const folder = options.out !== undefined && isFolder(options.out);
    if (ids.length > 1 && options.out !== undefined && !folder)
      throw new DomainError("publication.out_not_directory", { path: options.out, count: ids.length });

    const settings = await storedCaSettings(config, db, ctx.clock.now());
    const deps = { db, clock: ctx.clock, cas: new CaRegistry(db, caSecrets(config.ca)), settings };
    const made: CrlDone[] = [];
    for (const id of ids) {
      const crl = await publishCrl(deps, id, { actor: systemActor("cli"), trigger: "cli" });
      const out =
        options.out === undefined ? undefined : folder ? join(options.out, `${id}.crl`) : options.out;
      if (out !== undefined) write(out, crl.der);
      made.push({
        ca: id,
        crlNumber: Number(crl.crlNumber),
        entries: crl.entries,
        thisUpdate: crl.thisUpdate.toISOString(),
        nextUpdate: crl.nextUpdate.toISOString(),
        ...(out === undefined ? {} : { out }),
      });
    }
    return made;
  });

  const { out } = ctx;
  out.result({ crls: done }, () =>
    done
      .map((c) =>
        c.out === undefined
          ? out.t("publication.crl_summary", {
              ca: c.ca,
              number: c.crlNumber,
              entries: c.entries,
              thisUpdate: c.thisUpdate,
              nextUpdate: c.nextUpdate,
            })
          : out.t("publication.crl_written", {
              ca: c.ca,
              number: c.crlNumber,
              entries: c.entries,
              path: c.out,
            }),
      )
      .join("\n"),
  );
  return EXIT_OK;
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function write(path: string, der: Uint8Array): void {
  try {
    writeFileSync(path, der);
  } catch (e) {
    throw new DomainError("publication.out_unwritable", { path, detail: errorText(e) });
  }
}
