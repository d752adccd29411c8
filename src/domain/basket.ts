/**
 * A basket: one order for several keys on different plans and terms (programme B's customers buy
 * e.g. 2 all-inclusive + 1 basic keys at once), and a single service done on several keys at once.
 * Both are priced line by line by tariff.ts's quote, so a basket of one line prices exactly as the
 * plain quote does (programme A's one certificate stays unchanged).
 */
import { DomainError } from "./errors.js";
import type { Programme, ServiceCode } from "./programme.js";
import { type Quote, type QuoteItem, quote } from "./tariff.js";

/** One line of a basket as the applicant fills it in: plan × term × number of keys. */
export type BasketLine = { plan?: string; years?: number; keys: number };

/** A line after defaults: the plan (plan pricing only) and term each of its keys is made with. */
export type PricedLine = { plan?: string; years: number; keys: number };

export type PricedBasket = { quote: Quote; lines: PricedLine[] };

/**
 * Prices a basket for a term-priced service (a new application). Lines naming the same plan and
 * term are merged, so the invoice has one line per plan × term; the keys of all lines together
 * must fit the programme's keys per order.
 */
export function quoteBasket(programme: Programme, service: ServiceCode, lines: BasketLine[]): PricedBasket {
  if (programme.services[service]?.fee !== "term")
    throw new DomainError("tariff.basket_not_applicable", { service });
  if (lines.length === 0) throw new DomainError("tariff.basket_empty");
  const merged = new Map<string, PricedLine>();
  for (const line of lines) {
    // Each line alone is checked (plan, term, keys) and resolved to its defaults by the tariff.
    const term = quote(programme, { service, keys: line.keys, ...optional(line) }).term;
    if (!term) throw new Error(`term-priced service ${service} quoted without a term`);
    const key = `${term.plan ?? ""}|${term.years}`;
    const previous = merged.get(key);
    merged.set(key, {
      ...(term.plan !== undefined ? { plan: term.plan } : {}),
      years: term.years,
      keys: (previous?.keys ?? 0) + term.keys,
    });
  }
  const priced = [...merged.values()];
  assertKeysPerOrder(
    programme,
    priced.reduce((n, l) => n + l.keys, 0),
  );
  const quotes = priced.map((l) =>
    quote(programme, { service, keys: l.keys, years: l.years, ...optional(l) }),
  );
  const combined = combine(quotes.flatMap((q) => q.items));
  return { quote: quotes.length === 1 ? quotes[0]! : combined, lines: priced };
}

/** Position by position (1-based order of the lines), the plan and term each key is made with. */
export function keyTerms(lines: readonly PricedLine[]): { plan?: string; years: number }[] {
  return lines.flatMap((l) =>
    Array.from({ length: l.keys }, () => ({
      ...(l.plan !== undefined ? { plan: l.plan } : {}),
      years: l.years,
    })),
  );
}

/**
 * A single service (PIN reset, format, reissue, …) on several keys, given the plan each key was
 * bought on (undefined: not known, the list price applies). Keys on a plan covering the service
 * pay nothing; a service priced per order is free only when every key's plan covers it.
 */
export function quoteForKeys(
  programme: Programme,
  service: ServiceCode,
  keyPlans: readonly (string | undefined)[],
): Quote {
  if (keyPlans.length === 0) return quote(programme, { service });
  assertKeysPerOrder(programme, keyPlans.length);
  const price = programme.tariff.perTime[service];
  if (programme.services[service]?.fee !== "per-time" || !price) {
    if (new Set(keyPlans).size > 1) throw new DomainError("tariff.basket_not_applicable", { service });
    return quote(programme, { service, keys: keyPlans.length });
  }
  if (price.per === "order") {
    const uncovered = keyPlans.findIndex((p) => !covers(programme, p, service));
    const plan = keyPlans[uncovered < 0 ? 0 : uncovered];
    return quote(programme, { service, ...(plan !== undefined ? { coveredByPlan: plan } : {}) });
  }
  const groups = new Map<string | undefined, number>();
  for (const plan of keyPlans) groups.set(plan, (groups.get(plan) ?? 0) + 1);
  const quotes = [...groups].map(([plan, keys]) =>
    quote(programme, { service, keys, ...(plan !== undefined ? { coveredByPlan: plan } : {}) }),
  );
  return quotes.length === 1 ? quotes[0]! : combine(quotes.flatMap((q) => q.items));
}

function covers(programme: Programme, plan: string | undefined, service: ServiceCode): boolean {
  const term = programme.tariff.term;
  if (plan === undefined || term?.kind !== "plans") return false;
  return term.plans.some((p) => p.id === plan && p.covers.includes(service));
}

function assertKeysPerOrder(programme: Programme, keys: number): void {
  const { min, max } = programme.rules.keysPerOrder;
  if (!Number.isSafeInteger(keys) || keys < min || keys > max)
    throw new DomainError("tariff.keys_out_of_range", { keys, min, max });
}

function optional(line: { plan?: string | undefined; years?: number | undefined }) {
  return {
    ...(line.plan !== undefined ? { plan: line.plan } : {}),
    ...(line.years !== undefined ? { years: line.years } : {}),
  };
}

function combine(items: QuoteItem[]): Quote {
  const total = items.reduce((sum, i) => sum + i.amount, 0);
  if (!Number.isSafeInteger(total)) throw new RangeError(`not a safe amount in fen: ${total}`);
  return { currency: "CNY", total, items };
}
