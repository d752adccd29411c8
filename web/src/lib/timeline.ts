/** An order's audit trail as lines a person reads: what happened, when, by whom, with its facts. */
import type { AuditEntry, Material } from "../api/types";
import type { I18n, MessageKey } from "../i18n";
import { yuan } from "./format";

export interface TimelineLine {
  key: string;
  at: string;
  title: string;
  actor: string;
  toState: string | null;
  details: string[];
  tone: "normal" | "good" | "bad";
}

const KNOWN = new Set([
  "order.create",
  "order.submit",
  "order.resubmit",
  "order.cancel",
  "order.pay",
  "order.start_review",
  "order.approve",
  "order.reject",
  "order.receive_paper",
  "order.start_production",
  "order.finish_production",
  "order.ship",
  "order.deliver",
  "order.activate",
  "order.bind",
  "order.fulfil",
  "order.complete",
  "order.expire",
  "order.refund",
  "payment.start",
  "payment.succeeded",
  "payment.failed",
  "payment.needs_refund",
  "material.upload",
]);

export function actionKey(action: string): MessageKey {
  return KNOWN.has(action) ? (`audit.${action}` as MessageKey) : "audit.other";
}

export function actorText(actor: string, myUserId: string, t: I18n["t"]): string {
  const [kind, id] = actor.split(":", 2);
  if (kind === "applicant") return id === myUserId ? t("actor.you") : t("actor.handler");
  if (kind === "staff") return t("actor.staff");
  return t("actor.system");
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v ? v : undefined);

export function timelineOf(
  entries: AuditEntry[],
  { myUserId, materials, i18n }: { myUserId: string; materials: Material[]; i18n: Pick<I18n, "t" | "loc"> },
): TimelineLine[] {
  const { t, loc } = i18n;
  return entries.map((e) => {
    const details: string[] = [];
    const d = e.data;
    if (e.action === "order.ship") {
      const carrier = str(d.carrier);
      details.push(
        t("timeline.tracking", {
          carrier: carrier === "SF" || carrier === "EMS" ? t(`carrier.${carrier}`) : (carrier ?? ""),
          number: str(d.trackingNumber) ?? "",
        }),
      );
    }
    if (e.action === "order.deliver" && str(d.signedOn))
      details.push(t("timeline.signedOn", { date: str(d.signedOn)! }));
    if (e.action === "material.upload") {
      const m = materials.find((x) => x.id === d.material);
      details.push(m ? loc(m.name) : t("timeline.aMaterial"));
    }
    if ((e.action === "payment.succeeded" || e.action === "payment.start") && typeof d.amountFen === "number")
      details.push(t("timeline.amount", { amount: yuan(d.amountFen) }));
    if (e.action === "order.reject" && Array.isArray(d.items) && d.items.length)
      details.push(t("timeline.itemsToFix", { n: d.items.length }));
    // The desk's automatic decisions carry an English note for the audit; the person reads ours.
    if (e.actor === "system:unlock-auto-approval") details.push(t("timeline.unlockAutoApproved"));
    else if (e.reason) details.push(e.reason);
    const tone = ["order.reject", "order.cancel", "order.expire", "payment.failed"].includes(e.action)
      ? "bad"
      : ["order.complete", "payment.succeeded", "order.approve"].includes(e.action)
        ? "good"
        : "normal";
    return {
      key: e.seq,
      at: e.at,
      title: t(actionKey(e.action)),
      actor: actorText(e.actor, myUserId, t),
      toState: e.toState,
      details,
      tone,
    };
  });
}
