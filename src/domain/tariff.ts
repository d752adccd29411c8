/**
 * Prices a service of a programme from the programme's tariff data. Integer fen throughout; every
 * amount is checked to be a safe integer so sums stay exact.
 */
import { DomainError } from "./errors.js";
import type { LocalizedText, Plan, Programme, ServiceCode, ServiceDefinition } from "./programme.js";

export type CourierPayment = "prepaid" | "cash-on-delivery";

export type QuoteRequest = {
  service: ServiceCode;
  /** Term in years (term-priced services); defaults to rules.defaultYears. */
  years?: number;
  /** Keys ordered, or keys a per-key service is done on; defaults to 1. */
  keys?: number;
  /** Plan id for a term on plan pricing ("basic", "all-inclusive"); defaults to the tariff's defaultPlan. */
  plan?: string;
  /**
   * Plan id of the keys a per-time service applies to; keys on a covering plan pay nothing. On a
   * per-time service `plan` says the same (the plan the keys are on); the two must then agree.
   */
  coveredByPlan?: string;
  /** Courier only: prepaid at the tariff price, or paid to the courier on delivery. */
  courier?: CourierPayment;
};

export type QuoteItem = {
  code: string;
  label: LocalizedText;
  unitPrice: number;
  quantity: number;
  amount: number;
  note?: LocalizedText;
};

export type Quote = {
  currency: "CNY";
  total: number;
  items: QuoteItem[];
  /** The term actually priced, after defaults (term-priced services only). */
  term?: { years: number; keys: number; plan?: string };
};

export function quote(programme: Programme, request: QuoteRequest): Quote {
  const { service: code } = request;
  const service = Object.hasOwn(programme.services, code) ? programme.services[code] : undefined;
  if (!service)
    throw new DomainError("tariff.service_not_offered", { service: String(code), programme: programme.id });

  const keys = resolveKeys(programme, request.keys);
  switch (service.fee) {
    case "term":
      refuseOptions(request, ["coveredByPlan", "courier"]);
      return quoteTerm(programme, code, service, request, keys);
    case "per-time": {
      refuseOptions(request, ["years"]);
      const { plan, ...rest } = request;
      if (plan !== undefined && rest.coveredByPlan !== undefined && plan !== rest.coveredByPlan)
        throw new DomainError("tariff.option_not_applicable", { option: "plan", service: code });
      const keysOn = plan ?? rest.coveredByPlan;
      return quotePerTime(
        programme,
        code,
        service,
        { ...rest, ...(keysOn ? { coveredByPlan: keysOn } : {}) },
        keys,
      );
    }
    case "free":
      refuseOptions(request, ["years", "plan", "coveredByPlan", "courier"]);
      return done([
        item({
          code,
          label: service.name,
          unitPrice: 0,
          quantity: 1,
          note: { "zh-CN": "免费", en: "Free of charge" },
        }),
      ]);
    case "none":
      throw new DomainError("tariff.service_not_priced", { service: code });
  }
}

function quoteTerm(
  programme: Programme,
  code: ServiceCode,
  service: ServiceDefinition,
  request: QuoteRequest,
  keys: number,
): Quote {
  const pricing = programme.tariff.term;
  // The schema guarantees a term pricing for every term-priced service.
  if (!pricing)
    throw new Error(`programme ${programme.id}: services.${code} has fee term but tariff.term is missing`);
  const years = resolveYears(programme, request.years);
  const termLabel: LocalizedText = { "zh-CN": `${years} 年`, en: years === 1 ? "1 year" : `${years} years` };

  if (pricing.kind === "per-year") {
    if (request.plan !== undefined)
      throw new DomainError("tariff.option_not_applicable", { option: "plan", service: code });
    const perYear = checkedFen(pricing.perYear);
    return done(
      [
        item({
          code: `${code}:${years}y`,
          label: join(service.name, termLabel),
          unitPrice: checkedFen(perYear * years),
          quantity: keys,
          note: {
            "zh-CN": `每年 ${formatFen(perYear)} 元 × ${years} 年`,
            en: `CNY ${formatFen(perYear)} per year × ${termLabel.en}`,
          },
        }),
      ],
      { years, keys },
    );
  }

  const planId = request.plan ?? pricing.defaultPlan;
  if (planId === undefined) throw new DomainError("tariff.plan_required", planNames(pricing.plans));
  const plan = findPlan(pricing.plans, planId);
  const price = plan.prices.find((p) => p.years === years);
  if (!price) {
    throw new DomainError("tariff.years_not_offered", {
      years,
      allowed: plan.prices.map((p) => p.years).join(", "),
    });
  }
  return done(
    [
      item({
        code: `${code}:${plan.id}:${years}y`,
        label: join(service.name, plan.name, termLabel),
        unitPrice: checkedFen(price.perKey),
        quantity: keys,
        note: { "zh-CN": "按电子钥匙计价", en: "Priced per key" },
      }),
    ],
    { years, keys, plan: plan.id },
  );
}

function quotePerTime(
  programme: Programme,
  code: ServiceCode,
  service: ServiceDefinition,
  request: QuoteRequest,
  keys: number,
): Quote {
  const price = programme.tariff.perTime[code];
  if (!price)
    throw new Error(
      `programme ${programme.id}: services.${code} has fee per-time but no tariff.perTime entry`,
    );
  if (request.courier !== undefined && code !== "courier") {
    throw new DomainError("tariff.option_not_applicable", { option: "courier", service: code });
  }
  const quantity = price.per === "key" ? keys : 1;

  if (request.courier === "cash-on-delivery") {
    if (!price.cashOnDelivery)
      throw new DomainError("tariff.cash_on_delivery_not_offered", { service: code });
    return done([
      item({
        code: `${code}:cash-on-delivery`,
        label: join(service.name, { "zh-CN": "到付", en: "cash on delivery" }),
        unitPrice: 0,
        quantity: 1,
        note: {
          "zh-CN": "运费到付：收件时向快递公司支付，本单不收取",
          en: "Cash on delivery: the recipient pays the courier; nothing is charged here",
        },
      }),
    ]);
  }

  if (request.coveredByPlan !== undefined) {
    const pricing = programme.tariff.term;
    if (pricing?.kind !== "plans") {
      throw new DomainError("tariff.option_not_applicable", { option: "coveredByPlan", service: code });
    }
    const plan = findPlan(pricing.plans, request.coveredByPlan);
    if (plan.covers.includes(code)) {
      return done([
        item({
          code: `${code}:covered:${plan.id}`,
          label: service.name,
          unitPrice: 0,
          quantity,
          note: { "zh-CN": `${plan.name["zh-CN"]}已包含，无需另付`, en: `Included in the ${plan.name.en}` },
        }),
      ]);
    }
  }

  return done([
    item({
      code,
      label: service.name,
      unitPrice: checkedFen(price.unitPrice),
      quantity,
      ...(price.note ? { note: price.note } : {}),
    }),
  ]);
}

function resolveYears(programme: Programme, requested: number | undefined): number {
  const { validityYears, defaultYears } = programme.rules;
  const allowed = validityYears.join(", ");
  const years = requested ?? defaultYears;
  if (years === undefined) throw new DomainError("tariff.years_required", { allowed });
  if (!validityYears.includes(years)) throw new DomainError("tariff.years_not_offered", { years, allowed });
  return years;
}

function resolveKeys(programme: Programme, requested: number | undefined): number {
  const { min, max } = programme.rules.keysPerOrder;
  const keys = requested ?? 1;
  if (!Number.isSafeInteger(keys) || keys < min || keys > max) {
    throw new DomainError("tariff.keys_out_of_range", { keys, min, max });
  }
  return keys;
}

function findPlan(plans: Plan[], id: string): Plan {
  const plan = plans.find((p) => p.id === id);
  if (!plan) throw new DomainError("tariff.plan_not_offered", { plan: id, ...planNames(plans) });
  return plan;
}

/** The plans a person may choose, by their names in each language (never the internal ids). */
function planNames(plans: Plan[]): { allowed: string; allowedEn: string } {
  return {
    allowed: plans.map((p) => p.name["zh-CN"]).join("、"),
    allowedEn: plans.map((p) => p.name.en).join(", "),
  };
}

type QuoteOption = "years" | "plan" | "coveredByPlan" | "courier";

function refuseOptions(request: QuoteRequest, options: QuoteOption[]): void {
  for (const option of options) {
    if (request[option] !== undefined) {
      throw new DomainError("tariff.option_not_applicable", { option, service: request.service });
    }
  }
}

function item({ code, label, unitPrice, quantity, note }: Omit<QuoteItem, "amount">): QuoteItem {
  const amount = checkedFen(checkedFen(unitPrice) * quantity);
  return { code, label, unitPrice, quantity, amount, ...(note ? { note } : {}) };
}

function done(items: QuoteItem[], term?: Quote["term"]): Quote {
  const total = checkedFen(items.reduce((sum, i) => sum + i.amount, 0));
  return { currency: "CNY", total, items, ...(term ? { term } : {}) };
}

function join(...parts: LocalizedText[]): LocalizedText {
  return {
    "zh-CN": parts.map((p) => p["zh-CN"]).join(" · "),
    en: parts.map((p) => p.en).join(" · "),
  };
}

/** Amounts must stay exact: a non-integer or unsafe amount is a bug in data or code, not user input. */
function checkedFen(fen: number): number {
  if (!Number.isSafeInteger(fen) || fen < 0) throw new RangeError(`not a safe amount in fen: ${fen}`);
  return fen;
}

/** 60000 → "600.00". */
export function formatFen(fen: number): string {
  if (!Number.isSafeInteger(fen)) throw new RangeError(`not an amount in fen: ${fen}`);
  const abs = Math.abs(fen);
  const cents = abs % 100;
  const yuan = (abs - cents) / 100;
  return `${fen < 0 ? "-" : ""}${yuan}.${String(cents).padStart(2, "0")}`;
}
