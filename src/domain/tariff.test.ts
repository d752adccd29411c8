import { describe, expect, it } from "vitest";
import { programmeMessages } from "../i18n/messages/programme.js";
import { demoProgrammesPath, readProgrammesFile } from "../store/programme-files.js";
import { DomainError } from "./errors.js";
import { type Programme, type ProgrammeInput, programmeSchema } from "./programme.js";
import { type QuoteRequest, formatFen, quote } from "./tariff.js";

const programmes = readProgrammesFile(demoProgrammesPath);
function programme(id: string): Programme {
  const found = programmes.find((p) => p.id === id);
  if (!found) throw new Error(`demo programme ${id} missing`);
  return found;
}
const A = programme("procurement");
const B = programme("power-trading");

/** The DomainError a quote throws; fails the test when it does not throw one. */
function refusal(p: Programme, request: QuoteRequest): DomainError {
  try {
    quote(p, request);
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error(`expected a refusal for ${JSON.stringify(request)}`);
}

describe("programme A (procurement): 200 CNY per certificate per year", () => {
  it("new application, 3 years = 600.00, one itemised line", () => {
    const q = quote(A, { service: "new", years: 3 });
    expect(q).toEqual({
      currency: "CNY",
      total: 60000,
      items: [
        {
          code: "new:3y",
          label: { "zh-CN": "新申请 · 3 年", en: "New application · 3 years" },
          unitPrice: 60000,
          quantity: 1,
          amount: 60000,
          note: { "zh-CN": "每年 200.00 元 × 3 年", en: "CNY 200.00 per year × 3 years" },
        },
      ],
      term: { years: 3, keys: 1 },
    });
  });

  it.each([
    [1, 20000],
    [2, 40000],
    [3, 60000],
    [4, 80000],
    [5, 100000],
  ])("new application, %i year(s) = %i fen (5 years = 1000 CNY)", (years, total) => {
    expect(quote(A, { service: "new", years }).total).toBe(total);
  });

  it("renewal is priced per year like a new application", () => {
    expect(quote(A, { service: "renewal", years: 2 }).total).toBe(40000);
  });

  it("reissue is 200 CNY per time", () => {
    const q = quote(A, { service: "reissue" });
    expect(q.total).toBe(20000);
    expect(q.items).toEqual([
      expect.objectContaining({ code: "reissue", unitPrice: 20000, quantity: 1, amount: 20000 }),
    ]);
  });

  it.each(["change", "unlock", "seal-apply", "seal-change"] as const)(
    "%s is free, with a zero line",
    (service) => {
      const q = quote(A, { service });
      expect(q.total).toBe(0);
      expect(q.items).toEqual([
        expect.objectContaining({
          code: service,
          unitPrice: 0,
          quantity: 1,
          amount: 0,
          note: { "zh-CN": "免费", en: "Free of charge" },
        }),
      ]);
    },
  );

  it("a refund is not priced", () => {
    expect(refusal(A, { service: "refund" })).toMatchObject({
      code: "tariff.service_not_priced",
      params: { service: "refund" },
    });
  });

  it("has no default term: years are required", () => {
    expect(refusal(A, { service: "new" })).toMatchObject({
      code: "tariff.years_required",
      params: { allowed: "1, 2, 3, 4, 5" },
    });
  });

  it.each([0, 6, 2.5])("refuses a %s-year term and lists 1-5", (years) => {
    expect(refusal(A, { service: "new", years })).toMatchObject({
      code: "tariff.years_not_offered",
      params: { years, allowed: "1, 2, 3, 4, 5" },
    });
  });

  it("one certificate per account: an order holds one key", () => {
    expect(refusal(A, { service: "new", years: 1, keys: 2 })).toMatchObject({
      code: "tariff.keys_out_of_range",
      params: { keys: 2, min: 1, max: 1 },
    });
  });

  it("has no plans", () => {
    expect(refusal(A, { service: "new", years: 1, plan: "basic" })).toMatchObject({
      code: "tariff.option_not_applicable",
      params: { option: "plan", service: "new" },
    });
    expect(refusal(A, { service: "reissue", coveredByPlan: "all-inclusive" })).toMatchObject({
      code: "tariff.option_not_applicable",
      params: { option: "coveredByPlan" },
    });
  });

  it("does not offer programme B's single services", () => {
    expect(refusal(A, { service: "pin-reset" })).toMatchObject({
      code: "tariff.service_not_offered",
      params: { service: "pin-reset", programme: "procurement" },
    });
  });

  it("treats an unknown service code from outside as not offered, not as an object property", () => {
    const request = { service: "constructor" } as unknown as QuoteRequest;
    expect(refusal(A, request).code).toBe("tariff.service_not_offered");
  });
});

describe("programme B (power-trading): plans per key and single services", () => {
  it("2 keys for 3 years: 700 CNY basic, 1200 CNY all-inclusive (DOMAIN.md example)", () => {
    const basic = quote(B, { service: "new", years: 3, keys: 2, plan: "basic" });
    expect(basic.total).toBe(70000);
    expect(basic.items).toEqual([
      {
        code: "new:basic:3y",
        label: { "zh-CN": "新办证书 · 基础资费 · 3 年", en: "New certificates · Basic plan · 3 years" },
        unitPrice: 35000,
        quantity: 2,
        amount: 70000,
        note: { "zh-CN": "按电子钥匙计价", en: "Priced per key" },
      },
    ]);
    expect(basic.term).toEqual({ years: 3, keys: 2, plan: "basic" });
    expect(quote(B, { service: "new", years: 3, keys: 2, plan: "all-inclusive" }).total).toBe(120000);
  });

  it.each([
    ["basic", 1, 14000],
    ["basic", 3, 35000],
    ["basic", 5, 58000],
    ["all-inclusive", 1, 24000],
    ["all-inclusive", 3, 60000],
    ["all-inclusive", 5, 100000],
  ])("%s plan, %i year(s) = %i fen per key", (plan, years, perKey) => {
    expect(quote(B, { service: "new", years, plan }).total).toBe(perKey);
  });

  it("defaults to a 3-year term and one key", () => {
    const q = quote(B, { service: "new", plan: "basic" });
    expect(q.term).toEqual({ years: 3, keys: 1, plan: "basic" });
    expect(q.total).toBe(35000);
  });

  it("requires the plan: the customer states it with the payment; the plans are named, not their ids", () => {
    expect(refusal(B, { service: "new", years: 3 })).toMatchObject({
      code: "tariff.plan_required",
      params: { allowed: "基础资费、组合资费", allowedEn: "Basic plan, All-inclusive plan" },
    });
  });

  it("refuses an unknown plan and lists the plans", () => {
    expect(refusal(B, { service: "new", plan: "gold" })).toMatchObject({
      code: "tariff.plan_not_offered",
      params: { plan: "gold", allowed: "基础资费、组合资费" },
    });
  });

  it("offers 1, 3 or 5 years only", () => {
    expect(refusal(B, { service: "new", years: 2, plan: "basic" })).toMatchObject({
      code: "tariff.years_not_offered",
      params: { years: 2, allowed: "1, 3, 5" },
    });
  });

  it.each([0, -1, 1.5, 101])("refuses %s keys", (keys) => {
    expect(refusal(B, { service: "new", plan: "basic", keys })).toMatchObject({
      code: "tariff.keys_out_of_range",
      params: { keys, min: 1, max: 100 },
    });
  });

  it("PIN reset for 1 key: 50 CNY on the basic plan, free on the all-inclusive plan", () => {
    expect(quote(B, { service: "pin-reset", keys: 1, coveredByPlan: "basic" }).total).toBe(5000);
    const covered = quote(B, { service: "pin-reset", keys: 1, coveredByPlan: "all-inclusive" });
    expect(covered.total).toBe(0);
    expect(covered.items).toEqual([
      {
        code: "pin-reset:covered:all-inclusive",
        label: { "zh-CN": "PIN 码重置", en: "PIN reset" },
        unitPrice: 0,
        quantity: 1,
        amount: 0,
        note: { "zh-CN": "组合资费已包含，无需另付", en: "Included in the All-inclusive plan" },
      },
    ]);
  });

  it("charges the list price when the keys' plan is not given", () => {
    expect(quote(B, { service: "pin-reset" }).total).toBe(5000);
  });

  it("per-key services multiply by keys; per-order services do not", () => {
    const reset = quote(B, { service: "pin-reset", keys: 3, coveredByPlan: "basic" });
    expect(reset.items).toEqual([expect.objectContaining({ unitPrice: 5000, quantity: 3, amount: 15000 })]);
    expect(quote(B, { service: "format", keys: 2 }).total).toBe(10000);
    expect(quote(B, { service: "reissue", keys: 2 }).total).toBe(16000);
    expect(quote(B, { service: "remote-support", keys: 3 }).total).toBe(5000);
    expect(quote(B, { service: "courier", keys: 3 }).total).toBe(5000);
  });

  it.each(["pin-reset", "format", "reissue", "courier", "remote-support"] as const)(
    "all-inclusive keys get %s free",
    (service) => {
      expect(quote(B, { service, coveredByPlan: "all-inclusive" }).total).toBe(0);
    },
  );

  it("courier: 50 CNY prepaid, or nothing charged on cash on delivery", () => {
    expect(quote(B, { service: "courier", courier: "prepaid" }).total).toBe(5000);
    const cod = quote(B, { service: "courier", courier: "cash-on-delivery" });
    expect(cod.total).toBe(0);
    expect(cod.items).toEqual([
      expect.objectContaining({
        code: "courier:cash-on-delivery",
        amount: 0,
        note: expect.objectContaining({ "zh-CN": expect.stringContaining("到付") }),
      }),
    ]);
  });

  it("refuses options that do not apply to the service", () => {
    expect(refusal(B, { service: "pin-reset", courier: "cash-on-delivery" })).toMatchObject({
      code: "tariff.option_not_applicable",
      params: { option: "courier", service: "pin-reset" },
    });
    expect(refusal(B, { service: "pin-reset", years: 3 })).toMatchObject({
      code: "tariff.option_not_applicable",
      params: { option: "years" },
    });
    expect(refusal(B, { service: "new", plan: "basic", coveredByPlan: "basic" })).toMatchObject({
      code: "tariff.option_not_applicable",
      params: { option: "coveredByPlan" },
    });
    expect(refusal(B, { service: "format", coveredByPlan: "gold" })).toMatchObject({
      code: "tariff.plan_not_offered",
      params: { plan: "gold" },
    });
  });

  it("does not offer programme A's services", () => {
    expect(refusal(B, { service: "renewal", years: 3 }).code).toBe("tariff.service_not_offered");
    expect(refusal(B, { service: "unlock" }).code).toBe("tariff.service_not_offered");
  });
});

describe("cash on delivery where the tariff does not offer it", () => {
  it("is refused", () => {
    const input = structuredClone(B) as ProgrammeInput;
    input.tariff.perTime!.courier = { unitPrice: 1000, per: "order" };
    const p = programmeSchema.parse(input);
    expect(refusal(p, { service: "courier", courier: "cash-on-delivery" })).toMatchObject({
      code: "tariff.cash_on_delivery_not_offered",
      params: { service: "courier" },
    });
  });
});

describe("amounts stay exact", () => {
  it("refuses an amount beyond Number.MAX_SAFE_INTEGER instead of rounding", () => {
    const input = structuredClone(A) as ProgrammeInput;
    input.tariff.term = { kind: "per-year", perYear: Number.MAX_SAFE_INTEGER };
    const p = programmeSchema.parse(input);
    expect(() => quote(p, { service: "new", years: 1 })).not.toThrow();
    expect(() => quote(p, { service: "new", years: 2 })).toThrow(RangeError);
  });

  it("every line is unitPrice × quantity and the total is their sum", () => {
    const q = quote(B, { service: "new", plan: "all-inclusive", years: 5, keys: 7 });
    for (const line of q.items) expect(line.amount).toBe(line.unitPrice * line.quantity);
    expect(q.total).toBe(q.items.reduce((s, l) => s + l.amount, 0));
    expect(q.total).toBe(700000);
  });
});

describe("formatFen", () => {
  it.each([
    [60000, "600.00"],
    [0, "0.00"],
    [5, "0.05"],
    [150, "1.50"],
    [123456789, "1234567.89"],
    [-150, "-1.50"],
    [Number.MAX_SAFE_INTEGER, "90071992547409.91"],
  ])("%i fen → %s", (fen, text) => {
    expect(formatFen(fen)).toBe(text);
  });

  it.each([1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 1])("refuses %s", (fen) => {
    expect(() => formatFen(fen)).toThrow(RangeError);
  });
});

describe("every refusal has a message", () => {
  const refusals: [Programme, QuoteRequest][] = [
    [A, { service: "pin-reset" }],
    [A, { service: "refund" }],
    [A, { service: "new" }],
    [A, { service: "new", years: 9 }],
    [A, { service: "new", years: 1, keys: 5 }],
    [A, { service: "new", years: 1, plan: "basic" }],
    [B, { service: "new" }],
    [B, { service: "new", plan: "gold" }],
  ];

  it.each(refusals)(
    "%#: the code is in programmeMessages and both locales use only the given params",
    (p, request) => {
      const error = refusal(p, request);
      const message = programmeMessages[error.code];
      expect(message, error.code).toBeDefined();
      // A list in each language's words comes twice: {allowed} in Chinese, {allowedEn} in English.
      const inLocale = (locale: "zh-CN" | "en") =>
        Object.keys(error.params)
          .filter((k) => !(locale === "zh-CN" ? k.endsWith("En") : `${k}En` in error.params))
          .sort();
      for (const locale of ["zh-CN", "en"] as const) {
        const names = [...message![locale].matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
        expect(names.sort()).toEqual(inLocale(locale));
      }
    },
  );

  it("the cash-on-delivery refusal has a message too", () => {
    expect(programmeMessages["tariff.cash_on_delivery_not_offered"]).toBeDefined();
  });
});
