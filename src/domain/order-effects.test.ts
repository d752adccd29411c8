import { describe, expect, it } from "vitest";
import { nextState, type ServiceFlow } from "./lifecycle.js";
import { transitionEffects } from "./order-effects.js";

const refund: ServiceFlow = { steps: ["review", "fulfilment"] };
const unlock: ServiceFlow = { steps: ["review", "fulfilment"] };
const powerTradingNew: ServiceFlow = { steps: ["review", "payment", "production", "shipping"] };

describe("the effects of an order's transition", () => {
  it("a refund order paid back: check the money went back, then refund the target order, then complete", () => {
    const to = nextState(refund, "approved", "fulfil");
    expect(
      transitionEffects({ service: "refund", event: "fulfil", to, flow: refund, targetOrderId: "o-1" }),
    ).toEqual([
      { kind: "notify" },
      { kind: "assert-refund-paid-back" },
      { kind: "refund-target", orderId: "o-1" },
      { kind: "complete" },
    ]);
  });

  it("an order refunded: its certificates are revoked (which unbinds their accounts); it does not complete", () => {
    expect(
      transitionEffects({
        service: "new",
        event: "refund",
        to: "refunded",
        flow: powerTradingNew,
        targetOrderId: null,
      }),
    ).toEqual([{ kind: "notify" }, { kind: "revoke-certificates", reason: "cessationOfOperation" }]);
  });

  it("a step that is not the last: the applicant is told, nothing else", () => {
    const to = nextState(unlock, "submitted", "approve");
    expect(
      transitionEffects({ service: "unlock", event: "approve", to, flow: unlock, targetOrderId: null }),
    ).toEqual([{ kind: "notify" }]);
  });

  it("an unlock fulfilled: its last step, so it completes; no refund effects without a refund", () => {
    const to = nextState(unlock, "approved", "fulfil");
    expect(
      transitionEffects({ service: "unlock", event: "fulfil", to, flow: unlock, targetOrderId: null }),
    ).toEqual([{ kind: "notify" }, { kind: "complete" }]);
  });
});
