/**
 * The order lifecycle: one state machine for every service, defined here and nowhere else.
 *
 * A programme lists, per service, the steps an order goes through (programme A pays before the CA
 * reviews; programme B's agent reviews before payment). The machine is derived from those steps:
 *
 *   - the order rests in the state named for the last thing that happened (paid, approved,
 *     paper_received, produced, delivered, activated, bound, fulfilled), and the next step's
 *     queue picks it up from there;
 *   - when the customer must act next, it rests in a waiting state instead (awaiting_payment,
 *     awaiting_paper), so that the customer's to-do list is a plain state filter;
 *   - inside a step it may pass through under_review, rejected, resubmitted, in_production, shipped;
 *   - when the last step is done the order is completed.
 *
 * Off the main line: cancel (only before any payment), expire (unpaid), refund (after payment,
 * even once completed, when the refund rule allows it; the rule lives in rules.ts).
 */
import { DomainError } from "./errors.js";

export const STEPS = [
  "review",
  "payment",
  "paper",
  "production",
  "shipping",
  "activation",
  "binding",
  "fulfilment",
] as const;
export type Step = (typeof STEPS)[number];

export const ORDER_STATES = [
  "draft",
  "submitted",
  "awaiting_payment",
  "paid",
  "under_review",
  "rejected",
  "resubmitted",
  "approved",
  "awaiting_paper",
  "paper_received",
  "in_production",
  "produced",
  "shipped",
  "delivered",
  "activated",
  "bound",
  "fulfilled",
  "completed",
  "cancelled",
  "expired",
  "refunded",
] as const;
export type OrderState = (typeof ORDER_STATES)[number];

export const ORDER_EVENTS = [
  "submit",
  "pay",
  "start_review",
  "approve",
  "reject",
  "resubmit",
  "receive_paper",
  "start_production",
  "finish_production",
  "ship",
  "deliver",
  "activate",
  "bind",
  "fulfil",
  "complete",
  "cancel",
  "expire",
  "refund",
] as const;
export type OrderEvent = (typeof ORDER_EVENTS)[number];

export const TERMINAL_STATES: readonly OrderState[] = ["completed", "cancelled", "expired", "refunded"];

/** The state an order rests in once a step is done. */
const DONE_STATE: Record<Step, OrderState> = {
  review: "approved",
  payment: "paid",
  paper: "paper_received",
  production: "produced",
  shipping: "delivered",
  activation: "activated",
  binding: "bound",
  fulfilment: "fulfilled",
};

/** Steps that wait for the customer get a state of their own, so the customer sees what to do. */
const WAITING_STATE: Partial<Record<Step, OrderState>> = {
  payment: "awaiting_payment",
  paper: "awaiting_paper",
};

/** States that belong to a step while it is under way. */
const IN_STEP_STATES: Record<Step, readonly OrderState[]> = {
  review: ["under_review", "rejected", "resubmitted"],
  payment: ["awaiting_payment"],
  paper: ["awaiting_paper"],
  production: ["in_production"],
  shipping: ["shipped"],
  activation: [],
  binding: [],
  fulfilment: [],
};

/**
 * Which events move each step, from where, to where. "entry" is the state the order arrived in
 * (the previous step's done state, or the step's waiting state); "done" hands over to the next step.
 */
type From = "entry" | OrderState;
const STEP_EVENTS: Record<Step, Partial<Record<OrderEvent, { from: From[]; to: OrderState | "done" }>>> = {
  review: {
    start_review: { from: ["entry", "resubmitted"], to: "under_review" },
    approve: { from: ["entry", "under_review", "resubmitted"], to: "done" },
    reject: { from: ["entry", "under_review", "resubmitted"], to: "rejected" },
    resubmit: { from: ["rejected"], to: "resubmitted" },
  },
  payment: { pay: { from: ["entry"], to: "done" } },
  paper: { receive_paper: { from: ["entry"], to: "done" } },
  production: {
    start_production: { from: ["entry"], to: "in_production" },
    finish_production: { from: ["in_production"], to: "done" },
  },
  shipping: {
    ship: { from: ["entry"], to: "shipped" },
    deliver: { from: ["shipped"], to: "done" },
  },
  activation: { activate: { from: ["entry"], to: "done" } },
  binding: { bind: { from: ["entry"], to: "done" } },
  fulfilment: { fulfil: { from: ["entry"], to: "done" } },
};

export interface ServiceFlow {
  steps: readonly Step[];
}

export interface Transition {
  from: OrderState;
  event: OrderEvent;
  to: OrderState;
}

/**
 * Where an order in `state` stands: the index of the step under way (or next), steps.length when
 * every step is done. Undefined for draft and terminal states.
 */
export function currentStepIndex(flow: ServiceFlow, state: OrderState): number | undefined {
  if (state === "draft" || TERMINAL_STATES.includes(state)) return undefined;
  if (state === "submitted") return 0;
  for (let i = 0; i < flow.steps.length; i++) {
    const step = flow.steps[i]!;
    if (IN_STEP_STATES[step].includes(state)) return i;
    if (DONE_STATE[step] === state) return i + 1;
  }
  return undefined;
}

/**
 * Whether the order's paper originals are still to arrive: its service has a paper step, the
 * order has not ended, and staff have not recorded the paper received. While so, the applicant
 * may give (and correct) the courier's waybill number.
 */
export function paperStillToArrive(flow: ServiceFlow, state: OrderState): boolean {
  const paperAt = flow.steps.indexOf("paper");
  if (paperAt < 0 || TERMINAL_STATES.includes(state)) return false;
  if (state === "draft") return true;
  const at = currentStepIndex(flow, state);
  return at !== undefined && at <= paperAt;
}

/** The state an order rests in when it arrives at step index i (i may be steps.length: all done). */
function arrivalState(flow: ServiceFlow, i: number, doneState: OrderState): OrderState {
  const next = flow.steps[i];
  return (next && WAITING_STATE[next]) ?? doneState;
}

function paymentAt(flow: ServiceFlow): number {
  return flow.steps.indexOf("payment");
}

/** True when the order has passed its payment step (or the service has none and it was submitted). */
export function paymentMade(flow: ServiceFlow, state: OrderState): boolean {
  if (state === "refunded") return true;
  const paymentAt = flow.steps.indexOf("payment");
  const at = currentStepIndex(flow, state);
  if (paymentAt < 0 || at === undefined) return false;
  return at > paymentAt;
}

/**
 * The one transition function. Returns the next state, or throws order.illegal_transition with
 * the state and event so callers (API, CLI, jobs) report it the same way.
 */
export function nextState(flow: ServiceFlow, state: OrderState, event: OrderEvent): OrderState {
  const to = tryNextState(flow, state, event);
  if (!to) throw new DomainError("order.illegal_transition", { state, event });
  return to;
}

export function tryNextState(
  flow: ServiceFlow,
  state: OrderState,
  event: OrderEvent,
): OrderState | undefined {
  // A completed order may still be refunded when the refund rule allows it (a programme whose
  // orders complete on delivery, before activation); the rule, not the state, decides.
  if (state === "completed" && event === "refund") return paymentAt(flow) >= 0 ? "refunded" : undefined;
  if (TERMINAL_STATES.includes(state)) return undefined;
  if (state === "draft") {
    if (event === "submit") return flow.steps.length === 0 ? "completed" : arrivalState(flow, 0, "submitted");
    if (event === "cancel") return "cancelled";
    return undefined;
  }
  const at = currentStepIndex(flow, state);
  if (at === undefined) return undefined;

  switch (event) {
    case "cancel":
      return paymentMade(flow, state) || flow.steps.slice(0, at).some((s) => s === "production")
        ? undefined
        : "cancelled";
    case "expire":
      return state === "awaiting_payment" ? "expired" : undefined;
    case "refund":
      return paymentMade(flow, state) ? "refunded" : undefined;
    case "complete":
      return at === flow.steps.length ? "completed" : undefined;
    default:
      break;
  }

  const step = flow.steps[at];
  if (!step) return undefined;
  const rule = STEP_EVENTS[step][event];
  if (!rule) return undefined;
  const atEntry = !IN_STEP_STATES[step].includes(state) || WAITING_STATE[step] === state;
  if (!rule.from.includes(state) && !(atEntry && rule.from.includes("entry"))) return undefined;
  if (rule.to !== "done") return rule.to;
  return arrivalState(flow, at + 1, DONE_STATE[step]);
}

/** The step whose work an event does, for queue names and deadlines. */
export function stepOfEvent(event: OrderEvent): Step | undefined {
  return STEPS.find((s) => event in STEP_EVENTS[s]);
}

/** The step an order is waiting on (for queues), or undefined when it waits on nothing. */
export function pendingStep(flow: ServiceFlow, state: OrderState): Step | undefined {
  const at = currentStepIndex(flow, state);
  return at === undefined ? undefined : flow.steps[at];
}

/** Every legal transition of a flow, for documentation, the back office's diagram and tests. */
export function transitionsOf(flow: ServiceFlow): Transition[] {
  const out: Transition[] = [];
  for (const from of ORDER_STATES) {
    for (const event of ORDER_EVENTS) {
      const to = tryNextState(flow, from, event);
      if (to) out.push({ from, event, to });
    }
  }
  return out;
}

export function isOrderState(value: string): value is OrderState {
  return (ORDER_STATES as readonly string[]).includes(value);
}
