import { describe, expect, it } from "vitest";
import { validationMessages } from "../i18n/messages/validation.js";
import { calendarDate } from "./dates.js";
import {
  type CourierCarrier,
  USCC_CHARSET,
  VALIDATION_REASONS,
  residentIdCheckChar,
  s10CheckDigit,
  usccCheckChar,
  validateCourierNumber,
  validateMobile,
  validateResidentId,
  validateUscc,
} from "./validators.js";

describe("unified social credit code (GB 32100-2015)", () => {
  it.each(["91310115591693856A", "91310110666007217T", "91440101MA5CJQ4N59"])(
    "the DOMAIN.md example %s is valid",
    (code) => {
      expect(validateUscc(code)).toEqual({ valid: true, value: code });
    },
  );

  it("the check character is charset[(31 - weighted sum mod 31) mod 31]", () => {
    expect(usccCheckChar("91310115591693856")).toBe("A");
    expect(usccCheckChar("91440101MA5CJQ4N5")).toBe("9");
  });

  it("the real early code 91350211M00013FA1N fails the check digit (not the format)", () => {
    expect(validateUscc("91350211M00013FA1N")).toEqual({
      valid: false,
      reason: "validation.uscc.check_digit",
    });
  });

  it("every other check character is refused as a bad check digit", () => {
    for (const wrong of USCC_CHARSET.replace("A", "")) {
      expect(validateUscc(`91310115591693856${wrong}`).valid).toBe(false);
      expect(validateUscc(`91310115591693856${wrong}`)).toMatchObject({
        reason: "validation.uscc.check_digit",
      });
    }
  });

  it.each(["I", "O", "S", "V", "Z"])("the letter %s is not in the charset", (letter) => {
    const code = `9131011559${letter}693856A`;
    expect(validateUscc(code)).toEqual({
      valid: false,
      reason: "validation.uscc.charset",
      params: { position: 11, char: letter },
    });
  });

  it("punctuation and non-ASCII characters are refused by position", () => {
    expect(validateUscc("91310115-91693856A")).toMatchObject({ params: { position: 9, char: "-" } });
    expect(validateUscc("9131011559169385６A")).toMatchObject({ reason: "validation.uscc.charset" });
  });

  it("the length must be 18", () => {
    expect(validateUscc("91310115591693856")).toEqual({
      valid: false,
      reason: "validation.uscc.length",
      params: { length: 17 },
    });
    expect(validateUscc("91310115591693856AA")).toMatchObject({ reason: "validation.uscc.length" });
    expect(validateUscc("")).toMatchObject({ reason: "validation.uscc.length", params: { length: 0 } });
  });

  it("characters 3 to 8 are the 6-digit administrative division code", () => {
    // Check character computed for this body, so only the division code is wrong.
    expect(validateUscc("91A101155916938569")).toEqual({
      valid: false,
      reason: "validation.uscc.division_code",
    });
  });

  it("surrounding spaces are trimmed and lowercase letters uppercased", () => {
    expect(validateUscc(" 91440101ma5cjq4n59 ")).toEqual({ valid: true, value: "91440101MA5CJQ4N59" });
  });
});

describe("resident ID number (GB 11643-1999)", () => {
  it("the DOMAIN.md example 11010519491231002X is valid: born 1949-12-31, female (17th digit even)", () => {
    expect(validateResidentId("11010519491231002X")).toEqual({
      valid: true,
      value: "11010519491231002X",
      birthDate: "1949-12-31",
      sex: "female",
    });
  });

  it("an odd 17th digit means male", () => {
    expect(validateResidentId("110105198001010016")).toMatchObject({ valid: true, sex: "male" });
  });

  it("a lowercase x check character is accepted and normalised to X", () => {
    expect(validateResidentId("11010519491231002x")).toMatchObject({
      valid: true,
      value: "11010519491231002X",
    });
  });

  it("the check character is 10X98765432 indexed by the weighted sum mod 11", () => {
    expect(residentIdCheckChar("11010519491231002")).toBe("X");
    expect(residentIdCheckChar("44030619900307123")).toBe("2");
  });

  it("every other check character is refused", () => {
    for (const wrong of "0123456789") {
      expect(validateResidentId(`11010519491231002${wrong}`)).toEqual({
        valid: false,
        reason: "validation.id.check_digit",
      });
    }
  });

  it("30 February is not a birth date (even with a correct check character)", () => {
    expect(validateResidentId("110105202302301238")).toEqual({
      valid: false,
      reason: "validation.id.birth_date",
      params: { value: "20230230" },
    });
  });

  it("29 February counts only in leap years (2000 yes, 1900 no)", () => {
    expect(validateResidentId("110105200002290021")).toMatchObject({ valid: true, birthDate: "2000-02-29" });
    expect(validateResidentId("110105190002290017")).toMatchObject({ reason: "validation.id.birth_date" });
  });

  it("a birth date before 1900 is refused", () => {
    expect(validateResidentId("110105189912310015")).toEqual({
      valid: false,
      reason: "validation.id.birth_date_too_early",
      params: { date: "1899-12-31", year: 1900 },
    });
  });

  it("a birth date after today is refused when today is given, and today itself is accepted", () => {
    const today = calendarDate("2026-06-15");
    expect(validateResidentId("11010520300101001X", today)).toEqual({
      valid: false,
      reason: "validation.id.birth_date_future",
      params: { date: "2030-01-01" },
    });
    expect(validateResidentId("110105202606150010", today)).toMatchObject({ valid: true });
    expect(validateResidentId("110105202606150010", calendarDate("2026-06-14"))).toMatchObject({
      reason: "validation.id.birth_date_future",
    });
  });

  it("without today the future is not checked (the domain has no clock)", () => {
    expect(validateResidentId("11010520300101001X")).toMatchObject({ valid: true });
  });

  it("the length must be 18 (the old 15-digit numbers are not accepted)", () => {
    expect(validateResidentId("110105491231002")).toEqual({
      valid: false,
      reason: "validation.id.length",
      params: { length: 15 },
    });
  });

  it("only the last character may be X; other characters must be digits", () => {
    expect(validateResidentId("1101051949123100X2")).toMatchObject({
      reason: "validation.id.charset",
      params: { position: 17, char: "X" },
    });
    expect(validateResidentId("11010519491231O02X")).toMatchObject({
      reason: "validation.id.charset",
      params: { position: 15, char: "O" },
    });
  });
});

describe("mobile number", () => {
  it.each([
    ["13800138000", "13800138000"],
    ["138 0013 8000", "13800138000"],
    ["138-0013-8000", "13800138000"],
    ["+86 138 0013 8000", "13800138000"],
    ["8613800138000", "13800138000"],
    ["+86-199-1234-5678", "19912345678"],
  ])("%s is accepted as %s", (input, value) => {
    expect(validateMobile(input)).toEqual({ valid: true, value });
  });

  it.each([
    "12800138000",
    "1380013800",
    "138001380001",
    "+8713800138000",
    "1380013800a",
    "",
    "(138)00138000",
  ])("%s is refused", (input) => {
    expect(validateMobile(input)).toEqual({ valid: false, reason: "validation.mobile.format" });
  });
});

describe("courier waybill numbers", () => {
  it.each(["SF1234567890123", "SF123456789012", "sf 1234567890123", "123456789012"])(
    "SF Express accepts %s",
    (input) => {
      expect(validateCourierNumber("SF", input)).toMatchObject({ valid: true });
    },
  );

  it("SF numbers are trimmed and uppercased", () => {
    expect(validateCourierNumber("SF", "  sf1234567890123 ")).toEqual({
      valid: true,
      value: "SF1234567890123",
    });
  });

  it.each(["SF12345678901", "SF12345678901234", "1234567890123", "JD1234567890123", "SF12345678901A"])(
    "SF Express refuses %s",
    (input) => {
      expect(validateCourierNumber("SF", input)).toEqual({
        valid: false,
        reason: "validation.courier.sf.format",
      });
    },
  );

  it("the S10 check digit: weights 8,6,4,2,3,5,9,7; 11 - sum mod 11, with 10 -> 0 and 11 -> 5", () => {
    expect(s10CheckDigit("12345678")).toBe(5); // sum 204, 204 mod 11 = 6
    expect(s10CheckDigit("47312482")).toBe(9); // the UPU example AA473124829GB
    expect(s10CheckDigit("00004000")).toBe(0); // sum 12, 11 - 1 = 10 -> 0
    expect(s10CheckDigit("00000000")).toBe(5); // sum 0, 11 - 0 = 11 -> 5
  });

  it.each(["EA123456785CN", "ea 123 456 785 cn", "AA473124829GB", "EE000040000CN", "EE000000005CN"])(
    "EMS accepts the S10 identifier %s",
    (input) => {
      expect(validateCourierNumber("EMS", input)).toMatchObject({ valid: true });
    },
  );

  it("EMS numbers are normalised without spaces and in capitals", () => {
    expect(validateCourierNumber("EMS", " ea 123 456 785 cn ")).toEqual({
      valid: true,
      value: "EA123456785CN",
    });
  });

  it("EMS accepts a 13-digit domestic number", () => {
    expect(validateCourierNumber("EMS", "1234567890123")).toEqual({ valid: true, value: "1234567890123" });
  });

  it("EMS refuses an S10 identifier with a wrong check digit", () => {
    for (const wrong of "012346789") {
      expect(validateCourierNumber("EMS", `EA12345678${wrong}CN`)).toEqual({
        valid: false,
        reason: "validation.courier.ems.check_digit",
      });
    }
  });

  it.each([
    "EA12345678CN",
    "E1123456785CN",
    "EA123456785C",
    "123456789012",
    "12345678901234",
    "SF1234567890123",
  ])("EMS refuses %s as malformed", (input) => {
    expect(validateCourierNumber("EMS", input)).toEqual({
      valid: false,
      reason: "validation.courier.ems.format",
    });
  });

  it("an unknown carrier from an untyped caller is refused", () => {
    expect(validateCourierNumber("DHL" as CourierCarrier, "1234567890")).toEqual({
      valid: false,
      reason: "validation.courier.carrier",
      params: { carrier: "DHL" },
    });
  });
});

describe("validation messages", () => {
  it("every reason the validators return has a zh-CN and an en text, and no other code is defined", () => {
    expect(Object.keys(validationMessages).sort()).toEqual([...VALIDATION_REASONS].sort());
    for (const message of Object.values(validationMessages)) {
      expect(message["zh-CN"]).not.toBe("");
      expect(message.en).not.toBe("");
    }
  });

  it("each message uses the same placeholders in both languages", () => {
    const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const [code, message] of Object.entries(validationMessages)) {
      expect(placeholders(message.en), code).toEqual(placeholders(message["zh-CN"]));
    }
  });
});
