import { sql } from "kysely";
import { z } from "zod";
import { shanghaiDate, calendarDate } from "../../domain/dates.js";
import { DomainError } from "../../domain/errors.js";
import { validateMobile, validateResidentId, validateUscc } from "../../domain/validators.js";
import { translate } from "../../i18n/catalogue.js";
import { quoteFor } from "../../orders/orders.js";
import { certificateEligibility, isTimedService } from "../../orders/eligibility.js";
import { getProgramme, listProgrammes } from "../../orders/programmes.js";
import type { AppDeps, ZApp } from "../app.js";
import { orderDetailsSchema, quoteSchema } from "../schemas.js";
import { actorOf } from "../session.js";

export function registerPublicRoutes(app: ZApp, deps: AppDeps): void {
  app.get(
    "/api/health",
    {
      config: { action: "desk.health" },
      schema: {
        tags: ["public"],
        response: { 200: z.object({ status: z.literal("ok"), time: z.string() }) },
      },
    },
    async () => {
      // Healthy means the database answers: while it does not, this is the mapper's 503.
      await sql`select 1`.execute(deps.db);
      return { status: "ok" as const, time: deps.clock.now().toISOString() };
    },
  );

  app.get(
    "/api/programmes",
    {
      config: { action: "programme.read" },
      schema: { tags: ["public"], summary: "Programmes with their services, tariff, rules and materials" },
    },
    async () => listProgrammes(deps.db),
  );

  app.get(
    "/api/programmes/:id",
    {
      config: { action: "programme.read" },
      schema: { tags: ["public"], params: z.object({ id: z.string() }) },
    },
    async (req) => getProgramme(deps.db, req.params.id),
  );

  app.get(
    "/api/uploads/limits",
    {
      config: { action: "programme.read" },
      schema: {
        tags: ["public"],
        summary: "The largest file an upload takes, so a browser refuses a bigger one before sending it",
        response: { 200: z.object({ maxBytes: z.number().int(), maxMb: z.number().int() }) },
      },
    },
    async () => ({
      maxBytes: deps.uploadLimitBytes,
      maxMb: Math.floor(deps.uploadLimitBytes / 1048576),
    }),
  );

  app.post(
    "/api/quote",
    {
      config: { action: "quote.compute" },
      schema: {
        tags: ["public"],
        summary: "An itemised quote in fen",
        body: z.object({
          programmeId: z.string(),
          service: z.string(),
          years: z.number().int().optional(),
          keys: z.number().int().optional(),
          plan: z.string().optional(),
          coveredByPlan: z.string().optional(),
          keyPlans: z
            .array(z.string().nullable())
            .max(100)
            .optional()
            .describe("a single service on several keys: each key's plan (null: not known)"),
          courier: z.enum(["prepaid", "cash-on-delivery"]).optional(),
          lines: orderDetailsSchema.shape.lines,
          certificateId: z
            .uuid()
            .optional()
            .describe(
              "renewal, change, reissue, seal services: the signed-in organisation's certificate, checked as the order would be (the renewal window, expiry, revocation)",
            ),
        }),
        response: { 200: quoteSchema },
      },
    },
    async (req) => {
      const { programmeId, service, coveredByPlan, keyPlans, certificateId, ...details } = req.body;
      const programme = await getProgramme(deps.db, programmeId);
      if (certificateId && isTimedService(service)) {
        const actor = actorOf(req);
        if (actor.kind !== "applicant") throw new DomainError("auth.forbidden");
        const today = shanghaiDate(deps.clock.now());
        await certificateEligibility(deps, actor, programme, service, certificateId, today);
      }
      const coverage = keyPlans ? keyPlans.map((p) => p ?? undefined) : coveredByPlan;
      return quoteFor(programme, service, details, coverage);
    },
  );

  app.get(
    "/api/calendar/add-working-days",
    {
      config: { action: "calendar.read" },
      schema: {
        tags: ["public"],
        querystring: z.object({ date: z.string(), n: z.coerce.number().int().min(0).max(1000) }),
        response: { 200: z.object({ date: z.string() }) },
      },
    },
    async (req) => ({ date: deps.calendar.addWorkingDays(parseDate(req.query.date), req.query.n) }),
  );
  app.get(
    "/api/calendar/is-working-day",
    {
      config: { action: "calendar.read" },
      schema: {
        tags: ["public"],
        querystring: z.object({ date: z.string().optional() }),
        response: { 200: z.object({ date: z.string(), workingDay: z.boolean() }) },
      },
    },
    async (req) => {
      const date = req.query.date ? parseDate(req.query.date) : shanghaiDate(deps.clock.now());
      return { date, workingDay: deps.calendar.isWorkingDay(date) };
    },
  );

  app.post(
    "/api/validate/:kind",
    {
      config: { action: "identity.validate" },
      schema: {
        tags: ["public"],
        params: z.object({ kind: z.enum(["uscc", "id", "mobile"]) }),
        body: z.object({ value: z.string().max(64) }),
        response: {
          200: z.object({
            valid: z.boolean(),
            value: z.string().optional(),
            reason: z.string().optional(),
            code: z.string().optional(),
          }),
        },
      },
    },
    async (req) => {
      const v = req.body.value;
      const result =
        req.params.kind === "uscc"
          ? validateUscc(v)
          : req.params.kind === "id"
            ? validateResidentId(v, shanghaiDate(deps.clock.now()))
            : validateMobile(v);
      if (result.valid) return { valid: true, value: result.value };
      return {
        valid: false,
        code: result.reason,
        reason: translate(result.reason, req.locale, result.params),
      };
    },
  );
}

function parseDate(value: string) {
  try {
    return calendarDate(value);
  } catch {
    throw new DomainError("common.validation", { detail: `date ${value} (expected YYYY-MM-DD)` });
  }
}
