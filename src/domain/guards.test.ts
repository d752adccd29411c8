/**
 * The guards of #19 finding 9 as pure rules on fixed dates: a new certificate beside a valid one
 * (rules.ts), the paper's courier number open until the paper step is done (lifecycle.ts), and
 * the loose check of a mailed parcel's tracking number (validators.ts).
 */
import { describe, expect, it } from "vitest";
import { calendarDate } from "./dates.js";
import { paperStillToArrive, type OrderState } from "./lifecycle.js";
import { newCertificateBesideValid, validCertificates } from "./rules.js";
import { validateCarrierName, validateTrackingNumber } from "./validators.js";

const today = calendarDate("2026-11-20");

describe("a new certificate beside a valid one (newCertificateBesideValid)", () => {
  const held = [
    { serial: "B", notAfter: calendarDate("2028-01-31"), revoked: false },
    { serial: "EXPIRED", notAfter: calendarDate("2026-11-20"), revoked: false },
    { serial: "REVOKED", notAfter: calendarDate("2029-01-01"), revoked: true },
    { serial: "A", notAfter: calendarDate("2027-03-31"), revoked: false },
  ];

  it("is refused naming the valid one that ends first and how many are valid; the last day counts as expired", () => {
    expect(newCertificateBesideValid({ today, held, acknowledged: false })).toEqual({
      allowed: false,
      reason: "rules.new.valid_certificate_held",
      params: { serial: "A", notAfter: "2027-03-31", count: 2 },
    });
    expect(validCertificates(today, held).map((c) => c.serial)).toEqual(["A", "B"]);
  });

  it("is allowed once acknowledged, and without asking when only expired or revoked ones are held", () => {
    expect(newCertificateBesideValid({ today, held, acknowledged: true }).allowed).toBe(true);
    expect(newCertificateBesideValid({ today, held: held.slice(1, 3), acknowledged: false }).allowed).toBe(
      true,
    );
    expect(newCertificateBesideValid({ today, held: [], acknowledged: false }).allowed).toBe(true);
  });
});

describe("the paper's courier number (paperStillToArrive)", () => {
  const a = { steps: ["payment", "review", "paper", "production", "shipping"] as const };
  const cases: [OrderState, boolean][] = [
    ["draft", true],
    ["awaiting_payment", true],
    ["under_review", true],
    ["awaiting_paper", true],
    ["paper_received", false],
    ["in_production", false],
    ["cancelled", false],
    ["refunded", false],
  ];
  it.each(cases)("%s: %s", (state, open) => {
    expect(paperStillToArrive(a, state)).toBe(open);
  });
  it("a service without a paper step never takes one", () => {
    expect(paperStillToArrive({ steps: ["payment", "fulfilment"] }, "draft")).toBe(false);
  });
});

describe("a mailed parcel's tracking number (validateTrackingNumber)", () => {
  it("takes 8 to 30 letters and digits, dropping spaces and dashes and uppercasing", () => {
    expect(validateTrackingNumber(" sf 1234-5678-9012 3 ")).toEqual({
      valid: true,
      value: "SF1234567890123",
    });
    expect(validateTrackingNumber("12345678").valid).toBe(true);
    expect(validateTrackingNumber("A".repeat(30)).valid).toBe(true);
  });
  it("refuses 7 or 31 characters and anything but letters and digits", () => {
    for (const bad of ["1234567", "A".repeat(31), "SF12345678#", "顺丰12345678"])
      expect(validateTrackingNumber(bad)).toMatchObject({
        valid: false,
        reason: "validation.courier.tracking.format",
      });
  });
  it("wants a courier's name of 1 to 30 characters", () => {
    expect(validateCarrierName("  顺丰  速运 ")).toEqual({ valid: true, value: "顺丰 速运" });
    expect(validateCarrierName(" ").valid).toBe(false);
    expect(validateCarrierName("x".repeat(31)).valid).toBe(false);
  });
});
