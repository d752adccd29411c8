/**
 * The payment port. A real provider (a bank or payment company) plugs in behind it; the
 * development gateway (dev-gateway.ts) behaves like one: a pay page to redirect to, and
 * asynchronous callbacks signed with a shared secret, which may come more than once.
 */
export interface ChargeRequest {
  tradeNo: string;
  orderNumber: string;
  amountFen: number;
  description: string;
  returnUrl: string;
}

export interface PaymentNotice {
  tradeNo: string;
  status: "succeeded" | "failed";
  amountFen: number;
  paidAt: Date;
  gatewayRef: string;
}

export interface PaymentGateway {
  readonly name: string;
  /** Registers the charge with the provider and returns where to send the payer. */
  createCharge(request: ChargeRequest): Promise<{ payUrl: string }>;
  /** Checks a callback's signature and reads it; undefined when the signature is not valid. */
  readCallback(rawBody: string, signature: string | undefined): PaymentNotice | undefined;
}
