/** What an order waits for from its applicant, and where it stands among its service's steps. */
import { currentStepIndex } from "../../../src/domain/lifecycle.js";
import type { Order, Programme, ServiceDefinition } from "../api/types";
import type { MessageKey } from "../i18n";

/** The applicant's next move, or undefined when the desk (or nobody) acts next. */
export function nextActionKey(order: Order, programme: Programme | undefined): MessageKey | undefined {
  switch (order.state) {
    case "draft":
      return "next.draft";
    case "awaiting_payment":
      return programme?.payment.channels.includes("online") ? "next.payOnline" : "next.payTransfer";
    case "rejected":
      return "next.rejected";
    case "awaiting_paper":
      return "next.mailPaper";
    case "shipped":
      return "next.receive";
    default: {
      const def = programme?.services[order.service];
      if (!def) return undefined;
      const at = currentStepIndex(def, order.state);
      const step = at === undefined ? undefined : def.steps[at];
      if (step === "activation") return "next.activate";
      if (step === "binding") return "next.bind";
      return undefined;
    }
  }
}

/** The index of the step under way (steps.length when all are done), or undefined (draft, ended). */
export function stepIndex(def: ServiceDefinition, order: Order): number | undefined {
  return currentStepIndex(def, order.state);
}

const DUE_KINDS = ["refund-payment", "production", "invoice", "review"] as const;

/** The catalogue entry naming a deadline's kind (the server's due.kind). */
export function dueKey(kind: string): MessageKey {
  return (DUE_KINDS as readonly string[]).includes(kind) ? (`due.${kind}` as MessageKey) : "due.other";
}

/** While the desk acts: what it does next, by the order's working-day deadline (order.due). */
export function deskNextKey(order: Order): MessageKey | undefined {
  if (!order.due) return undefined;
  switch (order.due.kind) {
    case "review":
      return order.state === "resubmitted" ? "deskNext.reviewAgain" : "deskNext.review";
    case "production":
      return "deskNext.production";
    case "invoice":
      return "deskNext.invoice";
    case "refund-payment":
      return "deskNext.refund";
    default:
      return undefined;
  }
}
