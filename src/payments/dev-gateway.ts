/**
 * The development payment gateway: it keeps charges in memory, shows a pay page, and on "pay"
 * posts a callback signed with HMAC-SHA256 over the raw body to the desk's callback URL, as real
 * gateways do. It is the only place that signs; the desk only verifies (readCallback).
 */
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import type { ChargeRequest, PaymentGateway, PaymentNotice } from "./port.js";

export const SIGNATURE_HEADER = "x-gateway-signature";

export interface DevCharge extends ChargeRequest {
  state: "open" | "paid" | "failed";
}

export class DevPaymentGateway implements PaymentGateway {
  readonly name = "dev";
  readonly charges = new Map<string, DevCharge>();

  constructor(
    private readonly secret: string,
    private readonly publicUrl: string,
    private readonly send: (url: string, body: string, signature: string) => Promise<void> = postCallback,
  ) {}

  async createCharge(request: ChargeRequest): Promise<{ payUrl: string }> {
    this.charges.set(request.tradeNo, { ...request, state: "open" });
    return { payUrl: `${this.publicUrl}/dev-gateway/pay/${encodeURIComponent(request.tradeNo)}` };
  }

  sign(body: string): string {
    return createHmac("sha256", this.secret).update(body).digest("hex");
  }

  readCallback(rawBody: string, signature: string | undefined): PaymentNotice | undefined {
    if (!signature || !/^[0-9a-f]{64}$/.test(signature)) return undefined;
    const expected = Buffer.from(this.sign(rawBody), "hex");
    if (!timingSafeEqual(expected, Buffer.from(signature, "hex"))) return undefined;
    const body = JSON.parse(rawBody) as {
      tradeNo: string;
      status: PaymentNotice["status"];
      amountFen: number;
      paidAt: string;
      gatewayRef: string;
    };
    return {
      tradeNo: body.tradeNo,
      status: body.status,
      amountFen: body.amountFen,
      paidAt: new Date(body.paidAt),
      gatewayRef: body.gatewayRef,
    };
  }

  /** What the payer does on the pay page; the callback goes out as a real gateway's would. */
  async settle(tradeNo: string, outcome: "succeeded" | "failed", at: Date): Promise<PaymentNotice> {
    const charge = this.charges.get(tradeNo);
    if (!charge) throw new Error(`unknown charge ${tradeNo}`);
    charge.state = outcome === "succeeded" ? "paid" : "failed";
    const notice = {
      tradeNo,
      status: outcome,
      amountFen: charge.amountFen,
      paidAt: at.toISOString(),
      gatewayRef: `DEV${randomUUID().replaceAll("-", "").slice(0, 20)}`,
    };
    const body = JSON.stringify(notice);
    await this.send(`${this.publicUrl}/api/payments/callback/dev`, body, this.sign(body));
    return { ...notice, paidAt: at };
  }
}

async function postCallback(url: string, body: string, signature: string): Promise<void> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", [SIGNATURE_HEADER]: signature },
    body,
  });
  if (!response.ok) throw new Error(`callback refused: ${response.status} ${await response.text()}`);
}
