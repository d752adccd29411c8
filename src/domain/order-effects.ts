/**
 * What an order's transition sets off beyond its own row, decided here from the lifecycle alone
 * (pure). The one runner, orders/transitions.ts runEffects, carries each effect out by calling the
 * capability that owns it; those modules never call back into orders.
 */
import {
  currentStepIndex,
  TERMINAL_STATES,
  type OrderEvent,
  type OrderState,
  type ServiceFlow,
} from "./lifecycle.js";

export type OrderEffect =
  /** The applicant hears of the move from the outbox (notify/order-events.ts). */
  | { kind: "notify" }
  /** A refund order completes only once its money has gone back (money/refund-checks.ts). */
  | { kind: "assert-refund-paid-back" }
  /** The order a refund refunds ends as refunded, in the same transaction. */
  | { kind: "refund-target"; orderId: string }
  /** The order's certificates are revoked, which unbinds their platform accounts (ca/revocation.ts). */
  | { kind: "revoke-certificates"; reason: "cessationOfOperation" }
  /** Every step done: the order completes. */
  | { kind: "complete" };

export function transitionEffects(input: {
  service: string;
  event: OrderEvent;
  to: OrderState;
  flow: ServiceFlow;
  targetOrderId: string | null;
}): OrderEffect[] {
  const effects: OrderEffect[] = [{ kind: "notify" }];
  // A refund paid back ends the order it refunds.
  if (input.service === "refund" && input.event === "fulfil" && input.targetOrderId) {
    effects.push(
      { kind: "assert-refund-paid-back" },
      { kind: "refund-target", orderId: input.targetOrderId },
    );
  }
  // A refunded order's certificates end with it: the key was never activated and comes back.
  if (input.event === "refund") effects.push({ kind: "revoke-certificates", reason: "cessationOfOperation" });
  if (
    !TERMINAL_STATES.includes(input.to) &&
    currentStepIndex(input.flow, input.to) === input.flow.steps.length
  )
    effects.push({ kind: "complete" });
  return effects;
}
