/** The back office's queues: which orders each holds, who works it, and how it is sorted. */
import type { Order, Programme } from "../api/types";
import type { MessageKey } from "../i18n";

export type StaffRole = "reviewer" | "production" | "finance" | "admin";

/** An order as the staff queues list it: with the organisation it is for. */
export type OfficeOrder = Order & { organisation: { id: string; name: string; uscc: string } | null };

export interface QueueDefinition {
  id: string;
  label: MessageKey;
  role: Exclude<StaffRole, "admin">;
  /** Narrows the server's list (GET /api/office/orders?state=…) when the queue is one state. */
  state?: string;
  holds(order: OfficeOrder, programmes: Map<string, Programme>): boolean;
}

export const QUEUES: QueueDefinition[] = [
  { id: "review", label: "office.queue.review", role: "reviewer", holds: (o) => o.pendingStep === "review" },
  {
    id: "paper",
    label: "office.queue.paper",
    role: "reviewer",
    state: "awaiting_paper",
    holds: (o) => o.state === "awaiting_paper",
  },
  {
    id: "production",
    label: "office.queue.production",
    role: "production",
    holds: (o) => o.pendingStep === "production",
  },
  {
    id: "shipping",
    label: "office.queue.shipping",
    role: "production",
    state: "produced",
    holds: (o) => o.state === "produced",
  },
  {
    id: "payments",
    label: "office.queue.payments",
    role: "finance",
    state: "awaiting_payment",
    holds: (o, programmes) =>
      o.state === "awaiting_payment" &&
      Boolean(programmes.get(o.programmeId)?.payment.channels.includes("bank-transfer")),
  },
  {
    id: "refunds",
    label: "office.queue.refunds",
    role: "finance",
    holds: (o) => o.service === "refund" && o.pendingStep !== null,
  },
];

export function queuesFor(roles: readonly string[]): QueueDefinition[] {
  if (roles.includes("admin")) return QUEUES;
  return QUEUES.filter((q) => roles.includes(q.role));
}

/** Soonest deadline first; orders without one last, oldest first among them. */
export function byDue(a: OfficeOrder, b: OfficeOrder): number {
  const da = a.due?.on;
  const db = b.due?.on;
  if (da && db && da !== db) return da < db ? -1 : 1;
  if (da && !db) return -1;
  if (!da && db) return 1;
  return a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0;
}
