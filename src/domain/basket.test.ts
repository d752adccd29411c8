import { describe, expect, it } from "vitest";
import { demoProgrammesPath, readProgrammesFile } from "../store/programme-files.js";
import { keyTerms, quoteBasket, quoteForKeys } from "./basket.js";
import { DomainError } from "./errors.js";
import type { Programme } from "./programme.js";
import { quote } from "./tariff.js";

const programmes = readProgrammesFile(demoProgrammesPath);
function programme(id: string): Programme {
  const found = programmes.find((p) => p.id === id);
  if (!found) throw new Error(`demo programme ${id} missing`);
  return found;
}
const A = programme("procurement");
const B = programme("power-trading");

function refusal(run: () => unknown): DomainError {
  try {
    run();
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error("expected a refusal");
}

describe("programme B basket (DOMAIN.md tariff: per key, basic 350 / all-inclusive 600 for 3 years)", () => {
  it("2 all-inclusive + 1 basic for 3 years = 2 × 600 + 1 × 350 = 1550.00, one line per plan", () => {
    const { quote: q, lines } = quoteBasket(B, "new", [
      { plan: "all-inclusive", years: 3, keys: 2 },
      { plan: "basic", years: 3, keys: 1 },
    ]);
    expect(q.total).toBe(155000);
    expect(q.items.map((i) => [i.code, i.unitPrice, i.quantity, i.amount])).toEqual([
      ["new:all-inclusive:3y", 60000, 2, 120000],
      ["new:basic:3y", 35000, 1, 35000],
    ]);
    expect(q.term).toBeUndefined();
    expect(lines).toEqual([
      { plan: "all-inclusive", years: 3, keys: 2 },
      { plan: "basic", years: 3, keys: 1 },
    ]);
  });

  it("mixes terms: 1 basic for 1 year + 1 all-inclusive for 5 years = 140 + 1000", () => {
    const { quote: q } = quoteBasket(B, "new", [
      { plan: "basic", years: 1, keys: 1 },
      { plan: "all-inclusive", years: 5, keys: 1 },
    ]);
    expect(q.total).toBe(14000 + 100000);
  });

  it("merges lines of the same plan and term, defaulting the term to 3 years", () => {
    const { quote: q, lines } = quoteBasket(B, "new", [
      { plan: "basic", keys: 1 },
      { plan: "basic", years: 3, keys: 2 },
    ]);
    expect(lines).toEqual([{ plan: "basic", years: 3, keys: 3 }]);
    expect(q).toEqual(quote(B, { service: "new", plan: "basic", years: 3, keys: 3 }));
  });

  it("gives each key its own plan and term, in line order", () => {
    expect(
      keyTerms([
        { plan: "all-inclusive", years: 3, keys: 2 },
        { plan: "basic", years: 1, keys: 1 },
      ]),
    ).toEqual([
      { plan: "all-inclusive", years: 3 },
      { plan: "all-inclusive", years: 3 },
      { plan: "basic", years: 1 },
    ]);
  });

  it("refuses an empty basket, a line without a plan, and more keys in all than an order holds", () => {
    expect(refusal(() => quoteBasket(B, "new", [])).code).toBe("tariff.basket_empty");
    expect(refusal(() => quoteBasket(B, "new", [{ keys: 1 }])).code).toBe("tariff.plan_required");
    expect(
      refusal(() =>
        quoteBasket(B, "new", [
          { plan: "basic", keys: 60 },
          { plan: "all-inclusive", keys: 41 },
        ]),
      ),
    ).toMatchObject({ code: "tariff.keys_out_of_range", params: { keys: 101, max: 100 } });
    expect(refusal(() => quoteBasket(B, "new", [{ plan: "basic", keys: 0 }])).code).toBe(
      "tariff.keys_out_of_range",
    );
  });

  it("is only for term-priced services", () => {
    expect(refusal(() => quoteBasket(B, "format", [{ keys: 1 }])).code).toBe("tariff.basket_not_applicable");
  });
});

describe("programme A: a one-line basket prices as before", () => {
  it("one certificate for 3 years = 600.00, same quote as the plain one", () => {
    const { quote: q } = quoteBasket(A, "new", [{ years: 3, keys: 1 }]);
    expect(q).toEqual(quote(A, { service: "new", years: 3 }));
    expect(q.total).toBe(60000);
  });

  it("still holds one certificate per order", () => {
    expect(
      refusal(() =>
        quoteBasket(A, "new", [
          { years: 1, keys: 1 },
          { years: 3, keys: 1 },
        ]),
      ).code,
    ).toBe("tariff.keys_out_of_range");
  });
});

describe("a single service on several keys", () => {
  it("format for 2 all-inclusive keys and 1 basic key: 0 + 50 = 50.00", () => {
    const q = quoteForKeys(B, "format", ["all-inclusive", "basic", "all-inclusive"]);
    expect(q.total).toBe(5000);
    expect(q.items.map((i) => [i.quantity, i.amount])).toEqual([
      [2, 0],
      [1, 5000],
    ]);
  });

  it("PIN reset on one all-inclusive key costs nothing; on 2 basic keys 100.00", () => {
    expect(quoteForKeys(B, "pin-reset", ["all-inclusive"]).total).toBe(0);
    expect(quoteForKeys(B, "pin-reset", ["basic", "basic"]).total).toBe(10000);
  });

  it("a service priced per order is free only when every key's plan covers it", () => {
    expect(quoteForKeys(B, "remote-support", ["all-inclusive", "all-inclusive"]).total).toBe(0);
    expect(quoteForKeys(B, "remote-support", ["all-inclusive", "basic"]).total).toBe(5000);
    expect(quoteForKeys(B, "remote-support", ["all-inclusive", undefined]).total).toBe(5000);
  });

  it("a key whose plan is not known pays the list price", () => {
    expect(quoteForKeys(B, "format", [undefined]).total).toBe(5000);
  });
});

describe("--plan on a single service names the plan the keys are on", () => {
  it("format on the basic plan is 50.00, on the all-inclusive plan 0", () => {
    expect(quote(B, { service: "format", plan: "basic" }).total).toBe(5000);
    expect(quote(B, { service: "format", plan: "all-inclusive" }).total).toBe(0);
  });

  it("refuses a plan and a covering plan that disagree", () => {
    expect(
      refusal(() => quote(B, { service: "format", plan: "basic", coveredByPlan: "all-inclusive" })),
    ).toMatchObject({ code: "tariff.option_not_applicable", params: { option: "plan" } });
  });
});
