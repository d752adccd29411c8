/**
 * The pre-filled forms of an order: what the applicant downloads, prints, signs by hand and stamps.
 * The data comes from the order, its organisation and handler, and the programme; the layout from
 * documents/forms.ts.
 */
import type { Kysely } from "kysely";
import { DomainError } from "../domain/errors.js";
import type { Programme, ServiceCode } from "../domain/programme.js";
import { formSources, renderForm } from "../documents/forms.js";
import type { Database } from "../store/schema.js";
import type { Actor } from "../people/actor.js";
import { assertCanSee, type OrderDetails } from "./orders.js";
import { getProgramme } from "./programmes.js";

/** Printed where the applicant has not told us yet: the blank is filled in by hand. */
const BY_HAND = "（请手写填写）";

export async function orderForm(
  deps: { db: Kysely<Database> },
  actor: Actor,
  orderId: string,
  templateId: string,
): Promise<{ filename: string; pdf: Uint8Array }> {
  const row = await deps.db
    .selectFrom("orders")
    .innerJoin("organisations", "organisations.id", "orders.organisation_id")
    .innerJoin("users", "users.id", "orders.applicant_id")
    .select([
      "orders.id",
      "orders.number",
      "orders.service",
      "orders.programme_id",
      "orders.organisation_id",
      "orders.details",
      "orders.total_fen",
      "orders.target_order_id",
      "organisations.name as organisation_name",
      "organisations.uscc",
      "organisations.address",
      "users.name as handler_name",
      "users.id_number",
      "users.mobile",
    ])
    .where("orders.id", "=", orderId)
    .executeTakeFirst();
  if (!row) throw new DomainError("order.not_found");
  assertCanSee(actor, row);
  const programme = await getProgramme(deps.db, row.programme_id);
  const service = row.service as ServiceCode;
  const sources = formSources(programme, service, templateId);
  const details = row.details as OrderDetails;
  const serviceName = programme.services[service]?.name["zh-CN"] ?? service;
  const common = {
    ...sources,
    organisation: { name: row.organisation_name, uscc: row.uscc, address: row.address ?? undefined },
    handler: {
      name: row.handler_name,
      idNumber: row.id_number ?? undefined,
      mobile: row.mobile ?? undefined,
    },
  };
  const totalFen = Number(row.total_fen);

  let data: object;
  switch (templateId) {
    case "certificate-application":
      data = {
        ...common,
        order: {
          number: row.number,
          serviceName,
          years: details.years,
          validUntil: typeof details.validityEnd === "string" ? details.validityEnd.slice(0, 10) : undefined,
          totalFen,
          platformAccount: details.platformAccount,
        },
        seal: { requested: details.sealRequested === true, name: details.sealName, type: sealType(details) },
      };
      break;
    case "seal-application":
      data = {
        ...common,
        order: { number: row.number, serviceName, platformAccount: details.platformAccount },
        seal: { name: details.sealName ?? row.organisation_name, type: sealType(details) ?? "official" },
      };
      break;
    case "enterprise-certificate-application": {
      const plan = planName(programme, details.plan);
      const mail = details.mailingAddress;
      data = {
        ...common,
        order: {
          number: row.number,
          serviceName,
          keys: details.keys ?? 1,
          planName: plan,
          years: details.years ?? programme.rules.defaultYears ?? 1,
          totalFen,
        },
        contact: {
          name: mail?.recipient ?? row.handler_name,
          mobile: mail?.phone ?? row.mobile ?? undefined,
        },
        mailingAddress: {
          recipient: mail?.recipient ?? row.handler_name,
          phone: mail?.phone ?? row.mobile ?? BY_HAND,
          address: mail?.address ?? row.address ?? BY_HAND,
        },
      };
      break;
    }
    case "authorisation-letter":
      data = { ...common, order: { number: row.number, serviceName } };
      break;
    case "refund-application": {
      const target = row.target_order_id
        ? await deps.db
            .selectFrom("orders")
            .select(["number", "service", "total_fen"])
            .where("id", "=", row.target_order_id)
            .executeTakeFirst()
        : undefined;
      const account = details.refundAccount as
        { accountName?: string; bank?: string; accountNumber?: string } | undefined;
      data = {
        ...common,
        order: { number: row.number, serviceName },
        refund: {
          orderNumber: target?.number ?? BY_HAND,
          serviceName: target
            ? (programme.services[target.service as ServiceCode]?.name["zh-CN"] ?? target.service)
            : undefined,
          paidFen: target ? Number(target.total_fen) : undefined,
          amountFen: target ? Number(target.total_fen) : 0,
          reason: details.reason ?? BY_HAND,
          bankAccount: {
            accountName: account?.accountName ?? row.organisation_name,
            bank: account?.bank ?? BY_HAND,
            accountNumber: account?.accountNumber ?? BY_HAND,
          },
        },
      };
      break;
    }
    default:
      throw new DomainError("documents.unknown_template", { template: templateId });
  }
  return { filename: `${row.number}-${templateId}.pdf`, pdf: await renderForm(templateId, data) };
}

function sealType(details: OrderDetails): "official" | "contract" | undefined {
  return details.sealType === "official" || details.sealType === "contract" ? details.sealType : undefined;
}

function planName(programme: Programme, plan: string | undefined): string {
  const term = programme.tariff.term;
  const found = term?.kind === "plans" ? term.plans.find((p) => p.id === plan) : undefined;
  return found?.name["zh-CN"] ?? plan ?? BY_HAND;
}
