/** certdesk programme: list, show and load programmes (reviewed data, src/domain/programme.ts). */
import { type Programme, offeredServices } from "../domain/programme.js";
import { formatFen } from "../domain/tariff.js";
import { systemActor } from "../people/actor.js";
import { type CliContext, EXIT_OK, formatTable } from "./output.js";
import { withDeskData, withStore } from "./source.js";

export async function listProgrammesCommand(ctx: CliContext): Promise<number> {
  const programmes = await withDeskData(ctx.config(), (data) => data.programmes());
  const { out } = ctx;
  out.result(
    { programmes: programmes.map((p) => ({ id: p.id, name: p.name, services: offeredServices(p) })) },
    () =>
      programmes.length === 0
        ? out.t("cli.programme.none")
        : formatTable(programmes.map((p) => [p.id, p.name[out.locale]])).join("\n"),
  );
  return EXIT_OK;
}

export async function showProgrammeCommand(ctx: CliContext, id: string): Promise<number> {
  const programme = await withDeskData(ctx.config(), (data) => data.programme(id));
  ctx.out.result(programme, () => programmeText(ctx, programme));
  return EXIT_OK;
}

/** Validates the whole file first, then saves each programme (a new version each, audited). */
export async function loadProgrammesCommand(ctx: CliContext, file: string): Promise<number> {
  const { readProgrammesFile } = await import("../store/programme-files.js");
  const programmes = readProgrammesFile(file);
  const loaded = await withStore(ctx.config(), { create: true }, async ({ db }) => {
    const { saveProgramme } = await import("../orders/programmes.js");
    const saved: { id: string; version: number }[] = [];
    for (const programme of programmes) {
      const { version } = await saveProgramme({ db, clock: ctx.clock }, systemActor("cli"), programme);
      saved.push({ id: programme.id, version });
    }
    return saved;
  });
  ctx.out.result({ loaded }, () =>
    loaded.map((p) => ctx.out.t("cli.programme.loaded", { programme: p.id, version: p.version })).join("\n"),
  );
  return EXIT_OK;
}

function programmeText({ out }: CliContext, p: Programme): string {
  const { locale } = out;
  const lines = [
    `${p.id}  ${p.name[locale]}`,
    out.t("cli.programme.platform", { name: p.platform.name[locale] }),
    out.t("cli.programme.ca", { name: p.ca.name[locale] }),
  ];
  if (p.agent) lines.push(out.t("cli.programme.agent", { name: p.agent.name[locale] }));
  lines.push(out.t("cli.programme.services"));
  const rows = offeredServices(p).map((code) => {
    const service = p.services[code];
    return ["", code, service?.name[locale] ?? "", service ? feeText(out, p, code, service.fee) : ""];
  });
  lines.push(...formatTable(rows));
  return lines.join("\n");
}

function feeText(
  out: CliContext["out"],
  p: Programme,
  code: keyof Programme["services"],
  fee: "term" | "per-time" | "free" | "none",
): string {
  switch (fee) {
    case "term": {
      const term = p.tariff.term;
      if (term?.kind === "per-year")
        return out.t("cli.programme.fee.term_per_year", { price: formatFen(term.perYear) });
      const plans = (term?.plans ?? [])
        .map(
          (plan) =>
            `${plan.name[out.locale]} ${plan.prices.map((x) => `${x.years}y ${formatFen(x.perKey)}`).join(" / ")}`,
        )
        .join("; ");
      return out.t("cli.programme.fee.term_plans", { plans });
    }
    case "per-time": {
      const price = p.tariff.perTime[code];
      if (!price) return "";
      const key = price.per === "key" ? "cli.programme.fee.per_key" : "cli.programme.fee.per_order";
      return out.t(key, { price: formatFen(price.unitPrice) });
    }
    case "free":
      return out.t("cli.programme.fee.free");
    case "none":
      return out.t("cli.programme.fee.none");
  }
}
