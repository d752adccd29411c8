import { describe, expect, it } from "vitest";
import { localizedParam, renderEmail, renderSms, TEMPLATES, yuan } from "./templates.js";

/** Every template with every parameter it needs, localized ones in both languages. */
const SAMPLE: Record<string, string | number> = {
  number: "CD20261120000001",
  ...localizedParam("service", { "zh-CN": "新申请", en: "New certificate" }),
  reason: "营业执照复印件未加盖公章",
  amount: "200.00",
  carrier: "SF",
  trackingNumber: "SF1234567890123",
  code: "482913",
  invoiceNumber: "202600000001",
  amountInCapitals: "贰佰元整",
  ...localizedParam("channel", { "zh-CN": "原在线支付渠道", en: "the original online payment" }),
  subject: "上海示例供应链管理有限公司",
  serial: "4F2A19",
  notAfter: "2027-02-18",
  days: 30,
  ...localizedParam("deadline", { "zh-CN": "制证", en: "production" }),
  dueOn: "2026-11-25",
  minutes: 10,
};

describe("notification templates (zh-CN and English)", () => {
  for (const template of TEMPLATES) {
    it(`${template} renders for SMS and e-mail in both languages with every placeholder filled`, () => {
      for (const locale of ["zh-CN", "en"] as const) {
        const sms = renderSms(template, locale, SAMPLE);
        const mail = renderEmail(template, locale, SAMPLE);
        for (const text of [sms.text, mail.subject, mail.text]) {
          expect(text, `${template} ${locale}`).not.toMatch(/\{\w+\}/);
          expect(text).not.toContain("notify.");
        }
        // Chinese for zh-CN; none in English beyond the Chinese values it quotes (a reason, a name).
        const own = (t: string) =>
          [SAMPLE.reason, SAMPLE.subject, SAMPLE.amountInCapitals].reduce<string>(
            (a, v) => a.replaceAll(String(v), ""),
            t,
          );
        expect(
          /[\u4e00-\u9fff]/.test(own(sms.text + mail.subject + mail.text)),
          `${template} ${locale}`,
        ).toBe(locale === "zh-CN");
        expect(sms.text.startsWith(locale === "zh-CN" ? "【证书服务】" : "[certdesk] ")).toBe(true);
      }
    });
  }

  it("says what the issue asks each message to say", () => {
    expect(renderSms("order-rejected", "zh-CN", SAMPLE).text).toContain("营业执照复印件未加盖公章");
    expect(renderSms("order-shipped", "en", SAMPLE).text).toContain("SF1234567890123");
    expect(renderSms("activation-code", "zh-CN", SAMPLE).text).toContain("482913");
    expect(renderSms("unlock-code", "en", SAMPLE).text).toContain("482913");
    expect(renderEmail("invoice-ready", "zh-CN", SAMPLE).text).toContain("贰佰元整");
    expect(renderEmail("refund-made", "en", SAMPLE).text).toContain("the original online payment");
    expect(renderEmail("expiry-reminder", "en", SAMPLE).subject).toBe(
      "[certdesk] Certificate expires in 30 days",
    );
    expect(renderSms("order-submitted", "en", SAMPLE).text).toContain("New certificate");
    expect(renderSms("order-submitted", "zh-CN", SAMPLE).text).toContain("新申请");
  });

  it("refuses to render with a parameter missing, rather than send a broken message", () => {
    expect(() => renderSms("order-shipped", "zh-CN", { number: "X" })).toThrow(/carrier/);
  });

  it("shows fen as yuan with two decimals", () => {
    expect(yuan(120000)).toBe("1200.00");
    expect(yuan(5n)).toBe("0.05");
  });
});
