/**
 * A programme is one relying platform served by the desk: its CA, collection account, mailing
 * address, services with their stages and materials, tariff and rules. Programmes are reviewed
 * data (data/programmes/*.yaml), validated here; no rule of a programme is a constant of the code.
 * All money is integer fen (1 CNY = 100 fen).
 */
import { z } from "zod";
import { STEPS } from "./lifecycle.js";

// ---------------------------------------------------------------------------------------------
// Vocabularies
// ---------------------------------------------------------------------------------------------

export const serviceCodes = [
  "new",
  "renewal",
  "change",
  "reissue",
  "unlock",
  "seal-apply",
  "seal-change",
  "refund",
  "pin-reset",
  "format",
  "courier",
  "remote-support",
] as const;
export const serviceCodeSchema = z.enum(serviceCodes);
export type ServiceCode = z.infer<typeof serviceCodeSchema>;

/**
 * The stages an order goes through, in the order the programme runs them: the order lifecycle's
 * steps (lifecycle.ts), defined there once.
 * production: the CA or agent makes something (issues the certificate, makes the key or the seal);
 * activation: the user finishes in the security client (activate, install a renewed certificate or
 * a seal); binding: the certificate is bound to the platform account; fulfilment: the CA or agent
 * performs a service that leaves nothing to make or ship (unlock, PIN reset, paying a refund).
 */
export const stepCodes = STEPS;
export const stepSchema = z.enum(stepCodes);
export type Step = z.infer<typeof stepSchema>;

export const serviceChannelSchema = z.enum(["online-self-service", "by-mail", "agent"]);
export type ServiceChannel = z.infer<typeof serviceChannelSchema>;

export const paymentChannelSchema = z.enum(["online", "bank-transfer"]);
export type PaymentChannel = z.infer<typeof paymentChannelSchema>;

export const algorithmSchema = z.enum(["rsa", "p256", "sm2"]);
export type Algorithm = z.infer<typeof algorithmSchema>;

/** official = 公章, contract = 合同专用章. */
export const sealTypeSchema = z.enum(["official", "contract"]);
export type SealType = z.infer<typeof sealTypeSchema>;

/** When a material is needed only in some cases. */
export const materialConditionSchema = z.enum([
  "seal-requested", // the organisation asks for an electronic seal with the certificate
  "key-received", // the key was delivered (refund: send it back)
  "manual-review", // the request is not approved automatically (unlock by someone else)
]);
export type MaterialCondition = z.infer<typeof materialConditionSchema>;

/**
 * How a service is priced: term = the tariff's term pricing × years × keys (new, renewal);
 * per-time = tariff.perTime[service]; free = nothing to pay; none = not a priced service (refund).
 */
export const feeBasisSchema = z.enum(["term", "per-time", "free", "none"]);
export type FeeBasis = z.infer<typeof feeBasisSchema>;

// ---------------------------------------------------------------------------------------------
// Building blocks
// ---------------------------------------------------------------------------------------------

const text = z.string().trim().min(1);

export const localizedTextSchema = z.strictObject({ "zh-CN": text, en: text });
export type LocalizedText = z.infer<typeof localizedTextSchema>;

const slugSchema = z
  .string()
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, "expected a slug: lower-case letters, digits and single dashes");

/** Integer fen; safe integers only so that sums stay exact. */
export const fenSchema = z.int().min(0);

const countSchema = z.int().min(1);

function uniqueList<T extends z.ZodType>(item: T) {
  return z.array(item).refine((list) => new Set(list).size === list.length, "entries must be unique");
}

const bankAccountSchema = z.strictObject({
  bank: text,
  accountName: text,
  accountNumber: z.string().regex(/^\d[\d ]*\d$/, "expected digits, optionally grouped by spaces"),
});

const mailingAddressSchema = z.strictObject({
  recipient: text,
  phone: text,
  address: text,
  postcode: z.string().regex(/^\d{6}$/, "expected a 6-digit postcode"),
  /** 挂号信: letters by registered post are not collected at the counter, so they are refused. */
  registeredPostRefused: z.boolean(),
  courierFeePaidBy: z.enum(["applicant", "programme"]),
});

const contactsSchema = z.strictObject({
  phone: text,
  email: z.email(),
  hours: localizedTextSchema,
  website: z.url().optional(),
});

const keySettingsSchema = z.strictObject({
  /** The user PIN a new key leaves the factory with, if the programme publishes one. */
  initialUserPin: z
    .strictObject({
      value: z.string().regex(/^\d{4,16}$/, "expected 4 to 16 digits"),
      mustChange: z.boolean(),
    })
    .optional(),
  userPinRetries: z.int().min(1).max(15),
  soPinRetries: z.int().min(1).max(15),
});

const namedFieldSchema = z.strictObject({ id: slugSchema, name: localizedTextSchema });

const materialSchema = z
  .strictObject({
    id: slugSchema,
    kind: z.enum(["document", "usb-key"]).default("document"),
    name: localizedTextSchema,
    description: localizedTextSchema.optional(),
    /** A form the desk generates for download (prefilled from the application when possible). */
    template: z.strictObject({ id: slugSchema, prefilled: z.boolean() }).optional(),
    requirements: z
      .strictObject({
        needsOfficialSeal: z.boolean().default(false),
        /** The imprint must be stamped on this very paper: electronic stamps and copies of stamped pages are invalid. */
        physicalSealOnly: z.boolean().default(false),
        /** The seals whose imprint this form registers (electronic seal form). */
        sealImprintTypes: uniqueList(sealTypeSchema).optional(),
        handwrittenFields: z.array(namedFieldSchema).default([]),
        copies: countSchema.default(1),
        bothSides: z.boolean().default(false),
      })
      .prefault({}),
    optional: z.boolean().default(false),
    condition: materialConditionSchema.optional(),
    /** upload = a scan through the portal; mail = the original by courier. */
    submission: uniqueList(z.enum(["upload", "mail"])).min(1),
    acceptedFileTypes: uniqueList(z.enum(["pdf", "jpg", "png", "ofd"])).default([]),
  })
  .superRefine((m, ctx) => {
    if (m.submission.includes("upload") && m.acceptedFileTypes.length === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["acceptedFileTypes"],
        message: "an uploaded material needs accepted file types",
      });
    }
    if (m.kind === "usb-key" && m.submission.includes("upload")) {
      ctx.addIssue({ code: "custom", path: ["submission"], message: "a USB key can only be mailed" });
    }
  });
export type Material = z.infer<typeof materialSchema>;

const checklistItemSchema = z.strictObject({
  id: slugSchema,
  text: localizedTextSchema,
  /** The materials this check looks at; empty = the application as a whole. */
  materials: z.array(slugSchema).default([]),
});
export type ChecklistItem = z.infer<typeof checklistItemSchema>;

const faqEntrySchema = z.strictObject({ question: localizedTextSchema, answer: localizedTextSchema });

const serviceSchema = z.strictObject({
  name: localizedTextSchema,
  description: localizedTextSchema,
  channel: serviceChannelSchema,
  steps: uniqueList(stepSchema).min(1),
  fee: feeBasisSchema,
  eligibility: z
    .strictObject({
      /** Refused once the certificate has expired (change, reissue, seal, renewal). */
      beforeExpiry: z.boolean().default(false),
      /** Only within rules.renewalWindowDays before expiry. */
      withinRenewalWindow: z.boolean().default(false),
      /** Only from the platform account that applied for the certificate. */
      applyingAccountOnly: z.boolean().default(false),
    })
    .prefault({}),
  /** The certificate keeps the original validity period (change, reissue). */
  keepsOriginalValidity: z.boolean().default(false),
  /** Approved without a reviewer when this holds; otherwise reviewed (unlock). */
  autoApproveWhen: z.enum(["requester-is-latest-order-handler"]).optional(),
  materials: z.array(materialSchema).default([]),
  checklist: z.array(checklistItemSchema).default([]),
  faq: z.array(faqEntrySchema).default([]),
  tips: z.array(localizedTextSchema).default([]),
});
export type ServiceDefinition = z.infer<typeof serviceSchema>;

// ---------------------------------------------------------------------------------------------
// Tariff
// ---------------------------------------------------------------------------------------------

const planSchema = z.strictObject({
  id: slugSchema,
  name: localizedTextSchema,
  description: localizedTextSchema.optional(),
  /** Per-time services that keys on this plan get free of charge, unlimited. */
  covers: uniqueList(serviceCodeSchema).default([]),
  /** Price per key for each term offered. */
  prices: z.array(z.strictObject({ years: countSchema, perKey: fenSchema })).min(1),
});
export type Plan = z.infer<typeof planSchema>;

const termPricingSchema = z.discriminatedUnion("kind", [
  /** Price per certificate per year (programme A). */
  z.strictObject({ kind: z.literal("per-year"), perYear: fenSchema }),
  /** Plans with a price per key per term (programme B). */
  z.strictObject({
    kind: z.literal("plans"),
    defaultPlan: slugSchema.optional(),
    plans: z.array(planSchema).min(1),
  }),
]);
export type TermPricing = z.infer<typeof termPricingSchema>;

const perTimePriceSchema = z.strictObject({
  unitPrice: fenSchema,
  /** key = once per key the service is done on; order = once per order. */
  per: z.enum(["key", "order"]),
  /** Courier: the recipient may pay the courier on delivery instead. */
  cashOnDelivery: z.boolean().default(false),
  note: localizedTextSchema.optional(),
});
export type PerTimePrice = z.infer<typeof perTimePriceSchema>;

const tariffSchema = z.strictObject({
  currency: z.literal("CNY"),
  term: termPricingSchema.optional(),
  perTime: z.partialRecord(serviceCodeSchema, perTimePriceSchema).default({}),
});
export type Tariff = z.infer<typeof tariffSchema>;

// ---------------------------------------------------------------------------------------------
// Rules
// ---------------------------------------------------------------------------------------------

const rulesSchema = z.strictObject({
  /** Renewal opens this many days before expiry. */
  renewalWindowDays: countSchema.optional(),
  /** Refund allowed when the key was not activated within this many days (inclusive) of delivery. */
  refundActivationWindowDays: countSchema.optional(),
  /** The refund is paid within this many working days of receiving correct materials. */
  refundPaymentDeadlineWorkingDays: countSchema.optional(),
  /** Keys are made within this many working days of payment. */
  productionDeadlineWorkingDays: countSchema.optional(),
  /** The invoice is sent within this many working days of completion. */
  invoiceDeadlineWorkingDays: countSchema.optional(),
  /** Staff review an unlock request within this many working days. */
  unlockReviewDeadlineWorkingDays: countSchema.optional(),
  /** An unpaid order lapses after this many hours. */
  unpaidOrderExpiryHours: countSchema,
  validityYears: uniqueList(countSchema).min(1),
  defaultYears: countSchema.optional(),
  keysPerOrder: z.strictObject({ min: countSchema, max: countSchema, recommended: countSchema.optional() }),
  /** Seals that may become an electronic seal; empty when the programme has no seal service. */
  sealTypes: uniqueList(sealTypeSchema).default([]),
  /** Seals per certificate (programme A: one; several seals need several accounts). */
  maxSealsPerCertificate: z.int().min(0).default(0),
  /** What the seal maker signs seals with: SM2 (GB/T 38540), or RSA where the programme asks; never ECDSA. */
  sealMakerAlgorithm: z.enum(["sm2", "rsa"]).default("sm2"),
  /** One platform account holds exactly one certificate. */
  oneCertificatePerAccount: z.boolean(),
});
export type ProgrammeRules = z.infer<typeof rulesSchema>;

// ---------------------------------------------------------------------------------------------
// Certificates: the profiles the CA issues with, as reviewed data
// ---------------------------------------------------------------------------------------------

/** Key usages an end-entity profile may ask for; keyCertSign and cRLSign belong to CAs alone. */
export const endEntityKeyUsages = [
  "digitalSignature",
  "nonRepudiation",
  "keyEncipherment",
  "dataEncipherment",
  "keyAgreement",
] as const;
export type EndEntityKeyUsage = (typeof endEntityKeyUsages)[number];

/** Extended key usages by their RFC 5280 names; the OIDs are in src/pki/oids.ts. */
export const extendedKeyUsageNames = [
  "clientAuth",
  "emailProtection",
  "serverAuth",
  "codeSigning",
  "timeStamping",
] as const;
export type ExtendedKeyUsageName = (typeof extendedKeyUsageNames)[number];

/**
 * Where a certificate carries the organisation's unified social credit code: the GM/T 0015
 * identity extensions 1.2.156.10260.4.1.4 (organisation code, where many CAs put the USCC) and
 * .3 (business registration number), and the subject's serialNumber attribute.
 */
export const usccPlacements = [
  "organization-code",
  "business-registration-number",
  "subject-serial-number",
] as const;
export type UsccPlacement = (typeof usccPlacements)[number];

const oidSchema = z
  .string()
  .regex(
    /^[0-2](?:\.(?:0|[1-9]\d*))+$/,
    "expected a dotted object identifier such as 2.25.<uuid as integer>",
  );

const certificateProfileSchema = z.strictObject({
  id: slugSchema,
  name: localizedTextSchema,
  /** signing: the organisation's login and signature certificate; encryption: the SM2 dual pair's other half. */
  usage: z.enum(["signing", "encryption"]),
  /** The key algorithms this profile certifies. */
  algorithms: uniqueList(algorithmSchema).min(1),
  /**
   * C is fixed; ST and L come from the organisation's registered address (its province and city)
   * and fall back to these defaults; O and CN are the organisation's name. Never the CSR's subject.
   */
  subject: z.strictObject({
    country: z.string().regex(/^[A-Z]{2}$/, "expected a two-letter country code"),
    defaultProvince: text.optional(),
    defaultCity: text.optional(),
    organisationalUnits: z.array(text).default([]),
  }),
  usccIn: uniqueList(z.enum(usccPlacements)).min(1),
  keyUsage: uniqueList(z.enum(endEntityKeyUsages)).min(1),
  extendedKeyUsage: uniqueList(z.enum(extendedKeyUsageNames)).default([]),
  /** Certificate policy OIDs of the CA's CP (and its CPS address when published). */
  policies: z.array(z.strictObject({ oid: oidSchema, cpsUri: z.url().optional() })).min(1),
  /** RSA keys below this size are refused; never below 2048. */
  minRsaBits: z.int().min(2048).max(16384).default(2048),
});
export type CertificateProfile = z.infer<typeof certificateProfileSchema>;

const certificatesSchema = z.strictObject({
  /** The algorithms certificates are issued in, most preferred first (a subset of the programme's). */
  algorithms: uniqueList(algorithmSchema).min(1),
  profiles: z.array(certificateProfileSchema).min(1),
  /** The profile production issues an order's key with. */
  signingProfile: slugSchema,
  /** SM2 dual certificates: an encryption certificate beside the signing one, optional or required. */
  dualPair: z.strictObject({ encryptionProfile: slugSchema, required: z.boolean() }).optional(),
});
export type CertificateSettings = z.infer<typeof certificatesSchema>;

/** Arcs that only ever appear in examples: a profile carrying one was copied from a README. */
const EXAMPLE_OID = /^(?:2\.999(?:\.|$)|1\.2\.3\.4(?:\.|$))/;

function certificateIssues(
  p: ProgrammeShape,
  add: (path: (string | number)[], message: string) => void,
): void {
  const c = p.certificates;
  if (!c) return;
  const at = ["certificates"];
  c.algorithms.forEach((a, i) => {
    if (!p.algorithms.includes(a))
      add([...at, "algorithms", i], `${a} is not among the programme's algorithms`);
  });
  const byId = new Map<string, CertificateProfile>();
  c.profiles.forEach((profile, i) => {
    const here = [...at, "profiles", i];
    if (byId.has(profile.id)) add([...here, "id"], `duplicate profile id ${profile.id}`);
    byId.set(profile.id, profile);
    profile.algorithms.forEach((a, j) => {
      if (!c.algorithms.includes(a))
        add([...here, "algorithms", j], `${a} is not among certificates.algorithms`);
    });
    const usages: readonly string[] = profile.keyUsage;
    if (profile.usage === "signing" && !usages.includes("digitalSignature")) {
      add([...here, "keyUsage"], "a signing profile needs digitalSignature");
    }
    if (profile.usage === "encryption") {
      if (usages.includes("digitalSignature") || usages.includes("nonRepudiation")) {
        add([...here, "keyUsage"], "an encryption profile must not sign (digitalSignature, nonRepudiation)");
      }
      if (!["keyEncipherment", "dataEncipherment", "keyAgreement"].some((u) => usages.includes(u))) {
        add(
          [...here, "keyUsage"],
          "an encryption profile needs keyEncipherment, dataEncipherment or keyAgreement",
        );
      }
    }
    profile.policies.forEach((policy, j) => {
      if (EXAMPLE_OID.test(policy.oid)) {
        add(
          [...here, "policies", j, "oid"],
          "an example OID: use your CA's own policy OID, or one under 2.25 made from a UUID",
        );
      }
    });
  });
  const signing = byId.get(c.signingProfile);
  if (!signing) add([...at, "signingProfile"], `no profile ${c.signingProfile}`);
  else if (signing.usage !== "signing")
    add([...at, "signingProfile"], `${signing.id} is not a signing profile`);
  if (c.dualPair) {
    const encryption = byId.get(c.dualPair.encryptionProfile);
    const here = [...at, "dualPair", "encryptionProfile"];
    if (!encryption) add(here, `no profile ${c.dualPair.encryptionProfile}`);
    else if (encryption.usage !== "encryption") add(here, `${encryption.id} is not an encryption profile`);
    else if (encryption.algorithms.some((a) => a !== "sm2")) add(here, "a dual pair is SM2 only");
  }
}

// ---------------------------------------------------------------------------------------------
// Programme
// ---------------------------------------------------------------------------------------------

const programmeObjectSchema = z.strictObject({
  id: slugSchema,
  name: localizedTextSchema,
  platform: z.strictObject({ name: localizedTextSchema, description: localizedTextSchema }),
  ca: z.strictObject({ name: localizedTextSchema }),
  /** A registration agent that reviews and makes keys for the CA, if the programme has one. */
  agent: z.strictObject({ name: localizedTextSchema }).optional(),
  payment: z.strictObject({
    channels: uniqueList(paymentChannelSchema).min(1),
    collectionAccount: bankAccountSchema.optional(),
    bankTransfer: z
      .strictObject({
        personalAccounts: z.enum(["refused", "after-contacting-support", "accepted"]),
        proofRequired: z.boolean(),
        instructions: localizedTextSchema,
      })
      .optional(),
  }),
  invoice: z.strictObject({
    format: z.enum(["electronic", "paper"]),
    type: z.enum(["vat-general", "vat-special"]).optional(),
    delivery: z.enum(["sms", "email", "with-keys"]),
  }),
  mailingAddress: mailingAddressSchema.optional(),
  contacts: contactsSchema,
  algorithms: uniqueList(algorithmSchema).min(1),
  /** What the CA issues for this programme; a programme without it cannot have certificates made. */
  certificates: certificatesSchema.optional(),
  key: keySettingsSchema,
  services: z.partialRecord(serviceCodeSchema, serviceSchema),
  tariff: tariffSchema,
  rules: rulesSchema,
});

type ProgrammeShape = z.infer<typeof programmeObjectSchema>;
type Issue = { path: (string | number)[]; message: string };

/** Rules that tie parts of a programme together; each issue names the field to fix. */
function crossFieldIssues(p: ProgrammeShape): Issue[] {
  const issues: Issue[] = [];
  const add = (path: (string | number)[], message: string) => issues.push({ path, message });
  const entries = Object.entries(p.services) as [ServiceCode, ServiceDefinition][];
  const { rules, tariff } = p;

  if (entries.length === 0) add(["services"], "a programme offers at least one service");

  if (p.payment.channels.includes("bank-transfer")) {
    if (!p.payment.collectionAccount) add(["payment", "collectionAccount"], "required for bank transfer");
    if (!p.payment.bankTransfer) add(["payment", "bankTransfer"], "required for bank transfer");
  }

  if (rules.keysPerOrder.min > rules.keysPerOrder.max) add(["rules", "keysPerOrder"], "min is above max");
  const rec = rules.keysPerOrder.recommended;
  if (rec !== undefined && (rec < rules.keysPerOrder.min || rec > rules.keysPerOrder.max)) {
    add(["rules", "keysPerOrder", "recommended"], "outside min..max");
  }
  if (rules.defaultYears !== undefined && !rules.validityYears.includes(rules.defaultYears)) {
    add(["rules", "defaultYears"], `not among validityYears (${rules.validityYears.join(", ")})`);
  }
  if (rules.maxSealsPerCertificate > 0 && rules.sealTypes.length === 0) {
    add(["rules", "sealTypes"], "seals are allowed but no seal type is");
  }

  for (const [code, s] of entries) {
    const at = ["services", code];
    const charged = s.fee === "term" || s.fee === "per-time";
    if (charged && !s.steps.includes("payment")) add([...at, "steps"], `fee ${s.fee} needs a payment step`);
    if (!charged && s.steps.includes("payment")) add([...at, "steps"], `fee ${s.fee} has nothing to pay`);
    if (s.fee === "term" && !tariff.term) add(["tariff", "term"], `required by services.${code}`);
    if (s.fee === "per-time" && !tariff.perTime[code])
      add(["tariff", "perTime", code], `required by services.${code}`);
    if (s.steps.includes("paper") && !p.mailingAddress)
      add(["mailingAddress"], `required by services.${code} (paper step)`);
    if (s.eligibility.withinRenewalWindow && rules.renewalWindowDays === undefined) {
      add(["rules", "renewalWindowDays"], `required by services.${code}`);
    }
    if (s.autoApproveWhen && !s.steps.includes("review"))
      add([...at, "autoApproveWhen"], "needs a review step");

    const materialIds = new Set<string>();
    s.materials.forEach((m, i) => {
      if (materialIds.has(m.id)) add([...at, "materials", i, "id"], `duplicate material id ${m.id}`);
      materialIds.add(m.id);
      if (m.submission.includes("mail") && !s.steps.includes("paper")) {
        add([...at, "materials", i, "submission"], "mailed material but the service has no paper step");
      }
      m.requirements.sealImprintTypes?.forEach((t, j) => {
        if (!rules.sealTypes.includes(t)) {
          add(
            [...at, "materials", i, "requirements", "sealImprintTypes", j],
            `seal type ${t} not in rules.sealTypes`,
          );
        }
      });
    });
    const checkIds = new Set<string>();
    s.checklist.forEach((c, i) => {
      if (checkIds.has(c.id)) add([...at, "checklist", i, "id"], `duplicate checklist id ${c.id}`);
      checkIds.add(c.id);
      c.materials.forEach((ref, j) => {
        if (!materialIds.has(ref))
          add([...at, "checklist", i, "materials", j], `no material ${ref} in this service`);
      });
    });
  }
  certificateIssues(p, add);
  if (p.services.refund) {
    if (rules.refundActivationWindowDays === undefined)
      add(["rules", "refundActivationWindowDays"], "required by services.refund");
    if (rules.refundPaymentDeadlineWorkingDays === undefined) {
      add(["rules", "refundPaymentDeadlineWorkingDays"], "required by services.refund");
    }
  }
  if (p.services.unlock?.autoApproveWhen && rules.unlockReviewDeadlineWorkingDays === undefined) {
    add(["rules", "unlockReviewDeadlineWorkingDays"], "required by services.unlock");
  }
  if ((p.services["seal-apply"] || p.services["seal-change"]) && rules.maxSealsPerCertificate === 0) {
    add(["rules", "maxSealsPerCertificate"], "seal services are offered but no seal is allowed");
  }

  for (const code of Object.keys(tariff.perTime) as ServiceCode[]) {
    if (p.services[code]?.fee !== "per-time")
      add(["tariff", "perTime", code], "no per-time service uses this price");
  }
  for (const [code, price] of Object.entries(tariff.perTime)) {
    if (price.cashOnDelivery && code !== "courier")
      add(["tariff", "perTime", code, "cashOnDelivery"], "only for courier");
  }

  if (tariff.term?.kind === "plans") {
    const { plans, defaultPlan } = tariff.term;
    const planIds = new Set<string>();
    plans.forEach((plan, i) => {
      const at = ["tariff", "term", "plans", i];
      if (planIds.has(plan.id)) add([...at, "id"], `duplicate plan id ${plan.id}`);
      planIds.add(plan.id);
      const priced = plan.prices.map((x) => x.years);
      if (new Set(priced).size !== priced.length) add([...at, "prices"], "a term is priced twice");
      for (const years of rules.validityYears) {
        if (!priced.includes(years))
          add([...at, "prices"], `no price for ${years} years (rules.validityYears)`);
      }
      plan.prices.forEach((x, j) => {
        if (!rules.validityYears.includes(x.years))
          add([...at, "prices", j, "years"], "not among rules.validityYears");
      });
      plan.covers.forEach((code, j) => {
        if (p.services[code]?.fee !== "per-time")
          add([...at, "covers", j], `${code} is not a per-time service`);
      });
    });
    if (defaultPlan !== undefined && !planIds.has(defaultPlan)) {
      add(["tariff", "term", "defaultPlan"], `no plan ${defaultPlan}`);
    }
  }
  return issues;
}

export const programmeSchema = programmeObjectSchema.superRefine((p, ctx) => {
  for (const issue of crossFieldIssues(p)) ctx.addIssue({ code: "custom", ...issue });
});
export type Programme = z.infer<typeof programmeSchema>;
/** A programme as written in a file, before defaults are applied. */
export type ProgrammeInput = z.input<typeof programmeSchema>;

export const programmesFileSchema = z
  .strictObject({ programmes: z.array(programmeSchema).min(1) })
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.programmes.forEach((p, i) => {
      if (seen.has(p.id))
        ctx.addIssue({
          code: "custom",
          path: ["programmes", i, "id"],
          message: `duplicate programme id ${p.id}`,
        });
      seen.add(p.id);
    });
  });
export type ProgrammesFile = z.infer<typeof programmesFileSchema>;

/** The services a programme offers, in the catalogue order of serviceCodes. */
export function offeredServices(programme: Programme): ServiceCode[] {
  return serviceCodes.filter((code) => programme.services[code] !== undefined);
}
