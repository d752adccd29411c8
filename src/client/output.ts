/**
 * The client's output: lines for people, JSON for scripts.
 */
import type { ErrorParams } from "../domain/errors.js";
import { translate, type Locale } from "../i18n/catalogue.js";
import { oneLine } from "../cli/output.js";
import type { KeyDescription } from "./actions.js";
import type { Fetch } from "./desk.js";
import type { KeySelection } from "./keys.js";

export interface ClientIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: Record<string, string | undefined>;
  fetch?: Fetch;
  /** asks for a secret (PIN, password, code) on a terminal; absent, the option is required */
  prompt?: (question: string) => Promise<string>;
  /** the agent runs until this resolves (tests); a real process runs until killed */
  agentStopped?: Promise<void>;
  onAgentStarted?: (agent: {
    url: string;
    pairingCode: string | undefined;
    pairingCodeFor(origin: string): string | undefined;
  }) => void;
}

export interface Globals extends KeySelection {
  json?: boolean;
  lang?: string;
  server?: string;
  token?: string;
  tsa?: string;
}

export class Out {
  constructor(
    private readonly io: ClientIo,
    readonly locale: Locale,
    readonly json: boolean,
  ) {}

  t(code: string, params?: ErrorParams): string {
    return translate(code, this.locale, params);
  }

  result(value: object, lines: () => string[]): void {
    if (this.json) this.io.stdout.write(`${JSON.stringify(value)}\n`);
    else this.io.stdout.write(`${lines().join("\n")}\n`);
  }

  error(code: string, params: ErrorParams = {}): void {
    const message = this.t(code, params);
    if (this.json) this.io.stdout.write(`${JSON.stringify({ error: { code, message, params } })}\n`);
    else this.io.stderr.write(`certdesk-client: ${oneLine(message)}\n`);
  }
}

export function payLine(
  out: Out,
  r: { order: { number: string; totalFen: number }; payUrl: string | null },
): string {
  return r.payUrl
    ? out.t("client.renewal.pay_online", {
        number: r.order.number,
        amount: (r.order.totalFen / 100).toFixed(2),
        url: r.payUrl,
      })
    : out.t("client.awaiting_payment", {
        number: r.order.number,
        amount: (r.order.totalFen / 100).toFixed(2),
      });
}

export function jsonKey(d: KeyDescription): object {
  return {
    ...d.info,
    certificates: d.certificates,
    seal: d.seal,
    ...(d.desk
      ? {
          desk: {
            activated: d.desk.activated,
            activatedAt: d.desk.activatedAt,
            formatted: d.desk.formatted,
            orderNumber: d.desk.orderNumber,
            certificate: d.desk.certificate,
            renewal: d.desk.renewal,
            openOrders: d.desk.openOrders,
          },
        }
      : {}),
  };
}

export function keyLines(out: Out, d: KeyDescription, detail: boolean): string[] {
  const i = d.info;
  const lines = [
    out.t("client.show.key", {
      serial: i.serial,
      label: i.label || "-",
      kind: out.t(`client.kind.${i.kind}`),
    }),
  ];
  if (!i.initialised) return [...lines, `  ${out.t("client.show.blank")}`];
  const retries =
    i.user.retriesLeft === undefined
      ? out.t("client.show.retries_unknown")
      : `${i.user.retriesLeft}/${i.user.maxRetries ?? "?"}`;
  lines.push(
    `  ${out.t("client.show.pin", {
      state: i.user.locked ? out.t("client.show.locked") : out.t("client.show.ok"),
      retries,
    })}${i.defaultPin ? `  ${out.t("client.show.default_pin")}` : ""}`,
  );
  for (const c of d.certificates)
    lines.push(
      `  ${out.t("client.show.certificate", { serial: c.serial, subject: c.subject, notAfter: c.notAfter.slice(0, 10) })}`,
    );
  if (d.certificates.length === 0) lines.push(`  ${out.t("client.show.no_certificate")}`);
  if (d.seal) lines.push(`  ${out.t("client.show.seal", { name: d.seal.name })}`);
  if (detail && d.desk?.formatted) lines.push(`  ${out.t("client.show.formatted")}`);
  else if (detail && d.desk) {
    const k = d.desk;
    lines.push(
      `  ${k.activated ? out.t("client.show.activated", { at: k.activatedAt?.slice(0, 10) ?? "" }) : out.t("client.show.not_activated")}`,
    );
    if (k.renewal.offered && k.renewal.windowOpens)
      lines.push(
        `  ${out.t(k.renewal.open ? "client.show.renewal_open" : "client.show.renewal_opens", { date: k.renewal.windowOpens })}`,
      );
    for (const o of k.openOrders)
      lines.push(
        `  ${out.t("client.show.open_order", { number: o.number, service: o.service, state: o.state })}`,
      );
  }
  if (i.user.locked) lines.push(`  ${out.t("token.pin_locked")}`);
  else if (i.defaultPin) lines.push(`  ${out.t("token.default_pin")}`);
  return lines;
}
