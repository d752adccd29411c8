/**
 * Signing and recording certificates: a fresh serial per certificate (retried on a clash), the
 * CA's chain, and the record written in the caller's transaction or a group commit.
 */
import { randomUUID } from "node:crypto";
import type { Insertable, Kysely, Transaction } from "kysely";
import type { Clock } from "../domain/clock.js";
import { DomainError } from "../domain/errors.js";
import type { CertificateProfile } from "../domain/programme.js";
import type { CertificateTemplate } from "../pki/certificate.js";
import { issueFromTemplate } from "../pki/certificate-template.js";
import { pemEncode } from "../pki/pem.js";
import { checkAgainstProfile, extensionsFor } from "../pki/profile.js";
import { randomSerial } from "../pki/serial.js";
import type { KeyAlgorithm } from "../pki/signer.js";
import type { RandomBytes } from "../pki/sm2.js";
import { appendAuditEntries, type AuditEntry } from "../store/audit.js";
import { GroupCommit } from "../store/group-commit.js";
import type { CertificatesTable, Database } from "../store/schema.js";
import { actorLabel, type Actor } from "../people/actor.js";
import type { CaRegistry, LoadedCa, PublicationUrls } from "./ca.js";
import { recordDeskEvents } from "../desk/desk-events.js";

export interface IssuanceDeps {
  db: Kysely<Database>;
  clock: Clock;
  cas: Pick<CaRegistry, "active">;
  urls: PublicationUrls;
  /** Randomness for serial numbers (a CSPRNG unless a test forces a collision). */
  random?: RandomBytes | undefined;
}

export interface IssuedCertificate {
  id: string;
  serial: string;
  orderId: string | null;
  caId: string;
  profile: string;
  keyAlgorithm: KeyAlgorithm;
  subject: string;
  notBefore: Date;
  notAfter: Date;
  der: Uint8Array;
  /** The issuing CA's certificate first, then each CA above it up to the root. */
  chain: Uint8Array[];
}

/** Certificate then chain, PEM, as `ca issue` prints and a token installs. */
export function pemChain(issued: Pick<IssuedCertificate, "der" | "chain">): string {
  return [issued.der, ...issued.chain].map((der) => pemEncode("CERTIFICATE", der)).join("");
}

// ---- the key to certify -----------------------------------------------------------------------

export interface CheckedKey {
  spki: Uint8Array;
  algorithm: KeyAlgorithm;
  /** how the key came: with a proof of possession, or straight from the token */
  proof: "csr" | "token";
  /** the SM2 signer ID the CSR verified with ("default" or "empty") */
  csrSm2Id?: "default" | "empty";
}

// ---- signing and recording --------------------------------------------------------------------

export interface SignAndRecord {
  profile: CertificateProfile;
  key: CheckedKey;
  ca: LoadedCa;
  subject: CertificateTemplate["subject"];
  uscc: string;
  notBefore: Date;
  notAfter: Date;
  row: { order_id: string | null; organisation_id: string | null; programme_id: string };
  audit: Record<string, unknown>;
}

export const SERIAL_ATTEMPTS = 5;

/** A certificate signed and ready to record: its row and its audit entry. */
export interface SignedCertificate {
  row: Insertable<CertificatesTable>;
  audit: AuditEntry;
  issued: Omit<IssuedCertificate, "chain">;
}

/** Checks the template against its profile and signs it, under a fresh random serial. */
export async function signCertificate(
  deps: IssuanceDeps,
  actor: Actor,
  input: SignAndRecord,
): Promise<SignedCertificate> {
  const { ca, profile, key } = input;
  const template: CertificateTemplate = {
    serialNumber: randomSerial(deps.random),
    subject: input.subject,
    subjectPublicKey: key.spki,
    notBefore: input.notBefore,
    notAfter: input.notAfter,
    extensions: extensionsFor(profile, input.uscc, {
      crl: deps.urls.crl(ca.id),
      ocsp: deps.urls.ocsp(),
      caIssuers: deps.urls.caCertificate(ca.id),
    }),
  };
  checkAgainstProfile(template, profile, ca);
  // The profile's template under this CA (pki/certificate-template.ts): the same bytes as
  // buildCertificate, and the record's fields known without reading the certificate back.
  const { der, record: view } = await issueFromTemplate({
    ...template,
    issuer: { certificate: ca.certificate },
    signer: ca.signer,
  });
  const id = randomUUID();
  const now = deps.clock.now();
  return {
    row: {
      id,
      serial: view.serialNumber,
      ...input.row,
      subject: view.subjectText,
      not_before: view.notBefore,
      not_after: view.notAfter,
      status: "issued",
      activated_at: null,
      revoked_at: null,
      revocation_reason: null,
      created_at: now,
      ca_id: ca.id,
      der,
      profile: profile.id,
      key_algorithm: key.algorithm,
    },
    audit: {
      actor: actorLabel(actor),
      action: "certificate.issue",
      subjectType: "certificate",
      subjectId: id,
      toState: "issued",
      data: {
        serial: view.serialNumber,
        caId: ca.id,
        profile: profile.id,
        keyAlgorithm: key.algorithm,
        proof: key.proof,
        ...(key.csrSm2Id ? { csrSm2Id: key.csrSm2Id } : {}),
        notBefore: view.notBefore.toISOString(),
        notAfter: view.notAfter.toISOString(),
        ...input.audit,
      },
    },
    issued: {
      id,
      serial: view.serialNumber,
      orderId: input.row.order_id,
      caId: ca.id,
      profile: profile.id,
      keyAlgorithm: key.algorithm,
      subject: view.subjectText,
      notBefore: view.notBefore,
      notAfter: view.notAfter,
      der,
    },
  };
}

/**
 * Records signed certificates with their audit rows, in the caller's transaction. The serial is
 * unique by the store's constraint: one whose serial is taken (an astronomically rare collision)
 * is not recorded and answers false, and its caller signs again under a new serial.
 */
export async function recordCertificates(
  tx: Transaction<Database>,
  signed: SignedCertificate[],
): Promise<boolean[]> {
  const inserted = await tx
    .insertInto("certificates")
    .values(signed.map((s) => s.row))
    .onConflict((oc) => oc.column("serial").doNothing())
    .returning("id")
    .execute();
  // By id, not serial: two of one group could have drawn the same serial.
  const recorded = new Set(inserted.map((r) => r.id));
  const kept = signed.filter((s) => recorded.has(s.row.id));
  await appendAuditEntries(
    tx,
    kept.map((s) => ({ entry: s.audit, at: s.row.created_at as Date })),
  );
  // A serial some process answered "unknown" in OCSP before it existed is answered again.
  if (kept.length > 0)
    await recordDeskEvents(
      tx,
      kept.map((s) => ({ type: "certificate.issued", caId: s.issued.caId, serial: s.issued.serial })),
      kept[0]!.row.created_at as Date,
    );
  return signed.map((s) => recorded.has(s.row.id));
}

/**
 * Signs, then records through `record`, signing again under a new serial while the serial drawn is
 * taken. An order records in its own transaction, under its lock; an operator's issuance records
 * in a group commit (recorderFor), so that signing never holds a connection and concurrent
 * issuances share one commit and one turn on the audit chain instead of queueing on it.
 */
export async function signAndRecord(
  deps: IssuanceDeps,
  actor: Actor,
  input: SignAndRecord,
  record: { db: Kysely<Database>; certificate(signed: SignedCertificate): Promise<boolean> },
): Promise<IssuedCertificate> {
  for (let attempt = 0; attempt < SERIAL_ATTEMPTS; attempt++) {
    const signed = await signCertificate(deps, actor, input);
    if (await record.certificate(signed)) {
      return { ...signed.issued, chain: await chainOf(record.db, input.ca) };
    }
  }
  throw new DomainError("issuance.serial_exhausted", { attempts: SERIAL_ATTEMPTS });
}

/** Records in the caller's transaction. */
export const inTransaction = (tx: Transaction<Database>) => ({
  db: tx,
  certificate: async (signed: SignedCertificate) => (await recordCertificates(tx, [signed]))[0]!,
});

/** Records in a group commit with whatever else is being issued at that moment. */
export const inGroupCommit = (db: Kysely<Database>) => ({
  db,
  certificate: (signed: SignedCertificate) => recorderFor(db).submit(signed),
});

export const recorders = new WeakMap<Kysely<Database>, GroupCommit<SignedCertificate, boolean>>();

export function recorderFor(db: Kysely<Database>): GroupCommit<SignedCertificate, boolean> {
  let recorder = recorders.get(db);
  if (!recorder) {
    recorder = new GroupCommit(db, recordCertificates);
    recorders.set(db, recorder);
  }
  return recorder;
}

/**
 * The chain of a loaded CA, read once per LoadedCa: the registry keeps one per CA for the life of
 * the process, and a CA row's certificate never changes. Two reads per issuance saved.
 */
export const chainsOfLoadedCas = new WeakMap<LoadedCa, Promise<Uint8Array[]>>();

export async function chainOf(db: Kysely<Database>, ca: LoadedCa): Promise<Uint8Array[]> {
  let chain = chainsOfLoadedCas.get(ca);
  if (!chain) {
    chain = caChain(db, ca.id);
    chainsOfLoadedCas.set(ca, chain);
    chain.catch(() => chainsOfLoadedCas.delete(ca));
  }
  // A copy of the list: callers own what they are given.
  return [...(await chain)];
}

/** The CA's certificate and those above it, following issuer_id up to the root. */
export async function caChain(db: Kysely<Database>, caId: string): Promise<Uint8Array[]> {
  const chain: Uint8Array[] = [];
  const seen = new Set<string>();
  for (let id: string | null = caId; id && !seen.has(id);) {
    seen.add(id);
    const row = await db
      .selectFrom("cas")
      .select(["certificate", "issuer_id"])
      .where("id", "=", id)
      .executeTakeFirst();
    if (!row) break;
    chain.push(row.certificate);
    id = row.issuer_id;
  }
  return chain;
}
