/**
 * Issuing organisation certificates. The subject comes from the organisation on file and the
 * programme's profile, never from the request (a CA does not let applicants name themselves); the
 * key comes from a PKCS#10 request whose proof of possession is checked, or as a bare public key
 * made on a USB key in production. Every template is checked against its profile before the
 * issuing CA signs it, and the certificate is recorded, with its audit row, before it is returned.
 */
import { emitCertificateEvent } from "../platforms/events.js";
import type { Kysely, Transaction } from "kysely";
import { addDays, shanghaiDate, startOfShanghaiDay, type CalendarDate } from "../domain/dates.js";
import { DomainError } from "../domain/errors.js";
import { pendingStep, type OrderState } from "../domain/lifecycle.js";
import type { CertificateProfile, CertificateSettings, Programme } from "../domain/programme.js";
import { keptValidityEnd, newCertificateValidity } from "../domain/rules.js";
import { validateUscc } from "../domain/validators.js";
import { readCsr, verifyCsr, verifyCsrAsync, type CsrView } from "../pki/csr.js";
import type { SubjectName } from "../pki/name.js";
import { OID } from "../pki/oids.js";
import { keyAlgorithmOf, publicKeyAlgorithm, subjectFor, type SubjectOrganisation } from "../pki/profile.js";
import type { KeyAlgorithm } from "../pki/signer.js";
import { SM2_DEFAULT_ID } from "../pki/sm2.js";
import type { CaAlgorithm, Database, OrderRow } from "../store/schema.js";
import type { Actor } from "../people/actor.js";
import type { LoadedCa } from "./ca.js";
import { flowOf, lockOrder, type OrderDetails } from "../orders/orders.js";
import { requireRole } from "../people/people.js";
import { getProgramme, listProgrammes } from "../orders/programmes.js";
import {
  type IssuanceDeps,
  type IssuedCertificate,
  type CheckedKey,
  signAndRecord,
  inTransaction,
  inGroupCommit,
} from "./certificate-signing.js";

export { checkAgainstProfile } from "../pki/profile.js";

/** A PKCS#10 request (PEM or DER), or a DER SubjectPublicKeyInfo made on a token. */
export type KeyInput = { csr: string | Uint8Array } | { publicKey: Uint8Array };

/** The services whose production issues certificates. */
export const ISSUING_SERVICES: readonly string[] = ["new", "renewal", "change", "reissue"];

/**
 * SM2 signer IDs accepted on a CSR's proof of possession: the GM/T 0009 default, and the empty ID,
 * because OpenSSL 3.0 `req -sm3` signs with an empty one unless given `-sigopt distid:…`. For CSRs
 * only: what the CA itself signs always uses the default ID.
 */
export const CSR_SM2_IDS: readonly string[] = [SM2_DEFAULT_ID, ""];

/** `parsed` is the request already read from key.csr, when the caller needed it too. */
async function checkKey(key: KeyInput, parsed?: CsrView): Promise<CheckedKey> {
  if ("publicKey" in key) {
    return { spki: key.publicKey, algorithm: publicKeyAlgorithm(key.publicKey), proof: "token" };
  }
  const csr = parsed ?? readCsr(key.csr);
  const algorithm = publicKeyAlgorithm(csr.spki);
  const sm2 = csr.signatureAlgorithm.algorithm === OID.sm3WithSm2;
  let id: string | undefined;
  // SM2 is verified off the event loop: by OpenSSL on libuv's pool (sm2-native.ts), else in JS on the SM2 pool.
  if (sm2) {
    for (const sm2Id of CSR_SM2_IDS) {
      if (await verifyCsrAsync(csr, { sm2Ids: [sm2Id] })) {
        id = sm2Id;
        break;
      }
    }
  }
  if (sm2 ? id === undefined : !verifyCsr(csr)) throw new DomainError("issuance.proof_of_possession_failed");
  return {
    spki: csr.spki,
    algorithm,
    proof: "csr",
    ...(sm2 ? { csrSm2Id: id === "" ? ("empty" as const) : ("default" as const) } : {}),
  };
}

/** A CSR as sent over JSON: PEM text, or base64 of the DER. */
export function csrFromText(text: string): string | Uint8Array {
  return text.includes("-----BEGIN") ? text : base64Der(text, "csr");
}

export function base64Der(text: string, field: string): Uint8Array {
  const compact = text.replace(/\s+/g, "");
  if (!compact || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
    throw new DomainError("issuance.key_input_invalid", { field });
  }
  return new Uint8Array(Buffer.from(compact, "base64"));
}

// ---- profiles ---------------------------------------------------------------------------------

export function certificateSettings(programme: Programme): CertificateSettings {
  if (!programme.certificates) throw new DomainError("issuance.no_profiles", { programme: programme.id });
  return programme.certificates;
}

export function profileOf(programme: Programme, id: string): CertificateProfile {
  const profile = certificateSettings(programme).profiles.find((p) => p.id === id);
  if (!profile) throw new DomainError("issuance.profile_not_found", { profile: id, programme: programme.id });
  return profile;
}

function assertAlgorithmAllowed(profile: CertificateProfile, algorithm: KeyAlgorithm): void {
  const allowed = profile.algorithms.map(keyAlgorithmOf);
  if (!allowed.includes(algorithm)) {
    throw new DomainError("issuance.key_algorithm_not_allowed", {
      algorithm,
      allowed: allowed.join(", "),
      profile: profile.id,
    });
  }
}

// ---- validity ---------------------------------------------------------------------------------

/** The last second of a Shanghai day: a certificate "valid through 2029-11-19" ends then. */
export function endOfShanghaiDay(day: CalendarDate): Date {
  return new Date(startOfShanghaiDay(addDays(day, 1)).getTime() - 1000);
}

/**
 * The validity an order buys, from now: a new certificate through the day before the anniversary;
 * a renewal the same, counted from the day after the renewed certificate ends (the days left are
 * not lost); a change or reissue keeps the original end (details.validityEnd).
 */
export function orderValidity(input: {
  service: string;
  now: Date;
  years?: number | undefined;
  validityEnd?: string | undefined;
  renewedNotAfter?: Date | undefined;
}): { notBefore: Date; notAfter: Date } {
  const { now } = input;
  if (input.service === "change" || input.service === "reissue") {
    if (!input.validityEnd) throw new DomainError("issuance.validity_unknown", { service: input.service });
    return { notBefore: now, notAfter: keptValidityEnd(new Date(input.validityEnd)) };
  }
  if (!input.years) throw new DomainError("issuance.validity_unknown", { service: input.service });
  const today = shanghaiDate(now);
  let start = today;
  if (input.service === "renewal" && input.renewedNotAfter) {
    const next = addDays(shanghaiDate(input.renewedNotAfter), 1);
    if (next > today) start = next;
  }
  const { notAfter } = newCertificateValidity({ start, years: input.years });
  return { notBefore: now, notAfter: endOfShanghaiDay(notAfter) };
}

// ---- for an order -----------------------------------------------------------------------------

export interface IssueInput {
  orderId: string;
  /** A profile of the order's programme; the programme's signing profile when left out. */
  profile?: string | undefined;
  key: KeyInput;
  /** The USB key's serial number, kept in the audit trail. */
  keySerial?: string | undefined;
}

/** A key checked against its profile, with the issuing CA for its algorithm opened. */
export interface PreparedKey extends CheckedKey {
  profile: string;
  ca: LoadedCa;
}

/**
 * Checks the key and opens the issuing CA before any transaction starts: the registry reads the
 * store on a connection of its own (PGlite has one, held by an open transaction) and opening a CA
 * key costs a key derivation, which no order lock should wait for.
 */
export async function prepareKey(
  deps: Pick<IssuanceDeps, "cas">,
  programme: Programme,
  profileId: string | undefined,
  input: KeyInput,
  caAlgorithm?: CaAlgorithm,
  parsedCsr?: CsrView,
): Promise<PreparedKey> {
  const profile = profileOf(programme, profileId ?? certificateSettings(programme).signingProfile);
  const key = await checkKey(input, parsedCsr);
  assertAlgorithmAllowed(profile, key.algorithm);
  return { ...key, profile: profile.id, ca: await deps.cas.active(caAlgorithm ?? key.algorithm, "issuing") };
}

/** Issues one certificate for an order at its production step, in a transaction of its own. */
export async function issueCertificate(
  deps: IssuanceDeps,
  actor: Actor,
  input: IssueInput,
): Promise<IssuedCertificate> {
  requireRole(actor, "production");
  const order = await deps.db
    .selectFrom("orders")
    .selectAll()
    .where("id", "=", input.orderId)
    .executeTakeFirst();
  if (!order) throw new DomainError("order.not_found");
  const key = await prepareKey(
    deps,
    await getProgramme(deps.db, order.programme_id),
    input.profile,
    input.key,
  );
  return deps.db
    .transaction()
    .execute((tx) =>
      issueCertificateInTx(tx, deps, actor, { orderId: order.id, key, keySerial: input.keySerial }),
    );
}

/**
 * The same inside the caller's transaction (production issues all of an order's keys in one), with
 * the key prepared beforehand. The order is locked and must be at its production step.
 */
export async function issueCertificateInTx(
  tx: Transaction<Database>,
  deps: IssuanceDeps,
  actor: Actor,
  input: {
    orderId: string;
    key: PreparedKey;
    keySerial?: string | undefined;
    years?: number | undefined;
    /** the order as the caller locked it in this transaction, and its programme: not read again */
    locked?: { order: OrderRow; programme: Programme } | undefined;
  },
): Promise<IssuedCertificate> {
  requireRole(actor, "production");
  const locked = input.locked?.order.id === input.orderId ? input.locked : undefined;
  const order = locked?.order ?? (await lockOrder(tx, input.orderId));
  const programme = locked?.programme ?? (await getProgramme(tx, order.programme_id));
  if (!ISSUING_SERVICES.includes(order.service)) {
    throw new DomainError("issuance.order_issues_no_certificates", { service: order.service });
  }
  if (pendingStep(flowOf(programme, order.service), order.state as OrderState) !== "production") {
    throw new DomainError("issuance.order_not_in_production", { state: order.state });
  }
  const { key } = input;
  const { ca } = key;
  const profile = profileOf(programme, key.profile);
  const organisation = await subjectOrganisation(tx, order);
  const validity = orderValidity({
    service: order.service,
    now: deps.clock.now(),
    years: input.years ?? (order.details as OrderDetails).years ?? programme.rules.defaultYears,
    validityEnd: (order.details as OrderDetails).validityEnd as string | undefined,
    renewedNotAfter: await renewedNotAfter(tx, order),
  });
  const issued = await signAndRecord(
    deps,
    actor,
    {
      profile,
      key,
      ca,
      subject: subjectFor(profile, organisation),
      uscc: organisation.uscc,
      ...validity,
      row: { order_id: order.id, organisation_id: order.organisation_id, programme_id: programme.id },
      audit: {
        orderId: order.id,
        orderNumber: order.number,
        ...(input.keySerial ? { keySerial: input.keySerial } : {}),
      },
    },
    inTransaction(tx),
  );
  const replacedId = (order.details as OrderDetails).certificateId;
  const replaced = replacedId
    ? (await tx.selectFrom("certificates").select("serial").where("id", "=", replacedId).executeTakeFirst())
        ?.serial
    : undefined;
  await emitCertificateEvent(
    tx,
    order.service === "renewal" ? "certificate.renewed" : "certificate.issued",
    issued.id,
    { service: order.service, order: order.number, ...(replaced ? { replacesSerial: replaced } : {}) },
    deps.clock.now(),
  );
  return issued;
}

/** The organisation as the certificate names it; a change order carries the new, reviewed name. */
async function subjectOrganisation(tx: Transaction<Database>, order: OrderRow): Promise<SubjectOrganisation> {
  const org = await tx
    .selectFrom("organisations")
    .select(["name", "uscc", "address"])
    .where("id", "=", order.organisation_id)
    .executeTakeFirstOrThrow();
  const renamed = (order.details as OrderDetails).newOrganisationName?.trim();
  return order.service === "change" && renamed ? { ...org, name: renamed } : org;
}

async function renewedNotAfter(tx: Transaction<Database>, order: OrderRow): Promise<Date | undefined> {
  const id = (order.details as OrderDetails).certificateId;
  if (order.service !== "renewal" || !id) return undefined;
  const cert = await tx
    .selectFrom("certificates")
    .select("not_after")
    .where("id", "=", id)
    .executeTakeFirst();
  return cert?.not_after;
}

// ---- for an operator, without an order --------------------------------------------------------

export interface OperatorIssueInput {
  csr: string | Uint8Array;
  profile: string;
  /** The programme whose profile is meant, when several have one of that id. */
  programme?: string | undefined;
  /** Validity in days from today (Shanghai), the last day included. */
  days: number;
  /** The issuing CA's algorithm; the key's own by default. */
  algorithm?: CaAlgorithm | undefined;
  /** Name the subject after this organisation on file (by USCC) instead of the request's subject. */
  organisationUscc?: string | undefined;
}

/**
 * An operator (admin, or the CLI) issues from a CSR with no order: recorded with order_id null and
 * audited like any other. The subject is the organisation on file when one is named; otherwise the
 * request's O, CN, ST and L, which the operator has checked, with the USCC taken from its subject
 * serialNumber, shaped by the profile as always.
 */
export async function issueFromCsrForOperator(
  deps: IssuanceDeps,
  actor: Actor,
  input: OperatorIssueInput,
): Promise<IssuedCertificate> {
  requireRole(actor, "admin");
  if (!Number.isSafeInteger(input.days) || input.days < 1) {
    throw new DomainError("issuance.days_invalid", { days: input.days });
  }
  const programme = await programmeWithProfile(deps.db, input.profile, input.programme);
  const profile = profileOf(programme, input.profile);
  // Read once: the key's check and the subject both need it.
  const csr = readCsr(input.csr);
  const key = await prepareKey(deps, programme, profile.id, { csr: input.csr }, input.algorithm, csr);
  const { ca } = key;
  const now = deps.clock.now();
  let organisationId: string | null = null;
  let subject: SubjectName;
  let uscc: string;
  if (input.organisationUscc) {
    const org = await deps.db
      .selectFrom("organisations")
      .select(["id", "name", "uscc", "address"])
      .where("uscc", "=", input.organisationUscc.trim().toUpperCase())
      .executeTakeFirst();
    if (!org) throw new DomainError("issuance.organisation_not_found", { uscc: input.organisationUscc });
    organisationId = org.id;
    subject = subjectFor(profile, org);
    uscc = org.uscc;
  } else {
    const requested = csr.subject;
    if (!requested.O)
      throw new DomainError("issuance.extension_missing", { extension: "subject O", profile: profile.id });
    const check = validateUscc(requested.serialNumber ?? "");
    if (!check.valid) throw new DomainError("issuance.uscc_required", { profile: profile.id });
    uscc = check.value;
    subject = {
      ...subjectFor(profile, { name: requested.O, uscc, address: null }),
      ...(requested.ST ? { ST: requested.ST } : {}),
      ...(requested.L ? { L: requested.L } : {}),
      ...(requested.CN ? { CN: requested.CN } : {}),
    };
  }
  return signAndRecord(
    deps,
    actor,
    {
      profile,
      key,
      ca,
      subject,
      uscc,
      notBefore: now,
      notAfter: endOfShanghaiDay(addDays(shanghaiDate(now), input.days - 1)),
      row: { order_id: null, organisation_id: organisationId, programme_id: programme.id },
      audit: { operator: true, days: input.days },
    },
    inGroupCommit(deps.db),
  );
}

async function programmeWithProfile(
  db: Kysely<Database>,
  profile: string,
  programmeId: string | undefined,
): Promise<Programme> {
  if (programmeId) return getProgramme(db, programmeId);
  const having = (await listProgrammes(db)).filter((p) =>
    p.certificates?.profiles.some((x) => x.id === profile),
  );
  if (having.length === 0) throw new DomainError("issuance.profile_not_found", { profile, programme: "*" });
  if (having.length > 1) {
    throw new DomainError("issuance.profile_ambiguous", {
      profile,
      programmes: having.map((p) => p.id).join(", "),
    });
  }
  return having[0]!;
}
