/**
 * Orders put straight at their production step, staff actors as the store knows them, and keys
 * with their requests: what the issuance and revocation suites start from. The way an order gets
 * to production through the API is tested in api.test.ts.
 */
import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import { flowOf, type OrderDetails } from "../../src/orders/orders.js";
import { getProgramme } from "../../src/orders/programmes.js";
import type { Actor, StaffRole } from "../../src/people/actor.js";
import { buildCsr } from "../../src/pki/csr.js";
import { pemEncode } from "../../src/pki/pem.js";
import { generateSoftwareKey, sm2Signer, type KeyAlgorithm, type Signer } from "../../src/pki/signer.js";
import type { KeyCodeMessage, KeyServiceSettings } from "../../src/keys/keys.js";
import { activationMessage } from "../../src/token/protocol.js";
import type { Database } from "../../src/store/schema.js";

export const USCC_A = "91310115591693856A";
export const USCC_B = "91440101MA5CJQ4N59";
export const ORGANISATION_A = "上海示例供应链管理有限公司";
export const ORGANISATION_B = "广州示例绿色能源售电有限公司";

/** Where an order rests when the step before production is done. */
const DONE: Record<string, string> = { review: "approved", payment: "paid", paper: "paper_received" };

let counter = 0;

/** An order of the organisation with that USCC, resting just before its production step. */
export async function orderAtProduction(
  db: Kysely<Database>,
  input: { programmeId: string; service: string; uscc: string; details: OrderDetails },
): Promise<string> {
  const programme = await getProgramme(db, input.programmeId);
  const steps = flowOf(programme, input.service).steps;
  const before = steps[steps.indexOf("production") - 1];
  const state = before ? DONE[before] : "submitted";
  if (!state) throw new Error(`no resting state before production after ${before}`);
  const applicant = await db
    .selectFrom("users")
    .innerJoin("organisations", "organisations.id", "users.organisation_id")
    .select(["users.id as userId", "organisations.id as organisationId"])
    .where("organisations.uscc", "=", input.uscc)
    .executeTakeFirstOrThrow();
  const id = randomUUID();
  const now = new Date();
  await db
    .insertInto("orders")
    .values({
      id,
      number: `TEST${process.pid}${String(++counter).padStart(6, "0")}${id.slice(0, 4)}`,
      programme_id: input.programmeId,
      service: input.service,
      organisation_id: applicant.organisationId,
      applicant_id: applicant.userId,
      state,
      details: JSON.stringify(input.details),
      quote: JSON.stringify({ currency: "CNY", total: 0, items: [] }),
      total_fen: 0,
      certificate_id: input.details.certificateId ?? null,
      target_order_id: null,
      rejection: null,
      due_kind: null,
      due_on: null,
      idempotency_key: null,
      created_at: now,
      updated_at: now,
    })
    .execute();
  return id;
}

/** A staff actor as resolved from a session (the demo's staff, by login). */
export async function staffActor(db: Kysely<Database>, login: string): Promise<Actor> {
  const user = await db.selectFrom("users").selectAll().where("login", "=", login).executeTakeFirstOrThrow();
  return { kind: "staff", userId: user.id, roles: user.roles as StaffRole[], name: user.name };
}

export async function applicantActor(db: Kysely<Database>, uscc: string): Promise<Actor> {
  const user = await db
    .selectFrom("users")
    .innerJoin("organisations", "organisations.id", "users.organisation_id")
    .select(["users.id", "users.name", "organisations.id as organisationId"])
    .where("organisations.uscc", "=", uscc)
    .executeTakeFirstOrThrow();
  return { kind: "applicant", userId: user.id, organisationId: user.organisationId, name: user.name };
}

/**
 * A key made "on the token" and its PKCS#10 request, PEM. The requested subject is deliberately
 * not the organisation: the CA must ignore it. sm2Id signs an SM2 request with another signer ID.
 */
export async function keyWithCsr(
  algorithm: KeyAlgorithm,
  options: { sm2Id?: string } = {},
): Promise<{ csr: string; spki: Uint8Array; signer: Signer }> {
  const key = generateSoftwareKey(algorithm);
  const signer =
    algorithm === "sm2" && options.sm2Id !== undefined
      ? sm2Signer(key.privateKey, { id: options.sm2Id })
      : key.signer;
  const der = await buildCsr({
    subject: { C: "US", O: "Not The Organisation", CN: "applicant-chosen name" },
    signer,
  });
  return { csr: pemEncode("CERTIFICATE REQUEST", der), spki: key.signer.publicKeySpki, signer };
}

/** Key services for a test app, with the SMS codes kept in `codes` instead of sent. */
export function capturedKeyCodes(): { keys: KeyServiceSettings; codes: KeyCodeMessage[] } {
  const codes: KeyCodeMessage[] = [];
  return {
    codes,
    keys: {
      secretKey: "test-secret-key-for-activation-codes-000000",
      codes: { queue: async (_tx, message) => void codes.push(message) },
    },
  };
}

/**
 * The holder's proof for a certificate whose key was made outside the desk (its request came with
 * production): the order's activation code and the key's signature over the activation message.
 */
export async function activationProof(
  signer: Signer,
  input: { certificateSerial: string; code: string },
): Promise<{ code: string; signature: string }> {
  const signature = await signer.sign(activationMessage({ keySerial: "", ...input }));
  return { code: input.code, signature: Buffer.from(signature).toString("base64") };
}
