/**
 * certdesk quote: prices a service from a programme's tariff (src/domain/tariff.ts); through the
 * running desk when it holds the embedded store.
 */
import { DomainError } from "../domain/errors.js";
import { type Programme, serviceCodes } from "../domain/programme.js";
import { type CourierPayment, type Quote, type QuoteRequest, formatFen, quote } from "../domain/tariff.js";
import { oneOf, optionalWholeNumber } from "./args.js";
import { type CliContext, EXIT_OK, formatTable } from "./output.js";
import { deskRequest, onStoreOrDesk } from "./desk-session.js";
import { withDeskData } from "./source.js";

export interface QuoteOptions {
  programme: string;
  service: string;
  years?: string;
  keys?: string;
  plan?: string;
  coveredBy?: string;
  courier?: string;
}

const courierPayments: readonly CourierPayment[] = ["prepaid", "cash-on-delivery"];

export async function quoteCommand(ctx: CliContext, options: QuoteOptions): Promise<number> {
  const request: Omit<QuoteRequest, "service"> = {
    years: optionalWholeNumber("--years", options.years),
    keys: optionalWholeNumber("--keys", options.keys),
    plan: options.plan,
    coveredByPlan: options.coveredBy,
    courier: options.courier === undefined ? undefined : oneOf("--courier", options.courier, courierPayments),
  };
  const { programme, priced } = await onStoreOrDesk(
    ctx,
    () =>
      withDeskData(ctx.config(), async (data) => {
        const programme = await data.programme(options.programme);
        const service = serviceCodes.find((code) => code === options.service);
        if (service === undefined) {
          throw new DomainError("tariff.service_not_offered", {
            service: options.service,
            programme: programme.id,
          });
        }
        return { programme, priced: quote(programme, { ...request, service }) };
      }),
    // The running desk prices it (POST /api/quote, public): the same tariff code on its store.
    async (desk) => {
      const programme = await deskRequest<Programme>(
        desk,
        "GET",
        `/api/programmes/${encodeURIComponent(options.programme)}`,
      );
      const priced = await deskRequest<Quote>(desk, "POST", "/api/quote", {
        programmeId: options.programme,
        service: options.service,
        ...Object.fromEntries(Object.entries(request).filter(([, v]) => v !== undefined)),
      });
      return { programme, priced };
    },
    { public: true },
  );
  ctx.out.result({ total: priced.total, currency: priced.currency, items: priced.items }, () =>
    quoteText(ctx, programme, priced),
  );
  return EXIT_OK;
}

function quoteText({ out }: CliContext, programme: Programme, priced: Quote): string {
  const { locale } = out;
  const rows = [
    [
      out.t("cli.quote.item"),
      out.t("cli.quote.unit_price"),
      out.t("cli.quote.quantity"),
      out.t("cli.quote.amount"),
    ],
    ...priced.items.map((i) => [
      i.label[locale],
      formatFen(i.unitPrice),
      String(i.quantity),
      formatFen(i.amount),
    ]),
  ];
  const [header = "", ...lines] = formatTable(rows, new Set([1, 2, 3]));
  const body = lines.flatMap((line, index) => {
    const note = priced.items[index]?.note?.[locale];
    return note ? [line, `  ${note}`] : [line];
  });
  return [
    programme.name[locale],
    "",
    header,
    ...body,
    "",
    out.t("cli.quote.total", { total: formatFen(priced.total) }),
  ].join("\n");
}
