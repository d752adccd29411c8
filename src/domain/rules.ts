/**
 * The desk's rules as pure functions: no I/O, no clock. "today" is always a parameter, every date is
 * a CalendarDate in Asia/Shanghai, and every number (window days, deadlines) comes from programme
 * configuration; the defaults below are DOMAIN.md's. A rule answers with a decision instead of
 * throwing, so that the portal can show why; assertAllowed turns a refusal into a DomainError.
 * Every reason code has zh-CN and en texts in src/i18n/messages/rules.ts.
 */
import { type CalendarDate, addDays, addYears, daysBetween, isCalendarDate, shanghaiDate } from "./dates.js";
import { DomainError, type ErrorParams } from "./errors.js";
import type { WorkingDays } from "./working-days.js";

// ---------------------------------------------------------------------------------------------
// Decisions

/** Every reason a rule can refuse with; each is a message code of the catalogue. */
export const RULE_REASONS = [
  "rules.renewal.expired",
  "rules.renewal.not_yet_open",
  "rules.certificate.expired",
  "rules.certificate.revoked",
  "rules.seal.type_not_allowed",
  "rules.seal.name_change_needs_change_service",
  "rules.seal.name_type_mismatch",
  "rules.seal.name_type_not_electronic",
  "rules.seal.name_missing_type_word",
  "rules.seal.already_exists",
  "rules.seal.none_to_change",
  "rules.refund.already_refunded",
  "rules.refund.activated",
  "rules.refund.awaiting_delivery",
  "rules.refund.activation_window_passed",
  "rules.binding.account_has_certificate",
  "rules.binding.certificate_has_account",
  "rules.new.valid_certificate_held",
] as const;

export type RuleReason = (typeof RULE_REASONS)[number];

export type Allowed = { readonly allowed: true };
export type Refused = { readonly allowed: false; readonly reason: RuleReason; readonly params: ErrorParams };
export type Decision = Allowed | Refused;

const ALLOWED: Allowed = Object.freeze({ allowed: true });

function refuse(reason: RuleReason, params: ErrorParams = {}): Refused {
  return { allowed: false, reason, params };
}

/** Throws DomainError(reason, params) when the decision is a refusal. */
export function assertAllowed(decision: Decision): asserts decision is Allowed {
  if (!decision.allowed) throw new DomainError(decision.reason, decision.params);
}

// ---------------------------------------------------------------------------------------------
// Certificate end dates

/**
 * A certificate's notAfter: its Shanghai date, or the X.509 instant itself. An instant is read in
 * Shanghai, not UTC: 2026-03-31T16:00:00Z is 1 April at the desk.
 */
export type CertificateEnd = CalendarDate | Date;

function endDate(notAfter: CertificateEnd): CalendarDate {
  return notAfter instanceof Date ? shanghaiDate(notAfter) : notAfter;
}

/**
 * "Expires in N days" = daysBetween(today, notAfter date). The last day itself counts as 0, that is
 * expired, for every service: nothing ordered on that day can be reviewed and installed in time.
 */
export function daysUntilExpiry(today: CalendarDate, certificateNotAfter: CertificateEnd): number {
  return daysBetween(today, endDate(certificateNotAfter));
}

function requireWholeDays(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`${name} must be a whole number >= ${min}: ${value}`);
  }
}

/**
 * RFC 5280 revocation reasons. keyCompromise is what the desk records when a customer reports a
 * key lost or stolen (挂失).
 */
export type RevocationReason =
  | "unspecified"
  | "keyCompromise"
  | "cACompromise"
  | "affiliationChanged"
  | "superseded"
  | "cessationOfOperation"
  | "certificateHold"
  | "removeFromCRL"
  | "privilegeWithdrawn"
  | "aACompromise";

/** false = not revoked; true = revoked for a reason not known here (treated as "not a lost key"). */
export type RevocationState = boolean | { readonly reason: RevocationReason };

// ---------------------------------------------------------------------------------------------
// Renewal

/** The first day renewal is allowed: windowDays calendar days (not working days) before the end. */
export function renewalWindowOpens(certificateNotAfter: CertificateEnd, windowDays = 90): CalendarDate {
  requireWholeDays("windowDays", windowDays, 1);
  return addDays(endDate(certificateNotAfter), -windowDays);
}

/**
 * Renewal only while the certificate expires in 1..windowDays days. An expired certificate needs a
 * new application. A revoked one cannot be renewed either (an implementer would forget it: renewal
 * would quietly bring a revoked identity back for years).
 */
export function renewalEligibility(input: {
  today: CalendarDate;
  certificateNotAfter: CertificateEnd;
  windowDays?: number;
  revoked?: RevocationState;
}): Decision {
  const { today, certificateNotAfter, windowDays = 90, revoked = false } = input;
  requireWholeDays("windowDays", windowDays, 1);
  const notAfter = endDate(certificateNotAfter);
  const days = daysBetween(today, notAfter);
  if (days <= 0) return refuse("rules.renewal.expired", { notAfter });
  if (revoked !== false) return refuse("rules.certificate.revoked", { service: "renewal" });
  if (days > windowDays) {
    return refuse("rules.renewal.not_yet_open", {
      notAfter,
      windowDays,
      opensOn: renewalWindowOpens(notAfter, windowDays),
    });
  }
  return ALLOWED;
}

// ---------------------------------------------------------------------------------------------
// Change, reissue, seal apply and seal change

export type BeforeExpiryService = "change" | "reissue" | "seal-apply" | "seal-change";

/**
 * Change, reissue and seal services only before expiry, and not on a revoked certificate, with one
 * exception: reissue of a certificate revoked as keyCompromise. A customer who reports a key lost
 * should be able to have it revoked at once (so nobody signs bids with it) and still get the
 * reissue that DOMAIN promises for a lost key; the reissued certificate keeps the original end, so
 * nothing is gained beyond the term already paid for. Any other revocation (superseded after an
 * earlier change or reissue, cessationOfOperation, privilegeWithdrawn, ...) is refused: a reissue
 * would bring back a certificate the CA or the customer meant to end, or make a second live one.
 */
export function beforeExpiryEligibility(
  service: BeforeExpiryService,
  input: { today: CalendarDate; certificateNotAfter: CertificateEnd; revoked: RevocationState },
): Decision {
  const notAfter = endDate(input.certificateNotAfter);
  if (daysBetween(input.today, notAfter) <= 0)
    return refuse("rules.certificate.expired", { notAfter, service });
  const { revoked } = input;
  if (revoked === false) return ALLOWED;
  const lostKey = typeof revoked === "object" && revoked.reason === "keyCompromise";
  if (service === "reissue" && lostKey) return ALLOWED;
  return refuse("rules.certificate.revoked", { service });
}

/** Change and reissue keep the original validity end: the customer already paid for that term. */
export function keptValidityEnd<T extends CertificateEnd>(originalNotAfter: T): T {
  return originalNotAfter;
}

/**
 * The validity of a new certificate as inclusive Shanghai dates: from start through the day before
 * the anniversary (a 1-year certificate from 2026-03-15 ends 2027-03-14). A certificate starting on
 * 29 February ends on 28 February, whose next day (1 March) stands in for the anniversary.
 */
export function newCertificateValidity(input: { start: CalendarDate; years: number }): {
  notBefore: CalendarDate;
  notAfter: CalendarDate;
} {
  const { start, years } = input;
  if (!isCalendarDate(start)) throw new RangeError(`start is not a calendar date: ${String(start)}`);
  requireWholeDays("years", years, 1);
  const anniversary = addYears(start, years);
  const clamped = start.endsWith("-02-29") && anniversary.endsWith("-02-28");
  return { notBefore: start, notAfter: clamped ? anniversary : addDays(anniversary, -1) };
}

// ---------------------------------------------------------------------------------------------
// A new certificate beside one still valid

/** A certificate the organisation holds in the programme, as the new-certificate rule reads it. */
export interface HeldCertificate {
  readonly serial: string;
  readonly notAfter: CertificateEnd;
  readonly revoked: RevocationState;
}

/** The held certificates still valid today (not expired, not revoked), the soonest to end first. */
export function validCertificates<C extends HeldCertificate>(today: CalendarDate, held: readonly C[]): C[] {
  return held
    .filter((c) => c.revoked === false && daysUntilExpiry(today, c.notAfter) > 0)
    .sort((a, b) => (endDate(a.notAfter) < endDate(b.notAfter) ? -1 : 1));
}

/**
 * A new certificate while the organisation holds a valid one in the same programme needs the
 * applicant's acknowledgement. Not forbidden: DOMAIN limits one certificate per platform account,
 * not per organisation (several seals need several accounts; programme B recommends two keys).
 * But a handler who holds one usually wants its renewal, change or reissue, which keep the key's
 * binding and cost less, so the first attempt is refused with the certificate named.
 */
export function newCertificateBesideValid(input: {
  today: CalendarDate;
  held: readonly HeldCertificate[];
  acknowledged: boolean;
}): Decision {
  if (input.acknowledged) return ALLOWED;
  const valid = validCertificates(input.today, input.held);
  const first = valid[0];
  if (!first) return ALLOWED;
  return refuse("rules.new.valid_certificate_held", {
    serial: first.serial,
    notAfter: endDate(first.notAfter),
    count: valid.length,
  });
}

// ---------------------------------------------------------------------------------------------
// Electronic seals

export const SEAL_TYPES = ["official", "contract"] as const;
/** official = 公章, contract = 合同专用章. */
export type SealType = (typeof SEAL_TYPES)[number];

export function isSealType(value: string): value is SealType {
  return (SEAL_TYPES as readonly string[]).includes(value);
}

/** Only the official seal (公章) or the contract seal (合同专用章) can be made electronic. */
export function sealTypeAllowed(type: string): Decision {
  return isSealType(type) ? ALLOWED : refuse("rules.seal.type_not_allowed", { type });
}

/** Each seal type's own word: the seal's name is the organisation's registered name followed by it. */
export const SEAL_TYPE_WORDS: Readonly<Record<SealType, string>> = {
  official: "公章",
  contract: "合同专用章",
};

/** Words of other seals an organisation has; none of them can be made electronic (DOMAIN: 公章 or 合同专用章 only). */
const OTHER_SEAL_WORDS = ["财务专用章", "发票专用章", "业务专用章", "人事专用章", "法定代表人章", "法人章"];

/**
 * Names compare as a person reads them: NFKC folds full-width letters, digits and brackets
 * (（分公司） = (分公司)), whitespace is ignored and Latin letters are compared case-insensitively.
 */
function normaliseName(name: string): string {
  return name.normalize("NFKC").replace(/\s+/g, "").toLowerCase();
}

/** The seal word a name ends with, longest first (合同专用章 before 公章), if any. */
function sealWordOf(name: string): string | undefined {
  const words = [...Object.values(SEAL_TYPE_WORDS), ...OTHER_SEAL_WORDS].sort((a, b) => b.length - a.length);
  return words.find((w) => name.endsWith(w));
}

/**
 * A seal's name is the organisation's registered name followed by its type's own word
 * ("XX有限公司公章", "XX有限公司合同专用章"). Each refusal says what is wrong: a word of another
 * type, a word of a seal that cannot be electronic, no word at all, or another organisation's name
 * (which needs the change service, because the certificate itself must change).
 */
export function sealNameEligibility(input: {
  organisationName: string;
  sealType: SealType | string;
  sealName: string;
}): Decision {
  const sealName = input.sealName.trim();
  const typeWord = isSealType(input.sealType) ? SEAL_TYPE_WORDS[input.sealType] : undefined;
  if (!typeWord) return refuse("rules.seal.type_not_allowed", { type: input.sealType });
  const name = normaliseName(sealName);
  const word = sealWordOf(name);
  if (word && word !== typeWord) {
    return (Object.values(SEAL_TYPE_WORDS) as string[]).includes(word)
      ? refuse("rules.seal.name_type_mismatch", { sealName, nameWord: word, typeWord })
      : refuse("rules.seal.name_type_not_electronic", { sealName, nameWord: word });
  }
  if (!word) {
    return refuse("rules.seal.name_missing_type_word", {
      sealName,
      expectedName: `${input.organisationName.trim()}${typeWord}`,
    });
  }
  if (name.slice(0, -word.length) !== normaliseName(input.organisationName)) {
    return refuse("rules.seal.name_change_needs_change_service", {
      certificateName: input.organisationName,
      requestedName: sealName,
    });
  }
  return ALLOWED;
}

/** The name a seal of this type gets when the applicant gives none. */
export const defaultSealName = (organisationName: string, type: SealType): string =>
  `${organisationName.trim()}${SEAL_TYPE_WORDS[type]}`;

/** Seal apply: one certificate holds at most one seal; a wrong seal is corrected by seal change. */
export function oneSealPerCertificate(input: {
  existingSeal: { name: string } | null | undefined;
}): Decision {
  const { existingSeal } = input;
  return existingSeal ? refuse("rules.seal.already_exists", { sealName: existingSeal.name }) : ALLOWED;
}

/** Seal change needs a seal to change; a certificate issued without one goes through seal apply. */
export function sealExistsForChange(input: { existingSeal: { name: string } | null | undefined }): Decision {
  return input.existingSeal ? ALLOWED : refuse("rules.seal.none_to_change");
}

// ---------------------------------------------------------------------------------------------
// Refund

/**
 * Refund eligibility. `today` is the day the customer applies for the refund: a back office that
 * checks a mailed application later passes the application date, so postal time never costs the
 * customer the refund.
 * - already refunded: never (checked first, so a second application never looks eligible);
 * - activated: never;
 * - the CA has not accepted the order: eligible;
 * - accepted and delivery signed for: eligible through day activationWindowDays after the signing
 *   day (the signing day is day 0; day 14 eligible, day 15 refused);
 * - accepted but not yet delivered: refused with "wait for delivery or contact the desk". DOMAIN's
 *   window starts only at delivery, so waiting costs the customer nothing, and the refund needs the
 *   key sent back, which the customer does not have yet. A parcel lost by the courier is a case for
 *   staff, hence "contact the desk".
 */
export function refundEligibility(input: {
  today: CalendarDate;
  caAccepted: boolean;
  activated: boolean;
  deliverySignedOn?: CalendarDate | null;
  activationWindowDays?: number;
  refunded: boolean;
}): Decision {
  const { today, caAccepted, activated, deliverySignedOn, activationWindowDays = 14, refunded } = input;
  requireWholeDays("activationWindowDays", activationWindowDays, 0);
  if (refunded) return refuse("rules.refund.already_refunded");
  if (activated) return refuse("rules.refund.activated");
  if (!caAccepted) return ALLOWED;
  if (!deliverySignedOn) return refuse("rules.refund.awaiting_delivery");
  // A signing date after today (bad courier data) is inside the window: the customer keeps the doubt.
  if (daysBetween(deliverySignedOn, today) <= activationWindowDays) return ALLOWED;
  return refuse("rules.refund.activation_window_passed", {
    deliverySignedOn,
    activationWindowDays,
    lastDay: addDays(deliverySignedOn, activationWindowDays),
  });
}

// ---------------------------------------------------------------------------------------------
// Unlock

export type UnlockApproval = { readonly mode: "auto" } | ManualUnlockApproval;
export type ManualUnlockApproval = { readonly mode: "manual"; readonly reviewDueWorkingDays: number };

/** Handler IDs compare without surrounding spaces and case: an ID card's check letter x = X. */
function sameHandler(a: string | null | undefined, b: string | null | undefined): boolean {
  const x = a?.trim().toUpperCase();
  const y = b?.trim().toUpperCase();
  return !!x && x === y;
}

/**
 * Unlock is approved automatically when the requester is the handler of the most recent order;
 * otherwise staff review the uploaded documents within reviewDueWorkingDays. No most recent order,
 * or a missing requester, means review: two unknowns are not the same person.
 */
export function unlockApproval(input: {
  requesterHandlerId: string | null | undefined;
  mostRecentOrderHandlerId: string | null | undefined;
  reviewDueWorkingDays?: number;
}): UnlockApproval {
  const { requesterHandlerId, mostRecentOrderHandlerId, reviewDueWorkingDays = 2 } = input;
  requireWholeDays("reviewDueWorkingDays", reviewDueWorkingDays, 0);
  if (sameHandler(requesterHandlerId, mostRecentOrderHandlerId)) return { mode: "auto" };
  return { mode: "manual", reviewDueWorkingDays };
}

/** The day staff must have reviewed a manual unlock requested on requestedOn. */
export function unlockReviewDue(
  approval: ManualUnlockApproval,
  input: { requestedOn: CalendarDate; calendar: WorkingDays },
): CalendarDate {
  return deadline("review", {
    from: input.requestedOn,
    workingDays: approval.reviewDueWorkingDays,
    calendar: input.calendar,
  });
}

// ---------------------------------------------------------------------------------------------
// Deadlines

/**
 * refund-payment: from the day correct refund materials are received;
 * production: from payment (keys made in 1 to 3 working days);
 * invoice: from order completion (electronic invoice within 1 to 2 working days);
 * review: from submission (e.g. a manual unlock).
 */
export type DeadlineKind = "refund-payment" | "production" | "invoice" | "review";

/** DOMAIN.md's defaults, for programme configuration to start from. */
export const DEFAULT_DEADLINE_WORKING_DAYS: Readonly<Record<DeadlineKind, number>> = Object.freeze({
  "refund-payment": 15,
  production: 3,
  invoice: 2,
  review: 2,
});

/**
 * The due date: the workingDays-th working day strictly after `from` (the day of the event itself
 * never counts, even when it is a working day). workingDays comes from programme configuration;
 * left out, it is the kind's default. A due date in a year with no published calendar
 * throws calendar.year_unknown rather than guess.
 */
export function deadline(
  kind: DeadlineKind,
  input: { from: CalendarDate; workingDays?: number; calendar: WorkingDays },
): CalendarDate {
  const workingDays = input.workingDays ?? DEFAULT_DEADLINE_WORKING_DAYS[kind];
  requireWholeDays("workingDays", workingDays, 0);
  return input.calendar.addWorkingDays(input.from, workingDays);
}

/**
 * For countdowns. remainingWorkingDays = working days in (today, due]: 0 on the due day itself.
 * Past the due day overdue is true and remainingWorkingDays is minus the working days elapsed since
 * (it stays 0 through days off right after the due day: no working day has been lost yet).
 */
export function deadlineStatus(input: { due: CalendarDate; today: CalendarDate; calendar: WorkingDays }): {
  remainingWorkingDays: number;
  overdue: boolean;
} {
  const { due, today, calendar } = input;
  if (today <= due) return { remainingWorkingDays: calendar.workingDaysBetween(today, due), overdue: false };
  const late = calendar.workingDaysBetween(due, today);
  return { remainingWorkingDays: late === 0 ? 0 : -late, overdue: true };
}

// ---------------------------------------------------------------------------------------------
// Platform account bindings

/**
 * One platform account holds one certificate, and one certificate is bound to one account.
 * Allowed, though an implementer checking only "is anything bound" would refuse them:
 * - binding the same pair again (a retried request);
 * - binding a certificate that succeeds the bound one by renewal, change or reissue;
 * - binding a new certificate after the bound one ended (expired or revoked): after expiry DOMAIN
 *   sends the customer to a new application, which must be bindable to the same account.
 * `active` is false once the bound certificate has expired or been revoked.
 */
export function oneAccountOneCertificate(input: {
  accountId: string;
  certificateId: string;
  /** The certificate this one replaces by renewal, change or reissue, if any. */
  succeeds?: string | null;
  accountBoundCertificate: { certificateId: string; active: boolean } | null | undefined;
  certificateBoundAccount: string | null | undefined;
}): Decision {
  const { accountId, certificateId, succeeds, accountBoundCertificate, certificateBoundAccount } = input;
  if (certificateBoundAccount && certificateBoundAccount !== accountId) {
    return refuse("rules.binding.certificate_has_account");
  }
  const bound = accountBoundCertificate;
  if (bound && bound.active && bound.certificateId !== certificateId && bound.certificateId !== succeeds) {
    return refuse("rules.binding.account_has_certificate");
  }
  return ALLOWED;
}
