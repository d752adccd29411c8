/**
 * The data each printed form takes, checked with zod before anything is drawn.
 */
import { z } from "zod";
import { DomainError } from "../domain/errors.js";

// ---------------------------------------------------------------------------------------------
// Data
// ---------------------------------------------------------------------------------------------

export const formTemplateIds = [
  "certificate-application",
  "seal-application",
  "enterprise-certificate-application",
  "authorisation-letter",
  "refund-application",
] as const;
export type FormTemplateId = (typeof formTemplateIds)[number];

export function isFormTemplateId(id: string): id is FormTemplateId {
  return (formTemplateIds as readonly string[]).includes(id);
}

export const text = z.string().trim().min(1);
export const optionalText = z
  .string()
  .trim()
  .nullish()
  .transform((s) => (s ? s : undefined));
export const fen = z.int().min(0);
export const sealType = z.enum(["official", "contract"]);

/** Who runs the programme, as printed in the header and the footer. */
export const programmeSchema = z.object({
  name: text,
  caName: text,
  platformName: optionalText,
  agentName: optionalText,
  contact: z.object({ phone: text, hours: optionalText }).optional(),
  /** Bank transfer details printed on forms of programmes paid by transfer. */
  payment: z
    .object({
      account: z.object({ bank: text, accountName: text, accountNumber: text }),
      instructions: optionalText,
    })
    .optional(),
});
export type FormProgramme = z.input<typeof programmeSchema>;

/** What the programme says about this material. */
export const materialSchema = z.object({
  /** The material's name, printed as the title; each form has its usual title otherwise. */
  title: optionalText,
  /** Fields written by hand, by their Chinese names (授权日期, 经办人签字, …). */
  handwrittenFields: z.array(text).default([]),
  /** Numbered instructions printed at the end of the form. */
  instructions: z.array(text).default([]),
  /** The seal types whose imprint the seal form accepts. */
  sealTypes: z.array(sealType).optional(),
});
export type FormMaterial = z.input<typeof materialSchema>;

export const organisationSchema = z.object({ name: text, uscc: text, address: optionalText });
export const personSchema = z.object({
  name: text,
  idNumber: optionalText,
  mobile: optionalText,
  email: optionalText,
});
export const bankAccountSchema = z.object({ accountName: text, bank: text, accountNumber: text });

export const common = {
  programme: programmeSchema,
  material: materialSchema.prefault({}),
  organisation: organisationSchema,
  handler: personSchema,
};

export const certificateApplicationSchema = z.object({
  ...common,
  order: z.object({
    number: text,
    serviceName: text,
    /** The term bought; absent for a change or reissue, which keep the original validity. */
    years: z.int().min(1).optional(),
    /** The end of the original validity (change, reissue), as printed: 2027-05-01. */
    validUntil: optionalText,
    totalFen: fen,
    platformAccount: optionalText,
  }),
  seal: z
    .object({ requested: z.boolean(), name: optionalText, type: sealType.optional() })
    .prefault({ requested: false }),
});
export type CertificateApplicationData = z.input<typeof certificateApplicationSchema>;

export const sealApplicationSchema = z.object({
  ...common,
  order: z.object({ number: text, serviceName: text, platformAccount: optionalText }),
  seal: z.object({ name: text, type: sealType }),
});
export type SealApplicationData = z.input<typeof sealApplicationSchema>;

export const enterpriseCertificateApplicationSchema = z.object({
  ...common,
  order: z.object({
    number: text,
    serviceName: optionalText,
    /** The number of certificates (keys) applied for. */
    keys: z.int().min(1),
    planName: text,
    years: z.int().min(1),
    unitPriceFen: fen.optional(),
    totalFen: fen,
  }),
  /** The person the agent contacts about the application. */
  contact: personSchema,
  mailingAddress: z.object({ recipient: text, phone: text, address: text, postcode: optionalText }),
});
export type EnterpriseCertificateApplicationData = z.input<typeof enterpriseCertificateApplicationSchema>;

export const authorisationLetterSchema = z.object({
  ...common,
  order: z.object({ number: text, serviceName: optionalText }),
  /** What the handler is authorised to do; a default covering applications is printed otherwise. */
  scope: optionalText,
});
export type AuthorisationLetterData = z.input<typeof authorisationLetterSchema>;

export const refundApplicationSchema = z.object({
  ...common,
  /** The refund's own order. */
  order: z.object({ number: text, serviceName: optionalText }),
  refund: z.object({
    /** The order whose payment is refunded. */
    orderNumber: text,
    serviceName: optionalText,
    paidFen: fen.optional(),
    amountFen: fen,
    reason: text,
    bankAccount: bankAccountSchema,
    /** Whether the key was delivered; unknown leaves both boxes to tick by hand. */
    keyReceived: z.boolean().optional(),
    /** Whether the key is returned with the form. */
    keyReturned: z.boolean().optional(),
  }),
});
export type RefundApplicationData = z.input<typeof refundApplicationSchema>;

export const schemas = {
  "certificate-application": certificateApplicationSchema,
  "seal-application": sealApplicationSchema,
  "enterprise-certificate-application": enterpriseCertificateApplicationSchema,
  "authorisation-letter": authorisationLetterSchema,
  "refund-application": refundApplicationSchema,
} as const satisfies Record<FormTemplateId, z.ZodType>;

export interface FormDataByTemplate {
  "certificate-application": CertificateApplicationData;
  "seal-application": SealApplicationData;
  "enterprise-certificate-application": EnterpriseCertificateApplicationData;
  "authorisation-letter": AuthorisationLetterData;
  "refund-application": RefundApplicationData;
}

export function parse<T extends FormTemplateId>(template: T, data: unknown): z.output<(typeof schemas)[T]> {
  const result = schemas[template].safeParse(data);
  if (!result.success) {
    const detail = result.error.issues
      .map((i) => `${i.path.map(String).join(".") || "(data)"}: ${i.message}`)
      .join("; ");
    throw new DomainError("documents.form_data_invalid", { template, detail });
  }
  return result.data as z.output<(typeof schemas)[T]>;
}
