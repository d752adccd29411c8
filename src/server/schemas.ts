/** Schemas shared by several routes: what the API promises to send back. */
import { z } from "zod";

export const localized = z.object({ "zh-CN": z.string(), en: z.string() });

export const quoteSchema = z.object({
  currency: z.literal("CNY"),
  total: z.number().int().describe("total in fen (1 CNY = 100 fen)"),
  items: z.array(
    z.object({
      code: z.string(),
      label: localized,
      unitPrice: z.number().int(),
      quantity: z.number().int(),
      amount: z.number().int(),
      note: localized.optional(),
    }),
  ),
  term: z.object({ years: z.number(), keys: z.number(), plan: z.string().optional() }).optional(),
});

export const orderSchema = z.object({
  id: z.string(),
  number: z.string(),
  programmeId: z.string(),
  service: z.string(),
  state: z.string(),
  details: z.record(z.string(), z.unknown()),
  quote: quoteSchema,
  totalFen: z.number().int(),
  certificateId: z.string().nullable(),
  targetOrderId: z.string().nullable(),
  rejection: z
    .object({
      reason: z.string(),
      items: z.array(z.object({ target: z.string(), reason: z.string() })),
      at: z.string(),
      onFile: z.record(z.string(), z.string()).optional(),
    })
    .nullable(),
  pendingStep: z.string().nullable(),
  due: z
    .object({
      kind: z.string(),
      on: z.string(),
      remainingWorkingDays: z.number().nullable(),
      overdue: z.boolean(),
    })
    .nullable(),
  paperTracking: z
    .object({ carrier: z.string(), trackingNumber: z.string(), at: z.string() })
    .nullable()
    .describe("the courier and waybill number of the paper originals the applicant mailed"),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const orderDetailsSchema = z
  .object({
    years: z.number().int().min(1).max(10).optional(),
    keys: z.number().int().min(1).max(1000).optional(),
    plan: z.string().max(40).optional(),
    lines: z
      .array(
        z
          .object({
            plan: z.string().max(40).optional(),
            years: z.number().int().min(1).max(10).optional(),
            keys: z.number().int().min(1).max(1000),
          })
          .strict(),
      )
      .min(1)
      .max(20)
      .optional()
      .describe("a basket: lines of plan × term × keys (programme B), instead of years, plan and keys"),
    courier: z.enum(["prepaid", "cash-on-delivery"]).optional(),
    certificateId: z.uuid().optional(),
    certificateIds: z
      .array(z.uuid())
      .min(1)
      .max(100)
      .optional()
      .describe("a single service on several keys: their certificates"),
    targetOrderId: z.uuid().optional(),
    platformAccount: z.string().max(100).optional(),
    sealRequested: z.boolean().optional(),
    sealName: z.string().max(100).optional(),
    sealType: z.string().max(20).optional(),
    newOrganisationName: z.string().max(200).optional(),
    reason: z.string().max(1000).optional(),
    invoice: z
      .object({ title: z.string().max(200), taxNumber: z.string().max(30), email: z.email().optional() })
      .optional(),
    refundAccount: z
      .object({
        accountName: z.string().max(100),
        bank: z.string().max(100),
        accountNumber: z.string().max(40),
      })
      .optional(),
    mailingAddress: z
      .object({ recipient: z.string().max(50), phone: z.string().max(30), address: z.string().max(300) })
      .optional(),
  })
  .strict();

export const okSchema = z.object({ ok: z.literal(true) });
