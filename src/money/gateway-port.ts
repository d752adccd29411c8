/**
 * The payment port. A real provider (a bank or payment company) plugs in behind it; the
 * development gateway (dev-gateway.ts) behaves like one: a pay page to redirect to, asynchronous
 * callbacks signed with a shared secret that may come more than once, late, out of order or not
 * at all; a query API the desk asks when a callback does not come; refunds to the original payer,
 * confirmed by a signed callback of their own.
 */
export interface ChargeRequest {
  tradeNo: string;
  orderNumber: string;
  amountFen: number;
  description: string;
  returnUrl: string;
}

export interface PaymentNotice {
  kind: "payment";
  tradeNo: string;
  status: "succeeded" | "failed";
  amountFen: number;
  paidAt: Date;
  gatewayRef: string;
  failureReason?: string | undefined;
}

export interface RefundNotice {
  kind: "refund";
  refundNo: string;
  tradeNo: string;
  status: "succeeded" | "failed";
  amountFen: number;
  refundedAt: Date;
  gatewayRef: string;
  failureReason?: string | undefined;
}

export type GatewayNotice = PaymentNotice | RefundNotice;

/** What the gateway knows of a charge: open (not paid yet), succeeded, failed (may still be paid), closed. */
export interface ChargeStatus {
  tradeNo: string;
  status: "open" | "succeeded" | "failed" | "closed" | "unknown";
  amountFen: number;
  paidAt?: Date | undefined;
  gatewayRef?: string | undefined;
}

export interface RefundRequest {
  tradeNo: string;
  /** The desk's number for this refund: the gateway refunds each number once. */
  refundNo: string;
  amountFen: number;
  reason: string;
}

export interface RefundStatus {
  refundNo: string;
  status: "processing" | "succeeded" | "failed" | "unknown";
  amountFen: number;
  refundedAt?: Date | undefined;
  gatewayRef?: string | undefined;
}

export interface PaymentGateway {
  readonly name: string;
  /** Registers the charge with the provider and returns where to send the payer. */
  createCharge(request: ChargeRequest): Promise<{ payUrl: string }>;
  /** Checks a callback's signature and reads it; undefined when the signature is not valid. */
  readCallback(rawBody: string, signature: string | undefined): GatewayNotice | undefined;
  /** Asks the provider how a charge stands (when its callback is late or lost). */
  queryCharge(tradeNo: string): Promise<ChargeStatus>;
  /** Closes an unpaid charge so it can no longer be paid; answers how it stands afterwards. */
  closeCharge(tradeNo: string): Promise<ChargeStatus>;
  /** Pays money back to the original payer; idempotent per refundNo. The outcome comes by callback. */
  refund(request: RefundRequest): Promise<{ accepted: boolean }>;
  queryRefund(refundNo: string): Promise<RefundStatus>;
}

/** A desk whose programmes take no online payment: every online operation is refused. */
export const noPaymentGateway: PaymentGateway = {
  name: "none",
  createCharge: () => Promise.reject(new Error("no online payment gateway is configured")),
  readCallback: () => undefined,
  queryCharge: async (tradeNo) => ({ tradeNo, status: "unknown", amountFen: 0 }),
  closeCharge: async (tradeNo) => ({ tradeNo, status: "unknown", amountFen: 0 }),
  refund: async () => ({ accepted: false }),
  queryRefund: async (refundNo) => ({ refundNo, status: "unknown", amountFen: 0 }),
};
