/**
 * certdesk platform: register relying platforms and manage their API credentials from the command
 * line (the back office does the same over the API). A new secret is printed once.
 */
import { systemActor } from "../people/actor.js";
import { type CliContext, EXIT_OK, formatTable } from "./output.js";
import { withStore } from "./source.js";

const actor = systemActor("cli");

const platformDeps = (ctx: CliContext) => ({ clock: ctx.clock, secretKey: ctx.config().secretKey });

export async function platformAddCommand(
  ctx: CliContext,
  id: string,
  options: { programme: string; name: string; webhook?: string },
): Promise<number> {
  const { registerPlatform } = await import("../platforms/clients.js");
  const extra = platformDeps(ctx);
  const r = await withStore(ctx.config(), { create: false }, ({ db }) =>
    registerPlatform({ db, ...extra }, actor, {
      id,
      programmeId: options.programme,
      name: options.name,
      webhookUrl: options.webhook,
    }),
  );
  ctx.out.result(r, () =>
    ctx.out.t("cli.platform.added", { id, keyId: r.credential.keyId, secret: r.credential.secret }),
  );
  return EXIT_OK;
}

export async function platformRotateCommand(
  ctx: CliContext,
  id: string,
  options: { graceHours?: string },
): Promise<number> {
  const { rotateCredential, DEFAULT_ROTATION_GRACE_HOURS } = await import("../platforms/clients.js");
  const extra = platformDeps(ctx);
  const grace = options.graceHours === undefined ? DEFAULT_ROTATION_GRACE_HOURS : Number(options.graceHours);
  const r = await withStore(ctx.config(), { create: false }, ({ db }) =>
    rotateCredential({ db, ...extra }, actor, id, grace),
  );
  ctx.out.result(r, () =>
    ctx.out.t("cli.platform.rotated", {
      id,
      keyId: r.credential.keyId,
      secret: r.credential.secret,
      hours: grace,
    }),
  );
  return EXIT_OK;
}

export async function platformListCommand(ctx: CliContext): Promise<number> {
  const { listPlatforms } = await import("../platforms/clients.js");
  const platforms = await withStore(ctx.config(), { create: false }, ({ db }) =>
    listPlatforms(db, ctx.clock.now()),
  );
  ctx.out.result({ platforms }, () =>
    platforms.length === 0
      ? ctx.out.t("cli.platform.none")
      : formatTable(
          platforms.map((p) => [
            p.id,
            p.programmeId,
            p.name,
            p.webhookUrl ?? "-",
            p.credentials
              .filter((c) => c.usable)
              .map((c) => c.keyId)
              .join(" "),
          ]),
        ).join("\n"),
  );
  return EXIT_OK;
}
