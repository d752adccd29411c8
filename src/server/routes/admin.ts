/** Administration: programmes, the calendar, the audit chain. */
import { z } from "zod";
import { addCalendarYear } from "../../desk/calendar.js";
import { saveProgramme } from "../../orders/programmes.js";
import { verifyAuditTrail } from "../../desk/audit-anchor.js";
import { verifyAuditChain } from "../../store/audit.js";
import { actorOf, type AppDeps, type ZApp } from "../app.js";

export function registerAdminRoutes(app: ZApp, deps: AppDeps): void {
  app.put(
    "/api/programmes/:id",
    {
      config: { action: "programme.save" },
      schema: {
        tags: ["admin"],
        summary: "Add or replace a programme (validated against the programme schema)",
        params: z.object({ id: z.string() }),
        body: z.record(z.string(), z.unknown()),
      },
    },
    async (req) => {
      const body = { ...req.body, id: req.params.id };
      const { version } = await saveProgramme(deps, actorOf(req), body);
      return { id: req.params.id, version };
    },
  );
  app.post(
    "/api/calendar/years",
    {
      config: { action: "calendar.save" },
      schema: {
        tags: ["admin"],
        summary: "Load a year's working-day calendar (holidays and make-up working days)",
        body: z.record(z.string(), z.unknown()),
      },
    },
    async (req) => addCalendarYear(deps, actorOf(req), req.body),
  );
  app.get(
    "/api/audit/verify",
    {
      config: { action: "audit.verify" },
      schema: {
        tags: ["admin"],
        summary: "Check the audit trail's hash chain against its signed checkpoints and the anchor file",
      },
    },
    async () => {
      const anchor = deps.auditAnchor;
      return anchor ? verifyAuditTrail({ db: deps.db, anchor }) : verifyAuditChain(deps.db);
    },
  );
}
