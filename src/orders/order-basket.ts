/**
 * What a basket order holds, for the services that act on it: the lines as priced (each key's plan
 * and term), and the plan a certificate's key was bought on. The prices are domain/basket.ts's.
 */
import type { Kysely } from "kysely";
import { keyTerms, quoteBasket, type BasketLine, type PricedLine } from "../domain/basket.js";
import { DomainError } from "../domain/errors.js";
import type { Programme, ServiceCode } from "../domain/programme.js";
import type { Database, OrderRow } from "../store/schema.js";
import "../store/schema-keys.js";

/** The basket-related part of an order's details. */
export interface BasketDetails {
  years?: number;
  keys?: number;
  plan?: string;
  lines?: BasketLine[];
  certificateId?: string;
  certificateIds?: string[];
}

/**
 * A basket's lines, priced and merged, go into the order's details with the number of keys in all;
 * a basket of one line also names its plan and term, as an order without a basket does.
 */
export function normaliseBasket(programme: Programme, service: ServiceCode, details: BasketDetails): void {
  if (details.lines === undefined) return;
  if (details.years !== undefined || details.plan !== undefined || details.keys !== undefined)
    throw new DomainError("order.basket_and_term");
  const { lines } = quoteBasket(programme, service, details.lines);
  details.lines = lines;
  details.keys = lines.reduce((n, l) => n + l.keys, 0);
  const [only] = lines;
  if (lines.length === 1 && only) {
    details.years = only.years;
    if (only.plan !== undefined) details.plan = only.plan;
  }
}

/** Single services on several keys name each certificate once: the first one also fills certificateId. */
export function normaliseCertificates(details: BasketDetails): string[] {
  const ids = details.certificateIds;
  if (ids === undefined) return details.certificateId ? [details.certificateId] : [];
  const unique = [...new Set(ids)];
  if (unique.length === 0) throw new DomainError("order.certificate_required");
  if (details.certificateId !== undefined && details.certificateId !== unique[0])
    throw new DomainError("order.basket_and_term");
  details.certificateIds = unique;
  details.certificateId = unique[0];
  details.keys = unique.length;
  return unique;
}

/** Position by position, the plan and term each key of a new-certificate order is made with. */
export function keyTermsOfOrder(
  programme: Programme,
  order: Pick<OrderRow, "service" | "details">,
  count: number,
): { plan?: string; years?: number }[] {
  const details = order.details as BasketDetails;
  if (order.service === "new" && details.lines && details.lines.length > 0) {
    const terms = keyTerms(details.lines as PricedLine[]);
    if (terms.length !== count) throw new Error(`order lines hold ${terms.length} keys, not ${count}`);
    return terms;
  }
  const years = order.service === "new" ? (details.years ?? programme.rules.defaultYears) : undefined;
  return Array.from({ length: count }, () => ({
    ...(details.plan !== undefined ? { plan: details.plan } : {}),
    ...(years !== undefined ? { years } : {}),
  }));
}

/**
 * The plan a certificate's key was bought on: the key's own (a basket mixes plans), else what the
 * order that made it says (keys made before keys kept their plan).
 */
export async function planOfCertificate(
  db: Kysely<Database>,
  cert: { id: string; order_id: string | null },
): Promise<string | undefined> {
  const key = await db
    .selectFrom("usb_keys")
    .select("plan")
    .where("certificate_id", "=", cert.id)
    .where("plan", "is not", null)
    .executeTakeFirst();
  if (key?.plan) return key.plan;
  if (!cert.order_id) return undefined;
  const order = await db
    .selectFrom("orders")
    .select("details")
    .where("id", "=", cert.order_id)
    .executeTakeFirst();
  const details = order?.details as BasketDetails | undefined;
  // A basket's order names no single plan: only its keys say which.
  return details?.lines && details.lines.length > 1 ? undefined : details?.plan;
}
