import { describe, expect, it } from "vitest";
import { DomainError } from "./errors.js";
import {
  nextState,
  paymentMade,
  pendingStep,
  transitionsOf,
  tryNextState,
  type OrderEvent,
  type OrderState,
  type ServiceFlow,
} from "./lifecycle.js";

const procurementNew: ServiceFlow = {
  steps: ["payment", "review", "paper", "production", "shipping", "activation", "binding"],
};
const powerTradingNew: ServiceFlow = { steps: ["review", "payment", "production", "shipping"] };
const unlock: ServiceFlow = { steps: ["review", "fulfilment"] };

function walk(flow: ServiceFlow, events: OrderEvent[]): OrderState[] {
  const seen: OrderState[] = [];
  let state: OrderState = "draft";
  for (const e of events) {
    state = nextState(flow, state, e);
    seen.push(state);
  }
  return seen;
}

describe("order lifecycle", () => {
  it("programme A new application: pay first, then review, paper, production, shipping, activation, binding", () => {
    expect(
      walk(procurementNew, [
        "submit",
        "pay",
        "reject",
        "resubmit",
        "approve",
        "receive_paper",
        "start_production",
        "finish_production",
        "ship",
        "deliver",
        "activate",
        "bind",
        "complete",
      ]),
    ).toEqual([
      "awaiting_payment",
      "paid",
      "rejected",
      "resubmitted",
      "awaiting_paper",
      "paper_received",
      "in_production",
      "produced",
      "shipped",
      "delivered",
      "activated",
      "bound",
      "completed",
    ]);
  });

  it("programme B new application: the agent reviews before payment, then keys are made and mailed", () => {
    expect(
      walk(powerTradingNew, [
        "submit",
        "start_review",
        "approve",
        "pay",
        "start_production",
        "finish_production",
        "ship",
        "deliver",
        "complete",
      ]),
    ).toEqual([
      "submitted",
      "under_review",
      "awaiting_payment",
      "paid",
      "in_production",
      "produced",
      "shipped",
      "delivered",
      "completed",
    ]);
  });

  it("refuses an event out of order with a stable code carrying state and event", () => {
    const err = (() => {
      try {
        nextState(procurementNew, "awaiting_payment", "approve");
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({
      code: "order.illegal_transition",
      params: { state: "awaiting_payment", event: "approve" },
    });
  });

  it("completes only when the last step is done", () => {
    expect(tryNextState(procurementNew, "activated", "complete")).toBeUndefined();
    expect(tryNextState(procurementNew, "bound", "complete")).toBe("completed");
  });

  it("cancels before payment only; after payment the way out is a refund", () => {
    expect(tryNextState(procurementNew, "awaiting_payment", "cancel")).toBe("cancelled");
    expect(tryNextState(procurementNew, "paid", "cancel")).toBeUndefined();
    expect(tryNextState(powerTradingNew, "rejected", "cancel")).toBe("cancelled");
    expect(tryNextState(procurementNew, "paid", "refund")).toBe("refunded");
    expect(tryNextState(procurementNew, "awaiting_payment", "refund")).toBeUndefined();
    expect(paymentMade(powerTradingNew, "under_review")).toBe(false);
    expect(paymentMade(procurementNew, "under_review")).toBe(true);
  });

  it("expires only an unpaid order", () => {
    expect(tryNextState(procurementNew, "awaiting_payment", "expire")).toBe("expired");
    expect(tryNextState(procurementNew, "paid", "expire")).toBeUndefined();
  });

  it("terminal states accept nothing, except a refund of a completed paid order", () => {
    for (const s of ["cancelled", "expired", "refunded"] as const) {
      expect(transitionsOf(procurementNew).filter((t) => t.from === s)).toEqual([]);
    }
    expect(transitionsOf(powerTradingNew).filter((t) => t.from === "completed")).toEqual([
      { from: "completed", event: "refund", to: "refunded" },
    ]);
    expect(transitionsOf(unlock).filter((t) => t.from === "completed")).toEqual([]);
  });

  it("a free service with no payment step goes straight to review and cannot be refunded", () => {
    expect(walk(unlock, ["submit", "approve", "fulfil", "complete"])).toEqual([
      "submitted",
      "approved",
      "fulfilled",
      "completed",
    ]);
    expect(tryNextState(unlock, "approved", "refund")).toBeUndefined();
    expect(pendingStep(unlock, "approved")).toBe("fulfilment");
  });

  it("every state a flow can reach is reached from draft, and every reachable non-terminal state has a way out", () => {
    for (const flow of [procurementNew, powerTradingNew, unlock]) {
      const ts = transitionsOf(flow);
      const reachable = new Set<OrderState>(["draft"]);
      let grew = true;
      while (grew) {
        grew = false;
        for (const t of ts) {
          if (reachable.has(t.from) && !reachable.has(t.to)) {
            reachable.add(t.to);
            grew = true;
          }
        }
      }
      for (const s of reachable) {
        if (!["completed", "cancelled", "expired", "refunded"].includes(s)) {
          expect(
            ts.some((t) => t.from === s && t.event !== "cancel" && t.event !== "refund"),
            s,
          ).toBe(true);
        }
      }
      expect(reachable.has("completed")).toBe(true);
    }
  });
});

describe("every service of the demo programmes", () => {
  it("has a path from draft to completed through its own steps, in order", async () => {
    const { readProgrammesFile, demoProgrammesPath } = await import("../store/programme-files.js");
    for (const programme of readProgrammesFile(demoProgrammesPath)) {
      for (const [service, definition] of Object.entries(programme.services)) {
        const flow = { steps: definition!.steps };
        const done: Record<string, OrderEvent[]> = {
          review: ["approve"],
          payment: ["pay"],
          paper: ["receive_paper"],
          production: ["start_production", "finish_production"],
          shipping: ["ship", "deliver"],
          activation: ["activate"],
          binding: ["bind"],
          fulfilment: ["fulfil"],
        };
        const events: OrderEvent[] = ["submit", ...flow.steps.flatMap((s) => done[s]!), "complete"];
        expect(walk(flow, events).at(-1), `${programme.id}/${service}`).toBe("completed");
      }
    }
  });
});
