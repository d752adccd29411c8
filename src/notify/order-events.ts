/**
 * What the applicant is told when its order moves: called by the order lifecycle (applyEvent in
 * orders/orders.ts) inside the transaction that makes the move, so the message and the move
 * commit together. The order's version makes each move's message unique.
 */
import type { Transaction } from "kysely";
import type { OrderEvent } from "../domain/lifecycle.js";
import type { Programme } from "../domain/programme.js";
import type { Database, OrderRow } from "../store/schema.js";
import { enqueue, userRecipient } from "./outbox.js";
import { localizedParam, yuan, type TemplateName, type TemplateParams } from "./templates.js";

const EVENT_TEMPLATES: Partial<Record<OrderEvent, TemplateName>> = {
  submit: "order-submitted",
  reject: "order-rejected",
  pay: "order-paid",
  approve: "order-approved",
  ship: "order-shipped",
  expire: "order-expired",
};

export async function notifyOrderEvent(
  tx: Transaction<Database>,
  input: {
    programme: Programme;
    order: OrderRow;
    event: OrderEvent;
    reason?: string | null | undefined;
    data?: Record<string, unknown> | undefined;
    now: Date;
  },
): Promise<void> {
  const { programme, order, event, now } = input;
  const template = EVENT_TEMPLATES[event];
  if (!template) return;
  const to = await userRecipient(tx, order.applicant_id);
  if (!to) return;
  const service = programme.services[order.service as keyof Programme["services"]]?.name ?? {
    "zh-CN": order.service,
    en: order.service,
  };
  const params: TemplateParams = { number: order.number, ...localizedParam("service", service) };
  if (template === "order-rejected") params.reason = input.reason ?? "";
  if (template === "order-paid") params.amount = yuan(order.total_fen);
  if (template === "order-shipped") {
    params.carrier = String(input.data?.carrier ?? "");
    params.trackingNumber = String(input.data?.trackingNumber ?? "");
  }
  await enqueue(
    tx,
    {
      kind: "order",
      template,
      params,
      subject: { type: "order", id: order.id },
      dedupeKey: `order:${order.id}:v${order.version}:${event}`,
      to,
    },
    now,
  );
}
