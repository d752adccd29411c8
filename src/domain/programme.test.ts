import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { programmeMessages } from "../i18n/messages/programme.js";
import { demoProgrammesPath, readProgrammesFile } from "../store/programme-files.js";
import { DomainError } from "./errors.js";
import { type Programme, offeredServices, programmesFileSchema } from "./programme.js";
import { quote } from "./tariff.js";

const dir = mkdtempSync(join(tmpdir(), "certdesk-programmes-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fixture(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** The DomainError reading a file throws; fails the test when it does not throw one. */
function readError(path: string): DomainError {
  try {
    readProgrammesFile(path);
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error(`expected ${path} to be refused`);
}

function issueLines(error: DomainError): string[] {
  return String(error.params.detail).split("\n");
}

describe("the demo programmes (data/programmes/demo.yaml)", () => {
  const programmes = readProgrammesFile(demoProgrammesPath);
  const byId = (id: string): Programme => programmes.find((p) => p.id === id)!;
  const A = byId("procurement");
  const B = byId("power-trading");

  it("validate, and hold programme A (procurement) and programme B (power-trading)", () => {
    expect(programmes.map((p) => p.id)).toEqual(["procurement", "power-trading"]);
  });

  it("A offers the self-service catalogue; B the agent's new keys and single services", () => {
    expect(offeredServices(A)).toEqual([
      "new",
      "renewal",
      "change",
      "reissue",
      "unlock",
      "seal-apply",
      "seal-change",
      "refund",
    ]);
    expect(offeredServices(B)).toEqual([
      "new",
      "reissue",
      "pin-reset",
      "format",
      "courier",
      "remote-support",
    ]);
    expect(new Set(Object.values(A.services).map((s) => s.channel))).toEqual(
      new Set(["online-self-service", "by-mail"]),
    );
    expect(new Set(Object.values(B.services).map((s) => s.channel))).toEqual(new Set(["agent"]));
  });

  it("A pays online before the CA reviews; B's agent reviews before payment and mails the keys", () => {
    expect(A.services.new?.steps).toEqual([
      "payment",
      "review",
      "paper",
      "production",
      "shipping",
      "activation",
      "binding",
    ]);
    expect(B.services.new?.steps).toEqual(["review", "payment", "production", "shipping"]);
    expect(A.payment.channels).toEqual(["online"]);
    expect(B.payment.channels).toEqual(["bank-transfer"]);
    expect(B.payment.collectionAccount?.bank).toContain("示例");
  });

  it("A's renewal has no paper; unlock is auto-approvable and free", () => {
    expect(A.services.renewal?.steps).not.toContain("paper");
    expect(A.services.renewal?.materials).toEqual([]);
    expect(A.services.renewal?.eligibility).toEqual({
      beforeExpiry: true,
      withinRenewalWindow: true,
      applyingAccountOnly: true,
    });
    expect(A.services.unlock?.autoApproveWhen).toBe("requester-is-latest-order-handler");
    expect(A.services.unlock?.steps).not.toContain("payment");
  });

  it("A's application form has the three handwritten fields and the physical official seal", () => {
    for (const service of ["new", "change", "reissue"] as const) {
      const form = A.services[service]?.materials.find((m) => m.id === "application-form");
      expect(form?.requirements).toMatchObject({
        needsOfficialSeal: true,
        physicalSealOnly: true,
        copies: 1,
      });
      expect(form?.requirements.handwrittenFields.map((f) => f.id)).toEqual([
        "authorisation-date",
        "handler-signature",
        "application-date",
      ]);
    }
  });

  it("A's seal form takes only the official or contract seal, and only when a seal is requested", () => {
    const sealForm = A.services.new?.materials.find((m) => m.id === "seal-form");
    expect(sealForm?.condition).toBe("seal-requested");
    expect(sealForm?.requirements.sealImprintTypes).toEqual(["official", "contract"]);
    expect(A.rules.sealTypes).toEqual(["official", "contract"]);
  });

  it("A's change mails the key itself; change and reissue keep the original validity", () => {
    expect(A.services.change?.materials.find((m) => m.kind === "usb-key")?.submission).toEqual(["mail"]);
    expect(A.services.change?.keepsOriginalValidity).toBe(true);
    expect(A.services.reissue?.keepsOriginalValidity).toBe(true);
  });

  it("A refuses registered post and carries DOMAIN.md's rule numbers", () => {
    expect(A.mailingAddress?.registeredPostRefused).toBe(true);
    expect(A.rules).toMatchObject({
      renewalWindowDays: 90,
      refundActivationWindowDays: 14,
      refundPaymentDeadlineWorkingDays: 15,
      invoiceDeadlineWorkingDays: 2,
      unlockReviewDeadlineWorkingDays: 2,
      validityYears: [1, 2, 3, 4, 5],
      keysPerOrder: { min: 1, max: 1 },
      maxSealsPerCertificate: 1,
      oneCertificatePerAccount: true,
    });
  });

  it("A's guide tells the renewal window, that expired certificates need a new application, and no registered post", () => {
    const renewalFaq = JSON.stringify(A.services.renewal?.faq);
    expect(renewalFaq).toContain(`${A.rules.renewalWindowDays} 天`);
    expect(renewalFaq).toContain("重新办理新申请");
    expect(JSON.stringify(A.services.new?.faq)).toContain("挂号信");
  });

  it("B's keys start with user PIN 123456, to be changed; at least 2 keys are recommended", () => {
    expect(B.key.initialUserPin).toEqual({ value: "123456", mustChange: true });
    expect(B.rules).toMatchObject({
      defaultYears: 3,
      validityYears: [1, 3, 5],
      productionDeadlineWorkingDays: 3,
    });
    expect(B.rules.keysPerOrder.recommended).toBe(2);
    expect(JSON.stringify(B.services.new?.tips)).toContain("至少办理 2 个电子钥匙");
  });

  it("B's materials: the application form and the authorisation letter, submitted electronically", () => {
    expect(B.services.new?.materials.map((m) => m.id)).toEqual([
      "enterprise-application-form",
      "authorisation-letter",
    ]);
    for (const m of B.services.new?.materials ?? []) expect(m.submission).toEqual(["upload"]);
    expect(B.mailingAddress).toBeUndefined();
  });
});

// A third programme, written only as data: it validates and is priced without any code change.
const tendering = `
programmes:
  - id: tendering
    name: { zh-CN: 示例招标平台数字证书, en: Demo tendering platform certificates }
    platform:
      name: { zh-CN: 示例公共资源交易平台（演示）, en: Demo public tendering platform (demo) }
      description: { zh-CN: 投标人使用证书登录并对投标文件签名, en: Bidders log in and sign their bids with the certificate }
    ca:
      name: { zh-CN: 示例CA（演示）, en: Demo CA (demo) }
    payment:
      channels: [online, bank-transfer]
      collectionAccount: { bank: 示例银行（演示）, accountName: 示例CA（演示）, accountNumber: "1000 2000 3000" }
      bankTransfer:
        personalAccounts: refused
        proofRequired: true
        instructions: { zh-CN: 请用对公账户转账, en: Pay from the company account }
    invoice: { format: electronic, type: vat-special, delivery: email }
    mailingAddress:
      recipient: 示例CA 受理点
      phone: "400-000-0009"
      address: 示例市示例路 9 号（演示）
      postcode: "000000"
      registeredPostRefused: false
      courierFeePaidBy: programme
    contacts:
      phone: "400-000-0009"
      email: help@tendering.example
      hours: { zh-CN: 工作日 8:30–17:30, en: Working days 8:30–17:30 }
    algorithms: [sm2, p256]
    key: { userPinRetries: 6, soPinRetries: 6 }
    services:
      new:
        name: { zh-CN: 新办, en: New }
        description: { zh-CN: 新办投标证书, en: A new bidding certificate }
        channel: online-self-service
        steps: [review, payment, paper, production, shipping, activation]
        fee: term
        materials:
          - id: application-form
            name: { zh-CN: 申请表, en: Application form }
            requirements:
              needsOfficialSeal: true
              handwrittenFields: [{ id: legal-representative-signature, name: { zh-CN: 法定代表人签字, en: Legal representative's signature } }]
              copies: 2
            submission: [upload, mail]
            acceptedFileTypes: [pdf, ofd]
        checklist:
          - id: signed
            text: { zh-CN: 法定代表人已签字, en: Signed by the legal representative }
            materials: [application-form]
      pin-reset:
        name: { zh-CN: 密码重置, en: PIN reset }
        description: { zh-CN: 重置 PIN 码, en: Reset the PIN }
        channel: online-self-service
        steps: [payment, fulfilment]
        fee: per-time
      courier:
        name: { zh-CN: 快递, en: Courier }
        description: { zh-CN: 寄送, en: Delivery }
        channel: agent
        steps: [payment, shipping]
        fee: per-time
    tariff:
      currency: CNY
      term:
        kind: plans
        defaultPlan: standard
        plans:
          - id: standard
            name: { zh-CN: 标准版, en: Standard }
            prices: [{ years: 1, perKey: 30000 }, { years: 2, perKey: 50000 }]
          - id: premium
            name: { zh-CN: 尊享版, en: Premium }
            covers: [pin-reset]
            prices: [{ years: 1, perKey: 45000 }, { years: 2, perKey: 80000 }]
      perTime:
        pin-reset: { unitPrice: 3000, per: key }
        courier: { unitPrice: 2000, per: order }
    rules:
      unpaidOrderExpiryHours: 48
      validityYears: [1, 2]
      defaultYears: 1
      keysPerOrder: { min: 1, max: 10 }
      oneCertificatePerAccount: false
`;

describe("a third programme as data only (a tendering platform)", () => {
  it("validates from YAML and quotes with its own tariff", () => {
    const [p] = readProgrammesFile(fixture("tendering.yaml", tendering));
    expect(p?.id).toBe("tendering");
    expect(quote(p!, { service: "new", keys: 2, years: 2 })).toMatchObject({
      total: 100000,
      term: { years: 2, keys: 2, plan: "standard" },
    });
    expect(quote(p!, { service: "new" }).total).toBe(30000);
    expect(quote(p!, { service: "new", plan: "premium", years: 2, keys: 3 }).total).toBe(240000);
    expect(quote(p!, { service: "pin-reset", keys: 2, coveredByPlan: "standard" }).total).toBe(6000);
    expect(quote(p!, { service: "pin-reset", keys: 2, coveredByPlan: "premium" }).total).toBe(0);
    expect(quote(p!, { service: "courier", coveredByPlan: "premium" }).total).toBe(2000);
    expect(() => quote(p!, { service: "courier", courier: "cash-on-delivery" })).toThrow(
      expect.objectContaining({ code: "tariff.cash_on_delivery_not_offered" }),
    );
    expect(() => quote(p!, { service: "new", years: 3 })).toThrow(
      expect.objectContaining({ code: "tariff.years_not_offered", params: { years: 3, allowed: "1, 2" } }),
    );
  });

  it("reads the same programme from JSON", () => {
    const path = fixture("tendering.json", JSON.stringify(parseYaml(tendering)));
    expect(readProgrammesFile(path).map((p) => p.id)).toEqual(["tendering"]);
  });
});

describe("a broken programme file", () => {
  it("names the path of each structural issue", () => {
    const broken = tendering
      .replace("id: tendering", "id: Tendering_Platform")
      .replace("steps: [review, payment, paper", "steps: [review, approval, paper")
      .replace("pin-reset: { unitPrice: 3000, per: key }", "pin-reset: { unitPrice: 30.5, per: key }")
      .replace("email: help@tendering.example", "email: not-an-address")
      .replace('postcode: "000000"', 'postcode: "0000"\n      registredPost: true');
    const error = readError(fixture("broken.yaml", broken));
    expect(error.code).toBe("programme.invalid");
    expect(error.params.path).toContain("broken.yaml");
    const lines = issueLines(error);
    const paths = lines.map((l) => l.slice(0, l.indexOf(":")));
    expect(paths).toEqual(
      expect.arrayContaining([
        "programmes.0.id",
        "programmes.0.services.new.steps.1",
        "programmes.0.tariff.perTime.pin-reset.unitPrice",
        "programmes.0.contacts.email",
        "programmes.0.mailingAddress.postcode",
        "programmes.0.mailingAddress",
      ]),
    );
    expect(lines.find((l) => l.startsWith("programmes.0.mailingAddress:"))).toContain("registredPost");
    expect(lines.find((l) => l.startsWith("programmes.0.services.new.steps.1"))).toContain("fulfilment");
  });

  it("names the path of each rule that ties the programme together", () => {
    const broken = tendering
      .replace(
        "prices: [{ years: 1, perKey: 45000 }, { years: 2, perKey: 80000 }]",
        "prices: [{ years: 1, perKey: 45000 }]",
      )
      .replace("defaultYears: 1", "defaultYears: 5")
      .replace("courier: { unitPrice: 2000, per: order }", "")
      .replace("steps: [payment, fulfilment]", "steps: [fulfilment]")
      .replace("materials: [application-form]", "materials: [licence]");
    const lines = issueLines(readError(fixture("inconsistent.yaml", broken)));
    expect(lines).toEqual(
      expect.arrayContaining([
        "programmes.0.tariff.term.plans.1.prices: no price for 2 years (rules.validityYears)",
        "programmes.0.rules.defaultYears: not among validityYears (1, 2)",
        "programmes.0.tariff.perTime.courier: required by services.courier",
        "programmes.0.services.pin-reset.steps: fee per-time needs a payment step",
        "programmes.0.services.new.checklist.0.materials.0: no material licence in this service",
      ]),
    );
  });

  it("refuses two programmes with the same id", () => {
    const twice = tendering + tendering.replace("programmes:\n", "");
    expect(issueLines(readError(fixture("twice.yaml", twice)))).toContain(
      "programmes.1.id: duplicate programme id tendering",
    );
  });

  it("reports YAML syntax errors and unreadable files", () => {
    expect(readError(fixture("syntax.yaml", "programmes: [\n  - id: x")).code).toBe("programme.invalid");
    expect(readError(fixture("empty.yaml", "")).params.detail).toContain("(file)");
    expect(readError(join(dir, "missing.yaml")).code).toBe("programme.file_unreadable");
  });

  it("the schema can also be used directly on parsed data", () => {
    expect(programmesFileSchema.safeParse({ programmes: [] }).success).toBe(false);
  });
});

describe("certificate profiles as data (programme.certificates)", () => {
  const programmes = readProgrammesFile(demoProgrammesPath);
  const A = programmes.find((p) => p.id === "procurement")!;
  const B = programmes.find((p) => p.id === "power-trading")!;

  it("A issues SM2 or RSA signing certificates with an optional SM2 encryption certificate; B issues SM2", () => {
    expect(A.certificates?.algorithms).toEqual(["sm2", "rsa"]);
    expect(A.certificates?.dualPair).toEqual({
      encryptionProfile: "organisation-encryption",
      required: false,
    });
    const signing = A.certificates?.profiles.find((p) => p.id === A.certificates?.signingProfile);
    expect(signing).toMatchObject({
      usage: "signing",
      algorithms: ["sm2", "rsa"],
      keyUsage: ["digitalSignature", "nonRepudiation"],
      extendedKeyUsage: ["clientAuth", "emailProtection"],
      minRsaBits: 2048,
    });
    const encryption = A.certificates?.profiles.find((p) => p.id === "organisation-encryption");
    expect(encryption).toMatchObject({
      usage: "encryption",
      algorithms: ["sm2"],
      keyUsage: ["keyEncipherment", "dataEncipherment", "keyAgreement"],
    });
    expect(B.certificates?.algorithms).toEqual(["sm2"]);
    expect(B.certificates?.dualPair).toBeUndefined();
    expect(B.certificates?.profiles[0]?.usccIn).toEqual([
      "organization-code",
      "business-registration-number",
    ]);
  });

  it("every demo policy OID is under 2.25 (made from a UUID, ITU-T X.667), not a sample OID", () => {
    const oidsOf = (p: Programme) =>
      new Set(p.certificates!.profiles.flatMap((x) => x.policies.map((y) => y.oid)));
    const [a, b] = [oidsOf(A), oidsOf(B)];
    for (const oid of [...a, ...b]) {
      expect(oid).toMatch(/^2\.25\.\d{30,39}$/);
      expect(BigInt(oid.slice(5)) < 2n ** 128n).toBe(true);
    }
    // Two CAs, two certificate policies.
    expect(a.size).toBe(1);
    expect(b.size).toBe(1);
    expect([...a][0]).not.toBe([...b][0]);
  });

  const certificates = `
    certificates:
      algorithms: [sm2, p256]
      signingProfile: bidder-signing
      dualPair: { encryptionProfile: bidder-encryption, required: true }
      profiles:
        - id: bidder-signing
          name: { zh-CN: 投标签名证书, en: Bidder signing certificate }
          usage: signing
          algorithms: [sm2, p256]
          subject: { country: CN, defaultProvince: 示例省 }
          usccIn: [business-registration-number]
          keyUsage: [digitalSignature, nonRepudiation]
          policies: [{ oid: 2.25.125259580706369692271907797611953216163 }]
        - id: bidder-encryption
          name: { zh-CN: 投标加密证书, en: Bidder encryption certificate }
          usage: encryption
          algorithms: [sm2]
          subject: { country: CN }
          usccIn: [organization-code]
          keyUsage: [keyEncipherment, dataEncipherment]
          policies: [{ oid: 2.25.125259580706369692271907797611953216163 }]
    key: { userPinRetries: 6, soPinRetries: 6 }`;
  const withCertificates = tendering.replace(
    "\n    key: { userPinRetries: 6, soPinRetries: 6 }",
    certificates,
  );

  it("a third programme states its profiles as data, and they validate", () => {
    const [p] = readProgrammesFile(fixture("tendering-certificates.yaml", withCertificates));
    expect(p?.certificates?.profiles.map((x) => x.id)).toEqual(["bidder-signing", "bidder-encryption"]);
    expect(p?.certificates?.profiles[0]?.extendedKeyUsage).toEqual([]);
  });

  it("names the path of each profile rule broken", () => {
    const broken = withCertificates
      .replace(
        "algorithms: [sm2, p256]\n      signingProfile",
        "algorithms: [sm2, rsa]\n      signingProfile",
      )
      .replace("signingProfile: bidder-signing", "signingProfile: bidder-encryption")
      .replace(
        "algorithms: [sm2]\n          subject: { country: CN }",
        "algorithms: [sm2, p256]\n          subject: { country: CN }",
      )
      .replace(
        "keyUsage: [keyEncipherment, dataEncipherment]",
        "keyUsage: [digitalSignature, keyEncipherment]",
      )
      .replace(
        "policies: [{ oid: 2.25.125259580706369692271907797611953216163 }]",
        "policies: [{ oid: 1.2.3.4.5.6.7 }]",
      );
    const lines = issueLines(readError(fixture("profiles-broken.yaml", broken)));
    expect(lines).toEqual(
      expect.arrayContaining([
        "programmes.0.certificates.algorithms.1: rsa is not among the programme's algorithms",
        "programmes.0.certificates.profiles.0.algorithms.1: p256 is not among certificates.algorithms",
        "programmes.0.certificates.signingProfile: bidder-encryption is not a signing profile",
        "programmes.0.certificates.dualPair.encryptionProfile: a dual pair is SM2 only",
        "programmes.0.certificates.profiles.1.keyUsage: an encryption profile must not sign (digitalSignature, nonRepudiation)",
        "programmes.0.certificates.profiles.0.policies.0.oid: an example OID: use your CA's own policy OID, or one under 2.25 made from a UUID",
      ]),
    );
  });

  it("refuses CA key usages, unknown USCC places and malformed OIDs in a profile", () => {
    const broken = withCertificates
      .replace("keyUsage: [digitalSignature, nonRepudiation]", "keyUsage: [digitalSignature, keyCertSign]")
      .replace("usccIn: [business-registration-number]", "usccIn: [tax-number]")
      .replace("subject: { country: CN, defaultProvince: 示例省 }", "subject: { country: China }")
      .replace(
        "policies: [{ oid: 2.25.125259580706369692271907797611953216163 }]",
        "policies: [{ oid: 2.25.01 }]",
      );
    const paths = issueLines(readError(fixture("profiles-invalid.yaml", broken))).map((l) =>
      l.slice(0, l.indexOf(":")),
    );
    expect(paths).toEqual(
      expect.arrayContaining([
        "programmes.0.certificates.profiles.0.keyUsage.1",
        "programmes.0.certificates.profiles.0.usccIn.0",
        "programmes.0.certificates.profiles.0.subject.country",
        "programmes.0.certificates.profiles.0.policies.0.oid",
      ]),
    );
  });
});

describe("programme messages", () => {
  it("every code has zh-CN and en with the same placeholders", () => {
    for (const [code, message] of Object.entries(programmeMessages)) {
      expect(code).toMatch(/^(programme|tariff)\./);
      // A list in each language's words comes as a pair: {allowed} in Chinese, {allowedEn} in English.
      const names = (t: string) =>
        [...t.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!.replace(/(?<=.)En$/, "")).sort();
      expect(names(message["zh-CN"]), code).toEqual(names(message.en));
    }
  });
});
