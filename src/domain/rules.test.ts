import { describe, expect, it } from "vitest";
import { rulesMessages } from "../i18n/messages/rules.js";
import { WorkingDayCalendar } from "./calendar.js";
import { type CalendarDate, addDays, calendarDate } from "./dates.js";
import { DomainError } from "./errors.js";
import {
  type Decision,
  RULE_REASONS,
  assertAllowed,
  beforeExpiryEligibility,
  daysUntilExpiry,
  deadline,
  deadlineStatus,
  keptValidityEnd,
  newCertificateBesideValid,
  newCertificateValidity,
  oneAccountOneCertificate,
  oneSealPerCertificate,
  refundEligibility,
  renewalEligibility,
  renewalWindowOpens,
  sealNameEligibility,
  sealExistsForChange,
  sealTypeAllowed,
  unlockApproval,
  unlockReviewDue,
} from "./rules.js";

const d = calendarDate;

/** Every date from `from` through `to`. */
function range(from: string, to: string): CalendarDate[] {
  const out: CalendarDate[] = [];
  for (let day = d(from); day <= d(to); day = addDays(day, 1)) out.push(day);
  return out;
}

// The State Council notices, typed in here from the brief so that these tests check the rules
// against the published data, not against the bundled data files.
const calendar = new WorkingDayCalendar([
  {
    year: 2025,
    holidays: [
      ...range("2025-01-01", "2025-01-01"),
      ...range("2025-01-28", "2025-02-04"),
      ...range("2025-04-04", "2025-04-06"),
      ...range("2025-05-01", "2025-05-05"),
      ...range("2025-05-31", "2025-06-02"),
      ...range("2025-10-01", "2025-10-08"),
    ],
    workdays: ["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"].map(d),
  },
  {
    year: 2026,
    holidays: [
      ...range("2026-01-01", "2026-01-03"),
      ...range("2026-02-15", "2026-02-23"),
      ...range("2026-04-04", "2026-04-06"),
      ...range("2026-05-01", "2026-05-05"),
      ...range("2026-06-19", "2026-06-21"),
      ...range("2026-09-25", "2026-09-27"),
      ...range("2026-10-01", "2026-10-07"),
    ],
    workdays: ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"].map(d),
  },
]);

function refusal(
  decision: Decision,
): { reason: string; params: Record<string, string | number> } | "allowed" {
  return decision.allowed ? "allowed" : { reason: decision.reason, params: decision.params };
}

function reason(decision: Decision): string {
  return decision.allowed ? "allowed" : decision.reason;
}

describe("renewalEligibility: within windowDays (90) before expiry, never once expired", () => {
  const notAfter = d("2026-06-30");
  const on = (today: string, windowDays?: number) =>
    renewalEligibility({
      today: d(today),
      certificateNotAfter: notAfter,
      ...(windowDays ? { windowDays } : {}),
    });

  it("91 days before expiry: too early, the reason gives the opening day", () => {
    expect(daysUntilExpiry(d("2026-03-31"), notAfter)).toBe(91);
    expect(refusal(on("2026-03-31"))).toEqual({
      reason: "rules.renewal.not_yet_open",
      params: { notAfter: "2026-06-30", windowDays: 90, opensOn: "2026-04-01" },
    });
  });

  it("90 days before expiry: the first day of the window is allowed", () => {
    expect(on("2026-04-01")).toEqual({ allowed: true });
    expect(renewalWindowOpens(notAfter)).toBe("2026-04-01");
  });

  it("1 day before expiry: the last day renewal is allowed", () => {
    expect(on("2026-06-29")).toEqual({ allowed: true });
  });

  it("0 days (the end date itself): expired, a new application is needed", () => {
    expect(refusal(on("2026-06-30"))).toEqual({
      reason: "rules.renewal.expired",
      params: { notAfter: "2026-06-30" },
    });
  });

  it("-1 day: expired, a new application is needed", () => {
    expect(reason(on("2026-07-01"))).toBe("rules.renewal.expired");
  });

  it("long expired certificates are refused as expired, not as 'too early' (negative days)", () => {
    expect(reason(on("2030-01-01"))).toBe("rules.renewal.expired");
  });

  it("windowDays comes from configuration: 30 days refuses day 31 and allows day 30", () => {
    expect(refusal(on("2026-05-30", 30))).toMatchObject({
      params: { opensOn: "2026-05-31", windowDays: 30 },
    });
    expect(on("2026-05-31", 30)).toEqual({ allowed: true });
    expect(renewalWindowOpens(notAfter, 30)).toBe("2026-05-31");
  });

  it("a non-positive or fractional windowDays is a configuration error, not a refusal", () => {
    expect(() => on("2026-05-30", -5)).toThrow(RangeError);
    expect(() =>
      renewalEligibility({ today: d("2026-05-30"), certificateNotAfter: notAfter, windowDays: 0 }),
    ).toThrow(RangeError);
    expect(() => renewalWindowOpens(notAfter, 1.5)).toThrow(RangeError);
  });

  it("leap day 2024-02-29 as the end date: the window opens 2023-12-01 (90 days, Feb 2024 has 29)", () => {
    const leap = d("2024-02-29");
    expect(renewalWindowOpens(leap, 90)).toBe("2023-12-01");
    expect(reason(renewalEligibility({ today: d("2023-11-30"), certificateNotAfter: leap }))).toBe(
      "rules.renewal.not_yet_open",
    );
    expect(renewalEligibility({ today: d("2023-12-01"), certificateNotAfter: leap }).allowed).toBe(true);
    expect(renewalEligibility({ today: d("2024-02-28"), certificateNotAfter: leap }).allowed).toBe(true);
    expect(reason(renewalEligibility({ today: d("2024-02-29"), certificateNotAfter: leap }))).toBe(
      "rules.renewal.expired",
    );
  });

  it("leap day 2024-02-29 as today: a certificate ending 2024-03-01 expires in 1 day, renewal allowed", () => {
    expect(daysUntilExpiry(d("2024-02-29"), d("2024-03-01"))).toBe(1);
    expect(renewalEligibility({ today: d("2024-02-29"), certificateNotAfter: d("2024-03-01") }).allowed).toBe(
      true,
    );
    // The window of a certificate ending 2024-05-29 opens on the leap day itself.
    expect(renewalWindowOpens(d("2024-05-29"))).toBe("2024-02-29");
  });

  it("a certificate ending on a holiday: the window counts calendar days, not working days", () => {
    const nationalDay = d("2026-10-01");
    expect(renewalWindowOpens(nationalDay)).toBe("2026-07-03");
    expect(renewalEligibility({ today: d("2026-09-30"), certificateNotAfter: nationalDay }).allowed).toBe(
      true,
    );
    // Still refused on its last day although nobody works that day.
    expect(reason(renewalEligibility({ today: nationalDay, certificateNotAfter: nationalDay }))).toBe(
      "rules.renewal.expired",
    );
  });

  it("an X.509 notAfter instant is read in Shanghai: 2026-06-30T16:00:00Z is 1 July there", () => {
    const justAfterMidnightShanghai = new Date("2026-06-30T16:00:00Z");
    expect(daysUntilExpiry(d("2026-06-30"), justAfterMidnightShanghai)).toBe(1);
    expect(
      renewalEligibility({ today: d("2026-06-30"), certificateNotAfter: justAfterMidnightShanghai }).allowed,
    ).toBe(true);
    const lastSecondShanghai = new Date("2026-06-30T15:59:59Z");
    expect(
      reason(renewalEligibility({ today: d("2026-06-30"), certificateNotAfter: lastSecondShanghai })),
    ).toBe("rules.renewal.expired");
  });

  it("a revoked certificate inside the window cannot be renewed", () => {
    expect(
      reason(renewalEligibility({ today: d("2026-06-01"), certificateNotAfter: notAfter, revoked: true })),
    ).toBe("rules.certificate.revoked");
    expect(
      reason(
        renewalEligibility({
          today: d("2026-06-01"),
          certificateNotAfter: notAfter,
          revoked: { reason: "keyCompromise" },
        }),
      ),
    ).toBe("rules.certificate.revoked");
  });
});

describe("beforeExpiryEligibility: change, reissue and seal services only before expiry", () => {
  const notAfter = d("2026-10-01");
  const services = ["change", "reissue", "seal-apply", "seal-change"] as const;

  it.each(services)(
    "%s: allowed the day before expiry, refused on the last day (a holiday) and after",
    (service) => {
      expect(
        beforeExpiryEligibility(service, {
          today: d("2026-09-30"),
          certificateNotAfter: notAfter,
          revoked: false,
        }),
      ).toEqual({
        allowed: true,
      });
      expect(
        refusal(
          beforeExpiryEligibility(service, {
            today: notAfter,
            certificateNotAfter: notAfter,
            revoked: false,
          }),
        ),
      ).toEqual({ reason: "rules.certificate.expired", params: { notAfter: "2026-10-01", service } });
      expect(
        reason(
          beforeExpiryEligibility(service, {
            today: d("2026-10-02"),
            certificateNotAfter: notAfter,
            revoked: false,
          }),
        ),
      ).toBe("rules.certificate.expired");
    },
  );

  it.each(services)(
    "%s: there is no renewal-style window, a certificate with years left qualifies",
    (service) => {
      expect(
        beforeExpiryEligibility(service, {
          today: d("2025-01-02"),
          certificateNotAfter: notAfter,
          revoked: false,
        }).allowed,
      ).toBe(true);
    },
  );

  it.each(["change", "seal-apply", "seal-change"] as const)(
    "%s: refused on a revoked certificate, whatever the reason",
    (service) => {
      for (const revoked of [true, { reason: "keyCompromise" as const }, { reason: "superseded" as const }]) {
        expect(
          reason(
            beforeExpiryEligibility(service, {
              today: d("2026-05-01"),
              certificateNotAfter: notAfter,
              revoked,
            }),
          ),
        ).toBe("rules.certificate.revoked");
      }
    },
  );

  it("reissue: allowed on a certificate revoked because its key was reported lost (keyCompromise)", () => {
    expect(
      beforeExpiryEligibility("reissue", {
        today: d("2026-05-01"),
        certificateNotAfter: notAfter,
        revoked: { reason: "keyCompromise" },
      }),
    ).toEqual({ allowed: true });
  });

  it("reissue: refused when revoked as superseded (already reissued or changed: no second live certificate)", () => {
    expect(
      reason(
        beforeExpiryEligibility("reissue", {
          today: d("2026-05-01"),
          certificateNotAfter: notAfter,
          revoked: { reason: "superseded" },
        }),
      ),
    ).toBe("rules.certificate.revoked");
  });

  it("reissue: refused when revoked for an unknown reason or cessationOfOperation", () => {
    for (const revoked of [
      true,
      { reason: "cessationOfOperation" as const },
      { reason: "unspecified" as const },
    ]) {
      expect(
        reason(
          beforeExpiryEligibility("reissue", {
            today: d("2026-05-01"),
            certificateNotAfter: notAfter,
            revoked,
          }),
        ),
      ).toBe("rules.certificate.revoked");
    }
  });

  it("reissue of a lost key after expiry: expired wins, a new application is needed", () => {
    expect(
      reason(
        beforeExpiryEligibility("reissue", {
          today: d("2026-10-05"),
          certificateNotAfter: notAfter,
          revoked: { reason: "keyCompromise" },
        }),
      ),
    ).toBe("rules.certificate.expired");
  });
});

describe("keptValidityEnd and newCertificateValidity", () => {
  it("keptValidityEnd: change and reissue keep the original end, a date or the very instant", () => {
    expect(keptValidityEnd(d("2027-03-14"))).toBe("2027-03-14");
    const instant = new Date("2027-03-14T15:59:59Z");
    expect(keptValidityEnd(instant)).toBe(instant);
  });

  it("newCertificateValidity: 1 year from 2026-03-15 runs through 2027-03-14 inclusive", () => {
    expect(newCertificateValidity({ start: d("2026-03-15"), years: 1 })).toEqual({
      notBefore: "2026-03-15",
      notAfter: "2027-03-14",
    });
  });

  it("newCertificateValidity: 5 years from 1 January ends on 31 December four years later", () => {
    expect(newCertificateValidity({ start: d("2026-01-01"), years: 5 }).notAfter).toBe("2030-12-31");
  });

  it("newCertificateValidity: starting on leap day 2024-02-29, 1 year ends 2025-02-28 (not 02-27)", () => {
    expect(newCertificateValidity({ start: d("2024-02-29"), years: 1 }).notAfter).toBe("2025-02-28");
    // Four years later is a leap year again: the day before the anniversary.
    expect(newCertificateValidity({ start: d("2024-02-29"), years: 4 }).notAfter).toBe("2028-02-28");
  });

  it("newCertificateValidity: starting 2024-03-01 ends 2025-02-28; starting 2023-03-01 ends 2024-02-29", () => {
    expect(newCertificateValidity({ start: d("2024-03-01"), years: 1 }).notAfter).toBe("2025-02-28");
    expect(newCertificateValidity({ start: d("2023-03-01"), years: 1 }).notAfter).toBe("2024-02-29");
  });

  it("newCertificateValidity: years must be a whole number >= 1", () => {
    expect(() => newCertificateValidity({ start: d("2026-01-01"), years: 0 })).toThrow(RangeError);
    expect(() => newCertificateValidity({ start: d("2026-01-01"), years: 1.5 })).toThrow(RangeError);
  });
});

describe("electronic seals", () => {
  it("sealTypeAllowed: official (公章) and contract (合同专用章) only", () => {
    expect(sealTypeAllowed("official")).toEqual({ allowed: true });
    expect(sealTypeAllowed("contract")).toEqual({ allowed: true });
    for (const type of ["finance", "invoice", "legal-representative", "Official", "公章", ""]) {
      expect(refusal(sealTypeAllowed(type))).toEqual({
        reason: "rules.seal.type_not_allowed",
        params: { type },
      });
    }
  });

  it("sealTypeAllowed: inherited object keys are not seal types", () => {
    expect(sealTypeAllowed("toString").allowed).toBe(false);
    expect(sealTypeAllowed("constructor").allowed).toBe(false);
  });

  const org = "上海某某信息科技有限公司";

  const named = (sealType: string, sealName: string, organisationName = org) =>
    refusal(sealNameEligibility({ organisationName, sealType, sealName }));

  it("sealNameEligibility: the registered name followed by the type's own word is allowed", () => {
    expect(named("official", `${org}公章`)).toBe("allowed");
    expect(named("contract", `${org}合同专用章`)).toBe("allowed");
  });

  it("sealNameEligibility: 公章 with a 合同专用章 name is refused, and the reverse, naming both words", () => {
    expect(named("official", `${org}合同专用章`)).toEqual({
      reason: "rules.seal.name_type_mismatch",
      params: { sealName: `${org}合同专用章`, nameWord: "合同专用章", typeWord: "公章" },
    });
    expect(named("contract", `${org}公章`)).toEqual({
      reason: "rules.seal.name_type_mismatch",
      params: { sealName: `${org}公章`, nameWord: "公章", typeWord: "合同专用章" },
    });
  });

  it("sealNameEligibility: a 财务专用章 name says that seal cannot be electronic, not that the name changed", () => {
    for (const type of ["official", "contract"]) {
      expect(named(type, `${org}财务专用章`)).toEqual({
        reason: "rules.seal.name_type_not_electronic",
        params: { sealName: `${org}财务专用章`, nameWord: "财务专用章" },
      });
    }
    expect(
      reason(
        sealNameEligibility({ organisationName: org, sealType: "official", sealName: `${org}发票专用章` }),
      ),
    ).toBe("rules.seal.name_type_not_electronic");
  });

  it("sealNameEligibility: a name without the type's word is refused, with the name expected", () => {
    expect(named("official", org)).toEqual({
      reason: "rules.seal.name_missing_type_word",
      params: { sealName: org, expectedName: `${org}公章` },
    });
    expect(named("contract", "  ")).toEqual({
      reason: "rules.seal.name_missing_type_word",
      params: { sealName: "", expectedName: `${org}合同专用章` },
    });
  });

  it("sealNameEligibility: another organisation's name needs the change service", () => {
    expect(named("official", "上海某某数字科技有限公司公章")).toEqual({
      reason: "rules.seal.name_change_needs_change_service",
      params: { certificateName: org, requestedName: "上海某某数字科技有限公司公章" },
    });
    // The word alone, or a word that does not hide a different name.
    expect(
      reason(sealNameEligibility({ organisationName: org, sealType: "contract", sealName: "合同专用章" })),
    ).toBe("rules.seal.name_change_needs_change_service");
    expect(
      reason(
        sealNameEligibility({
          organisationName: org,
          sealType: "contract",
          sealName: "上海另一家有限公司合同专用章",
        }),
      ),
    ).toBe("rules.seal.name_change_needs_change_service");
  });

  it("sealNameEligibility: full-width brackets, spaces and Latin case are not a name change", () => {
    expect(
      named("official", " 北京某某科技有限公司（上海分公司）公章 ", "北京某某科技有限公司(上海分公司)"),
    ).toBe("allowed");
    expect(named("contract", "ＡＢＣ电力销售有限公司合同专用章", "ABC 电力销售有限公司")).toBe("allowed");
    expect(named("official", "ABC能源有限公司 公章", "Abc 能源有限公司")).toBe("allowed");
  });

  it("oneSealPerCertificate: seal apply is refused when the certificate already has a seal", () => {
    expect(oneSealPerCertificate({ existingSeal: null })).toEqual({ allowed: true });
    expect(oneSealPerCertificate({ existingSeal: undefined })).toEqual({ allowed: true });
    expect(refusal(oneSealPerCertificate({ existingSeal: { name: org } }))).toEqual({
      reason: "rules.seal.already_exists",
      params: { sealName: org },
    });
  });

  it("sealExistsForChange: seal change on a certificate without a seal is sent to seal apply", () => {
    expect(reason(sealExistsForChange({ existingSeal: null }))).toBe("rules.seal.none_to_change");
    expect(sealExistsForChange({ existingSeal: { name: org } })).toEqual({ allowed: true });
  });
});

describe("refundEligibility", () => {
  const signed = d("2026-03-02");
  const base = { caAccepted: true, activated: false, refunded: false, deliverySignedOn: signed };

  it("not yet accepted by the CA: eligible, whatever the date", () => {
    expect(
      refundEligibility({ today: d("2026-03-01"), caAccepted: false, activated: false, refunded: false }),
    ).toEqual({
      allowed: true,
    });
  });

  it("the signing day itself (day 0) is eligible", () => {
    expect(refundEligibility({ ...base, today: signed }).allowed).toBe(true);
  });

  it("day 14 after the delivery was signed for: still eligible (14 days inclusive)", () => {
    expect(refundEligibility({ ...base, today: d("2026-03-16") })).toEqual({ allowed: true });
  });

  it("day 15 after the delivery was signed for: refused, with the last day", () => {
    expect(refusal(refundEligibility({ ...base, today: d("2026-03-17") }))).toEqual({
      reason: "rules.refund.activation_window_passed",
      params: { deliverySignedOn: "2026-03-02", activationWindowDays: 14, lastDay: "2026-03-16" },
    });
  });

  it("the window is calendar days: a delivery before Spring Festival 2026 gets no extra days for the holiday", () => {
    const beforeFestival = { ...base, deliverySignedOn: d("2026-02-12") };
    expect(refundEligibility({ ...beforeFestival, today: d("2026-02-26") }).allowed).toBe(true);
    expect(refundEligibility({ ...beforeFestival, today: d("2026-02-27") }).allowed).toBe(false);
  });

  it("the window crosses 29 February in a leap year", () => {
    const leap = { ...base, deliverySignedOn: d("2024-02-20") };
    expect(refundEligibility({ ...leap, today: d("2024-03-05") }).allowed).toBe(true);
    expect(refundEligibility({ ...leap, today: d("2024-03-06") }).allowed).toBe(false);
  });

  it("activated: never, even on the signing day or before the CA accepted", () => {
    expect(reason(refundEligibility({ ...base, activated: true, today: signed }))).toBe(
      "rules.refund.activated",
    );
    expect(
      reason(refundEligibility({ today: signed, caAccepted: false, activated: true, refunded: false })),
    ).toBe("rules.refund.activated");
  });

  it("already refunded: never, even when otherwise eligible (no second refund)", () => {
    expect(
      reason(refundEligibility({ today: signed, caAccepted: false, activated: false, refunded: true })),
    ).toBe("rules.refund.already_refunded");
    expect(reason(refundEligibility({ ...base, today: signed, refunded: true, activated: true }))).toBe(
      "rules.refund.already_refunded",
    );
  });

  it("accepted but not yet delivered: refused, wait for delivery or contact the desk", () => {
    const { deliverySignedOn: _omit, ...undelivered } = base;
    expect(refusal(refundEligibility({ ...undelivered, today: d("2026-03-01") }))).toEqual({
      reason: "rules.refund.awaiting_delivery",
      params: {},
    });
    expect(
      reason(refundEligibility({ ...undelivered, deliverySignedOn: null, today: d("2026-03-01") })),
    ).toBe("rules.refund.awaiting_delivery");
  });

  it("activationWindowDays comes from configuration", () => {
    expect(refundEligibility({ ...base, activationWindowDays: 7, today: d("2026-03-09") }).allowed).toBe(
      true,
    );
    expect(
      refusal(refundEligibility({ ...base, activationWindowDays: 7, today: d("2026-03-10") })),
    ).toMatchObject({
      params: { activationWindowDays: 7, lastDay: "2026-03-09" },
    });
  });
});

describe("unlockApproval", () => {
  it("the requester is the handler of the most recent order: automatic", () => {
    expect(unlockApproval({ requesterHandlerId: "h-1", mostRecentOrderHandlerId: "h-1" })).toEqual({
      mode: "auto",
    });
  });

  it("another person: manual review within 2 working days by default", () => {
    expect(unlockApproval({ requesterHandlerId: "h-2", mostRecentOrderHandlerId: "h-1" })).toEqual({
      mode: "manual",
      reviewDueWorkingDays: 2,
    });
  });

  it("the review period comes from configuration", () => {
    expect(
      unlockApproval({ requesterHandlerId: "h-2", mostRecentOrderHandlerId: "h-1", reviewDueWorkingDays: 3 }),
    ).toEqual({ mode: "manual", reviewDueWorkingDays: 3 });
  });

  it("no most recent order on record, or no requester: manual (two unknowns are not the same person)", () => {
    expect(unlockApproval({ requesterHandlerId: null, mostRecentOrderHandlerId: null }).mode).toBe("manual");
    expect(unlockApproval({ requesterHandlerId: undefined, mostRecentOrderHandlerId: undefined }).mode).toBe(
      "manual",
    );
    expect(unlockApproval({ requesterHandlerId: "", mostRecentOrderHandlerId: "" }).mode).toBe("manual");
    expect(unlockApproval({ requesterHandlerId: "h-1", mostRecentOrderHandlerId: null }).mode).toBe("manual");
  });

  it("an ID card number whose check letter is typed x or X is the same handler", () => {
    expect(
      unlockApproval({
        requesterHandlerId: "11010519491231002x",
        mostRecentOrderHandlerId: "11010519491231002X ",
      }).mode,
    ).toBe("auto");
  });

  it("unlockReviewDue: requested Friday 2026-09-18, Sunday 20th is worked, due Monday 21st", () => {
    const approval = unlockApproval({ requesterHandlerId: "h-2", mostRecentOrderHandlerId: "h-1" });
    if (approval.mode !== "manual") throw new Error("expected a manual review");
    expect(unlockReviewDue(approval, { requestedOn: d("2026-09-18"), calendar })).toBe("2026-09-21");
  });

  it("unlockReviewDue: requested on the eve of National Day 2026, due 2026-10-09", () => {
    expect(
      unlockReviewDue(
        { mode: "manual", reviewDueWorkingDays: 2 },
        { requestedOn: d("2026-09-30"), calendar },
      ),
    ).toBe("2026-10-09");
  });
});

describe("deadline: the N-th working day strictly after the event", () => {
  const due = (kind: Parameters<typeof deadline>[0], from: string, workingDays?: number) =>
    deadline(kind, { from: d(from), calendar, ...(workingDays === undefined ? {} : { workingDays }) });

  it("the event day never counts, even a working day: production paid Monday 2026-03-02 is due Thursday", () => {
    expect(due("production", "2026-03-02")).toBe("2026-03-05");
  });

  it("defaults per kind are DOMAIN.md's: refund 15, production 3, invoice 2, review 2", () => {
    expect(due("refund-payment", "2026-03-02")).toBe("2026-03-23");
    expect(due("invoice", "2026-03-02")).toBe("2026-03-04");
    expect(due("review", "2026-03-02")).toBe("2026-03-04");
    expect(due("production", "2026-03-02", 1)).toBe("2026-03-03");
  });

  it("an event on a weekend counts from the next working day: paid Saturday 2026-03-07, due Wednesday", () => {
    expect(due("production", "2026-03-07")).toBe("2026-03-11");
  });

  it("National Day 2026: production paid 2026-09-29 is due 2026-10-09 (Oct 1-7 off)", () => {
    expect(due("production", "2026-09-29")).toBe("2026-10-09");
  });

  it("National Day 2026: production paid 2026-09-30 is due Saturday 2026-10-10, a declared working day", () => {
    expect(due("production", "2026-09-30")).toBe("2026-10-10");
  });

  it("National Day 2026: an event during the holiday (2026-10-03) counts from 2026-10-08", () => {
    expect(due("invoice", "2026-10-03")).toBe("2026-10-09");
  });

  it("Sunday 2026-09-20 is a working day: a review submitted Friday 2026-09-18 is due Monday 2026-09-21", () => {
    expect(due("review", "2026-09-18")).toBe("2026-09-21");
  });

  it("refund 15 working days from 2026-09-24, before Mid-Autumn (Sep 25-27) and National Day: 2026-10-22", () => {
    // Plain weekdays would say 2026-10-15.
    expect(due("refund-payment", "2026-09-24", 15)).toBe("2026-10-22");
  });

  it("refund 15 working days from 2026-09-29 (materials received just before National Day): 2026-10-26", () => {
    expect(due("refund-payment", "2026-09-29", 15)).toBe("2026-10-26");
  });

  it("Spring Festival 2026: invoice after completion Thursday 2026-02-12 is due Saturday 2026-02-14 (worked)", () => {
    expect(due("invoice", "2026-02-12", 2)).toBe("2026-02-14");
  });

  it("Spring Festival 2026: invoice after completion Friday 2026-02-13 is due 2026-02-24 (Feb 15-23 off)", () => {
    expect(due("invoice", "2026-02-13", 2)).toBe("2026-02-24");
  });

  it("Spring Festival 2026: production paid 2026-02-26 counts Saturday 2026-02-28, due 2026-03-02", () => {
    expect(due("production", "2026-02-26", 3)).toBe("2026-03-02");
  });

  it("Spring Festival 2025: review from Friday 2025-01-24 counts Sunday 2025-01-26 (worked), due 2025-01-27", () => {
    expect(due("review", "2025-01-24", 2)).toBe("2025-01-27");
  });

  it("Spring Festival 2025: production paid 2025-01-27 is due 2025-02-07 (Jan 28-Feb 4 off)", () => {
    expect(due("production", "2025-01-27", 3)).toBe("2025-02-07");
  });

  it("Spring Festival 2025: refund 15 working days from 2025-01-27 is due 2025-02-24, counting Saturday Feb 8", () => {
    expect(due("refund-payment", "2025-01-27", 15)).toBe("2025-02-24");
  });

  it("New Year 2026: invoice after completion 2025-12-31 is due 2026-01-05 (Jan 1-3 off, Sunday Jan 4 worked)", () => {
    expect(due("invoice", "2025-12-31", 2)).toBe("2026-01-05");
    expect(due("invoice", "2025-12-31", 1)).toBe("2026-01-04");
  });

  it("National Day 2025 lasts to Oct 8, Saturday Oct 11 is worked: production paid 2025-09-30 is due 2025-10-11", () => {
    // Sunday 2025-09-28 is worked too, but it is before the event and must not count.
    expect(due("production", "2025-09-30", 3)).toBe("2025-10-11");
    expect(due("production", "2025-09-30", 4)).toBe("2025-10-13");
  });

  it("0 working days is the event day itself", () => {
    expect(due("review", "2026-03-07", 0)).toBe("2026-03-07");
  });

  it("a negative or fractional number of working days is a configuration error", () => {
    expect(() => due("review", "2026-03-02", -1)).toThrow(RangeError);
    expect(() => due("review", "2026-03-02", 1.5)).toThrow(RangeError);
  });

  it("a deadline running into a year with no published calendar (2027) throws calendar.year_unknown", () => {
    let caught: unknown;
    try {
      due("refund-payment", "2026-12-28", 15);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(DomainError);
    expect((caught as DomainError).code).toBe("calendar.year_unknown");
  });
});

describe("deadlineStatus: countdowns in working days", () => {
  const due = d("2026-10-09");
  const status = (today: string) => deadlineStatus({ due, today: d(today), calendar });

  it("before a holiday the days off do not count down: 2 working days left on 2026-09-30", () => {
    expect(status("2026-09-30")).toEqual({ remainingWorkingDays: 2, overdue: false });
    expect(status("2026-10-03")).toEqual({ remainingWorkingDays: 2, overdue: false });
  });

  it("one working day left on 2026-10-08", () => {
    expect(status("2026-10-08")).toEqual({ remainingWorkingDays: 1, overdue: false });
  });

  it("the due day itself: 0 left, not overdue", () => {
    expect(status("2026-10-09")).toEqual({ remainingWorkingDays: 0, overdue: false });
  });

  it("Saturday 2026-10-10 is worked: overdue by 1 working day; Sunday 10-11 still 1", () => {
    expect(status("2026-10-10")).toEqual({ remainingWorkingDays: -1, overdue: true });
    expect(status("2026-10-11")).toEqual({ remainingWorkingDays: -1, overdue: true });
    expect(status("2026-10-12")).toEqual({ remainingWorkingDays: -2, overdue: true });
  });

  it("overdue the day after, even when that day is a day off (0 working days late, not -0)", () => {
    const s = deadlineStatus({ due: d("2026-09-30"), today: d("2026-10-01"), calendar });
    expect(s.overdue).toBe(true);
    expect(Object.is(s.remainingWorkingDays, 0)).toBe(true);
  });

  it("a status computed from a deadline is consistent: due = deadline(...) leaves exactly N on the event day", () => {
    const from = d("2026-02-13");
    const dueDate = deadline("refund-payment", { from, workingDays: 15, calendar });
    expect(deadlineStatus({ due: dueDate, today: from, calendar })).toEqual({
      remainingWorkingDays: 15,
      overdue: false,
    });
  });
});

describe("oneAccountOneCertificate", () => {
  const pair = { accountId: "acct-1", certificateId: "cert-1" };

  it("nothing bound yet: allowed", () => {
    expect(
      oneAccountOneCertificate({ ...pair, accountBoundCertificate: null, certificateBoundAccount: null }),
    ).toEqual({
      allowed: true,
    });
  });

  it("the account already holds another active certificate: refused", () => {
    expect(
      reason(
        oneAccountOneCertificate({
          ...pair,
          accountBoundCertificate: { certificateId: "cert-0", active: true },
          certificateBoundAccount: null,
        }),
      ),
    ).toBe("rules.binding.account_has_certificate");
  });

  it("the certificate is bound to another account: refused", () => {
    expect(
      reason(
        oneAccountOneCertificate({
          ...pair,
          accountBoundCertificate: null,
          certificateBoundAccount: "acct-2",
        }),
      ),
    ).toBe("rules.binding.certificate_has_account");
  });

  it("binding the same pair again (a retried request) is allowed", () => {
    expect(
      oneAccountOneCertificate({
        ...pair,
        accountBoundCertificate: { certificateId: "cert-1", active: true },
        certificateBoundAccount: "acct-1",
      }).allowed,
    ).toBe(true);
  });

  it("a renewed, changed or reissued certificate replaces the one it succeeds", () => {
    expect(
      oneAccountOneCertificate({
        ...pair,
        succeeds: "cert-0",
        accountBoundCertificate: { certificateId: "cert-0", active: true },
        certificateBoundAccount: null,
      }).allowed,
    ).toBe(true);
    // Succeeding some other certificate does not free this account.
    expect(
      oneAccountOneCertificate({
        ...pair,
        succeeds: "cert-9",
        accountBoundCertificate: { certificateId: "cert-0", active: true },
        certificateBoundAccount: null,
      }).allowed,
    ).toBe(false);
  });

  it("a new application after the bound certificate expired or was revoked can be bound to the same account", () => {
    expect(
      oneAccountOneCertificate({
        ...pair,
        accountBoundCertificate: { certificateId: "cert-0", active: false },
        certificateBoundAccount: null,
      }).allowed,
    ).toBe(true);
  });
});

describe("assertAllowed", () => {
  it("passes an allowed decision", () => {
    expect(() => assertAllowed({ allowed: true })).not.toThrow();
  });

  it("throws DomainError with the reason as code and the params", () => {
    const decision = renewalEligibility({ today: d("2026-01-01"), certificateNotAfter: d("2026-12-31") });
    let caught: unknown;
    try {
      assertAllowed(decision);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(DomainError);
    expect(caught).toMatchObject({
      code: "rules.renewal.not_yet_open",
      params: { notAfter: "2026-12-31", windowDays: 90, opensOn: "2026-10-02" },
    });
  });
});

describe("rules messages", () => {
  it("every reason code has zh-CN and en texts, and no extra codes", () => {
    expect(Object.keys(rulesMessages).sort()).toEqual([...RULE_REASONS].sort());
    for (const message of Object.values(rulesMessages)) {
      expect(message["zh-CN"].trim()).not.toBe("");
      expect(message.en.trim()).not.toBe("");
    }
  });

  it("zh-CN and en use the same placeholders", () => {
    const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const [code, message] of Object.entries(rulesMessages)) {
      expect(placeholders(message["zh-CN"]), code).toEqual(placeholders(message.en));
    }
  });

  // Each refusal a rule can produce, so that a placeholder without a param shows up here.
  const samples: Decision[] = [
    renewalEligibility({ today: d("2026-07-01"), certificateNotAfter: d("2026-06-30") }),
    renewalEligibility({ today: d("2026-01-01"), certificateNotAfter: d("2026-06-30") }),
    renewalEligibility({ today: d("2026-06-01"), certificateNotAfter: d("2026-06-30"), revoked: true }),
    beforeExpiryEligibility("change", {
      today: d("2026-07-01"),
      certificateNotAfter: d("2026-06-30"),
      revoked: false,
    }),
    beforeExpiryEligibility("change", {
      today: d("2026-06-01"),
      certificateNotAfter: d("2026-06-30"),
      revoked: true,
    }),
    sealTypeAllowed("finance"),
    sealNameEligibility({ organisationName: "甲公司", sealType: "official", sealName: "乙公司公章" }),
    sealNameEligibility({ organisationName: "甲公司", sealType: "official", sealName: "甲公司合同专用章" }),
    sealNameEligibility({ organisationName: "甲公司", sealType: "official", sealName: "甲公司财务专用章" }),
    sealNameEligibility({ organisationName: "甲公司", sealType: "official", sealName: "甲公司" }),
    oneSealPerCertificate({ existingSeal: { name: "甲公司" } }),
    sealExistsForChange({ existingSeal: null }),
    refundEligibility({ today: d("2026-03-01"), caAccepted: false, activated: false, refunded: true }),
    refundEligibility({ today: d("2026-03-01"), caAccepted: true, activated: true, refunded: false }),
    refundEligibility({ today: d("2026-03-01"), caAccepted: true, activated: false, refunded: false }),
    refundEligibility({
      today: d("2026-03-30"),
      caAccepted: true,
      activated: false,
      refunded: false,
      deliverySignedOn: d("2026-03-01"),
    }),
    oneAccountOneCertificate({
      accountId: "a",
      certificateId: "c",
      accountBoundCertificate: { certificateId: "b", active: true },
      certificateBoundAccount: null,
    }),
    oneAccountOneCertificate({
      accountId: "a",
      certificateId: "c",
      accountBoundCertificate: null,
      certificateBoundAccount: "z",
    }),
    newCertificateBesideValid({
      today: d("2026-06-01"),
      held: [{ serial: "0A1B", notAfter: d("2026-06-30"), revoked: false }],
      acknowledged: false,
    }),
  ];

  it("the samples cover every reason code", () => {
    const reasons = new Set(samples.map(reason));
    expect([...reasons].sort()).toEqual([...RULE_REASONS].sort());
  });

  it.each(
    samples
      .filter((s): s is Exclude<Decision, { allowed: true }> => !s.allowed)
      .map((s) => [s.reason, s] as const),
  )("%s: every placeholder is filled by the refusal's params", (code, decision) => {
    for (const locale of ["zh-CN", "en"] as const) {
      const template = rulesMessages[code]?.[locale] ?? "";
      for (const [, name] of template.matchAll(/\{(\w+)\}/g)) {
        expect(decision.params, `${code} ${locale} {${String(name)}}`).toHaveProperty(String(name));
      }
    }
  });

  it("reads as the desk writes it", () => {
    expect(rulesMessages["rules.renewal.expired"]?.["zh-CN"]).toContain("证书已过期");
    expect(rulesMessages["rules.renewal.expired"]?.["zh-CN"]).toContain("请重新申请新证书");
  });
});
