/**
 * Validators for what applicants type in: credit codes, ID numbers, mobiles, waybill numbers.
 * Each returns { valid: true, value } with the normalised value, or { valid: false, reason, params }
 * where reason names a message (src/i18n/messages/validation.ts) and params fill its placeholders.
 */
import { type CalendarDate, isCalendarDate, yearOf } from "./dates.js";
import type { ErrorParams } from "./errors.js";

/** Every reason these validators return; each has an entry in src/i18n/messages/validation.ts. */
export const VALIDATION_REASONS = [
  "validation.uscc.length",
  "validation.uscc.charset",
  "validation.uscc.division_code",
  "validation.uscc.check_digit",
  "validation.id.length",
  "validation.id.charset",
  "validation.id.birth_date",
  "validation.id.birth_date_future",
  "validation.id.birth_date_too_early",
  "validation.id.check_digit",
  "validation.mobile.format",
  "validation.courier.carrier",
  "validation.courier.sf.format",
  "validation.courier.ems.format",
  "validation.courier.ems.check_digit",
  "validation.courier.tracking.format",
  "validation.courier.carrier_name",
] as const;

export type ValidationReason = (typeof VALIDATION_REASONS)[number];
export type ValidationFailure = { valid: false; reason: ValidationReason; params?: ErrorParams };
export type ValidationResult<T extends object = object> = ({ valid: true } & T) | ValidationFailure;

function fail(reason: ValidationReason, params?: ErrorParams): ValidationFailure {
  return params ? { valid: false, reason, params } : { valid: false, reason };
}

// ---- Unified social credit code, GB 32100-2015 -------------------------------------------------

/** The 31 characters of GB 32100: digits and capital letters without I, O, S, V, Z. */
export const USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** The check character for the first 17 characters of a credit code (all from USCC_CHARSET). */
export function usccCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const value = USCC_CHARSET.indexOf(first17.charAt(i));
    if (value < 0) throw new RangeError(`not a credit code character at ${i + 1}: ${first17}`);
    sum += value * (USCC_WEIGHTS[i] ?? 0);
  }
  return USCC_CHARSET.charAt((31 - (sum % 31)) % 31);
}

/**
 * Structure: registration authority (1), organisation type (1), administrative division (6 digits),
 * organisation code (9), check character (1). A wrong check character has its own reason
 * (validation.uscc.check_digit) because some real early codes fail it and staff may override.
 */
export function validateUscc(input: string): ValidationResult<{ value: string }> {
  const value = input.trim().toUpperCase();
  if (value.length !== 18) return fail("validation.uscc.length", { length: value.length });
  for (let i = 0; i < 18; i++) {
    const char = value.charAt(i);
    if (!USCC_CHARSET.includes(char)) return fail("validation.uscc.charset", { position: i + 1, char });
  }
  if (!/^\d{6}$/.test(value.slice(2, 8))) return fail("validation.uscc.division_code");
  if (usccCheckChar(value.slice(0, 17)) !== value.charAt(17)) return fail("validation.uscc.check_digit");
  return { valid: true, value };
}

// ---- Resident ID number, GB 11643-1999 ---------------------------------------------------------

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK_CHARS = "10X98765432";
const EARLIEST_BIRTH_YEAR = 1900;

/** The check character for the first 17 digits of a resident ID number. */
export function residentIdCheckChar(first17: string): string {
  if (!/^\d{17}$/.test(first17)) throw new RangeError(`expected 17 digits: ${first17}`);
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17.charAt(i)) * (ID_WEIGHTS[i] ?? 0);
  return ID_CHECK_CHARS.charAt(sum % 11);
}

export type Sex = "male" | "female";

/**
 * Structure: address code (6 digits), birth date YYYYMMDD (8), order code (3; the last is odd for
 * men), check character (digit or X). A lowercase x is accepted and normalised to X. The birth date
 * is checked against today only when the caller passes it (the domain has no clock).
 */
export function validateResidentId(
  input: string,
  today?: CalendarDate,
): ValidationResult<{ value: string; birthDate: CalendarDate; sex: Sex }> {
  const value = input.trim().toUpperCase();
  if (value.length !== 18) return fail("validation.id.length", { length: value.length });
  for (let i = 0; i < 18; i++) {
    const char = value.charAt(i);
    const allowed = /\d/.test(char) || (i === 17 && char === "X");
    if (!allowed) return fail("validation.id.charset", { position: i + 1, char });
  }
  const digits = value.slice(6, 14);
  const birth = `${digits.slice(0, 4)}-${digits.slice(4, 6)}-${digits.slice(6, 8)}`;
  if (!isCalendarDate(birth)) return fail("validation.id.birth_date", { value: digits });
  if (yearOf(birth) < EARLIEST_BIRTH_YEAR) {
    return fail("validation.id.birth_date_too_early", { date: birth, year: EARLIEST_BIRTH_YEAR });
  }
  if (today !== undefined && birth > today) return fail("validation.id.birth_date_future", { date: birth });
  if (residentIdCheckChar(value.slice(0, 17)) !== value.charAt(17)) return fail("validation.id.check_digit");
  const sex: Sex = Number(value.charAt(16)) % 2 === 1 ? "male" : "female";
  return { valid: true, value, birthDate: birth, sex };
}

// ---- Mobile numbers ----------------------------------------------------------------------------

const MOBILE_RE = /^(?:\+?86)?1[3-9]\d{9}$/;

/** A mainland China mobile number, optionally with +86 / 86; spaces and dashes are ignored. */
export function validateMobile(input: string): ValidationResult<{ value: string }> {
  const compact = input.replace(/[\s-]/g, "");
  if (!MOBILE_RE.test(compact)) return fail("validation.mobile.format");
  return { valid: true, value: compact.slice(-11) };
}

// ---- Courier waybill numbers -------------------------------------------------------------------

export type CourierCarrier = "SF" | "EMS";

const SF_RE = /^(?:SF\d{12,13}|\d{12})$/;
const S10_RE = /^([A-Z]{2})(\d{8})(\d)([A-Z]{2})$/;
const EMS_DOMESTIC_RE = /^\d{13}$/;
const S10_WEIGHTS = [8, 6, 4, 2, 3, 5, 9, 7];

/** The UPU S10 check digit for the 8-digit serial number. */
export function s10CheckDigit(serial: string): number {
  if (!/^\d{8}$/.test(serial)) throw new RangeError(`expected 8 digits: ${serial}`);
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += Number(serial.charAt(i)) * (S10_WEIGHTS[i] ?? 0);
  const check = 11 - (sum % 11);
  return check === 10 ? 0 : check === 11 ? 5 : check;
}

/**
 * SF Express: "SF" and 12 or 13 digits, or an older number of 12 digits.
 * EMS: a UPU S10 item identifier (EA123456785CN) with its check digit, or a 13-digit domestic number.
 * Whitespace anywhere is dropped and letters are uppercased.
 */
export function validateCourierNumber(
  carrier: CourierCarrier,
  input: string,
): ValidationResult<{ value: string }> {
  const value = input.replace(/\s/g, "").toUpperCase();
  switch (carrier) {
    case "SF":
      return SF_RE.test(value) ? { valid: true, value } : fail("validation.courier.sf.format");
    case "EMS": {
      if (EMS_DOMESTIC_RE.test(value)) return { valid: true, value };
      const s10 = S10_RE.exec(value);
      if (!s10) return fail("validation.courier.ems.format");
      if (s10CheckDigit(s10[2] ?? "") !== Number(s10[3])) return fail("validation.courier.ems.check_digit");
      return { valid: true, value };
    }
    default:
      // Reached only from untyped callers (JSON, CLI).
      return fail("validation.courier.carrier", { carrier: String(carrier) });
  }
}

const TRACKING_RE = /^[A-Z0-9]{8,30}$/;

/**
 * The waybill number of paper an applicant mails, with any courier: checked loosely (8 to 30
 * letters and digits), since each courier has its own format and a typo is cheaper to fix than a
 * number refused. Spaces and dashes are dropped and letters uppercased.
 */
export function validateTrackingNumber(input: string): ValidationResult<{ value: string }> {
  const value = input.replace(/[\s-]/g, "").toUpperCase();
  return TRACKING_RE.test(value)
    ? { valid: true, value }
    : fail("validation.courier.tracking.format", { length: value.length });
}

/** The courier's name as the applicant gives it (顺丰速运, EMS, 京东物流…): 1 to 30 characters. */
export function validateCarrierName(input: string): ValidationResult<{ value: string }> {
  const value = input.trim().replace(/\s+/g, " ");
  return value.length >= 1 && value.length <= 30
    ? { valid: true, value }
    : fail("validation.courier.carrier_name");
}
