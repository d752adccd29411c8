/**
 * Importing an existing CA (a certificate and its key, as PEM files or a PKCS#12 file) as the
 * active issuing CA of its algorithm. The previous issuing CA is deactivated, not deleted: its
 * certificate is still served and its CRL still published for the certificates it issued. The
 * key is encrypted at rest like the keys certdesk makes itself.
 */
import { createPrivateKey, type KeyObject } from "node:crypto";
import type { Kysely } from "kysely";
import type { Clock } from "../domain/clock.js";
import { DomainError } from "../domain/errors.js";
import { parseCertificate, verifyCertificateSignature, type CertificateView } from "../pki/certificate.js";
import { keyIdentifier } from "../pki/extensions.js";
import { sealPrivateKey } from "../pki/key-vault.js";
import { pemDecodeAll } from "../pki/pem.js";
import { readPkcs12 } from "../pki/pkcs12.js";
import { softwareSigner } from "../pki/signer.js";
import { appendAudit } from "../store/audit.js";
import { recordDeskEvents } from "../desk/desk-events.js";
import type { CaAlgorithm, Database } from "../store/schema.js";
import { actorLabel, type Actor } from "../people/actor.js";
import { CA_ALGORITHMS } from "./ca.js";
import { requireRole } from "../people/people.js";

export type ImportSource =
  /** PEM (or DER) certificate file, which may carry the chain above it, and a PEM or DER key */
  | { certificate: Uint8Array; key: Uint8Array }
  /** a PKCS#12 file holding the CA certificate (and possibly its chain) and its key */
  | { p12: Uint8Array };

export interface ImportCaInput {
  source: ImportSource;
  /** Opens the PKCS#12 file or an encrypted PEM key. */
  password?: string | undefined;
  /** The CA key passphrase the key is encrypted at rest with (CERTDESK_CA_PASSPHRASE). */
  passphrase: string;
  /** The CA's id; `<algorithm>-issuing-<fingerprint>` by default. */
  id?: string | undefined;
}

export interface ImportedCa {
  id: string;
  algorithm: CaAlgorithm;
  subject: string;
  serial: string;
  notAfter: string;
  issuerId: string | null;
  /** the issuing CA it replaces as the active one */
  replaced: string | null;
}

const ID = /^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$/;

function certificatesOf(bytes: Uint8Array): Uint8Array[] {
  if (bytes[0] === 0x30) return [bytes];
  return pemDecodeAll(Buffer.from(bytes).toString("latin1"))
    .filter((b) => b.label === "CERTIFICATE")
    .map((b) => b.der);
}

function privateKeyOf(bytes: Uint8Array, password: string | undefined, der: "pkcs8" | "auto"): KeyObject {
  try {
    if (der === "pkcs8" || bytes[0] === 0x30) {
      return createPrivateKey({ key: Buffer.from(bytes), format: "der", type: "pkcs8" });
    }
    return createPrivateKey({
      key: Buffer.from(bytes),
      format: "pem",
      ...(password !== undefined ? { passphrase: password } : {}),
    });
  } catch (e) {
    const text = e instanceof Error ? e.message : String(e);
    if (/passphrase|decrypt|bad decrypt/i.test(text)) throw new DomainError("ca.import_password_wrong");
    throw new DomainError("ca.import_key_unreadable", { detail: text });
  }
}

const sameKey = (a: Uint8Array, b: Uint8Array): boolean =>
  Buffer.compare(keyIdentifier(a), keyIdentifier(b)) === 0;

/** The certificate's issuer among the CAs on file, when its signature proves it. */
async function issuerOnFile(db: Kysely<Database>, view: CertificateView): Promise<string | null> {
  if (Buffer.compare(view.issuerDer, view.subjectDer) === 0 && verifyCertificateSignature(view, view.spki)) {
    return null;
  }
  const rows = await db.selectFrom("cas").select(["id", "certificate"]).execute();
  for (const row of rows) {
    const candidate = parseCertificate(row.certificate);
    if (
      Buffer.compare(candidate.subjectDer, view.issuerDer) === 0 &&
      verifyCertificateSignature(view, candidate.spki)
    ) {
      return row.id;
    }
  }
  return null;
}

export async function importCa(
  deps: { db: Kysely<Database>; clock: Clock },
  actor: Actor,
  input: ImportCaInput,
): Promise<ImportedCa> {
  requireRole(actor, "admin");
  const { source } = input;
  let certificates: Uint8Array[];
  let key: KeyObject;
  if ("p12" in source) {
    const contents = readPkcs12(source.p12, input.password ?? "");
    if (contents.keys.length !== 1)
      throw new DomainError("ca.import_key_count", { keys: contents.keys.length });
    certificates = contents.certificates;
    key = privateKeyOf(contents.keys[0]!, undefined, "pkcs8");
  } else {
    certificates = certificatesOf(source.certificate);
    key = privateKeyOf(source.key, input.password, "auto");
  }
  const signer = softwareSigner(key);
  const der = certificates.find((c) => sameKey(parseCertificate(c).spki, signer.publicKeySpki));
  if (!der) throw new DomainError("ca.import_key_mismatch");
  const view = parseCertificate(der);
  const algorithm = CA_ALGORITHMS.find((a) => a === view.keyAlgorithm);
  if (!algorithm) throw new DomainError("pki.key_algorithm_unsupported", { algorithm: view.keyAlgorithm });
  const bc = view.extensions.basicConstraints;
  const ku = view.extensions.keyUsage;
  if (!bc?.ca || (ku && !ku.includes("keyCertSign"))) {
    throw new DomainError("ca.import_not_ca", { subject: view.subjectText });
  }
  const now = deps.clock.now();
  if (view.notAfter <= now || view.notBefore > now) {
    throw new DomainError("ca.import_not_valid_now", {
      notBefore: view.notBefore.toISOString(),
      notAfter: view.notAfter.toISOString(),
    });
  }
  const id = input.id ?? `${algorithm}-issuing-${view.fingerprintSha256.slice(0, 8)}`;
  if (!ID.test(id)) throw new DomainError("ca.import_id_invalid", { id });
  const issuerId = await issuerOnFile(deps.db, view);
  const sealed = sealPrivateKey(
    new Uint8Array(key.export({ format: "der", type: "pkcs8" })),
    input.passphrase,
  );

  const replaced = await deps.db.transaction().execute(async (tx) => {
    const clash = await tx
      .selectFrom("cas")
      .select("id")
      .where((eb) =>
        eb.or([
          eb("id", "=", id),
          eb.and([eb("serial", "=", view.serialNumber), eb("subject", "=", view.subjectText)]),
        ]),
      )
      .executeTakeFirst();
    if (clash) throw new DomainError("ca.import_exists", { ca: clash.id });
    const previous = await tx
      .selectFrom("cas")
      .select("id")
      .where("algorithm", "=", algorithm)
      .where("kind", "=", "issuing")
      .where("active", "=", true)
      .forUpdate()
      .executeTakeFirst();
    if (previous) {
      await tx.updateTable("cas").set({ active: false }).where("id", "=", previous.id).execute();
      await appendAudit(
        tx,
        {
          actor: actorLabel(actor),
          action: "ca.deactivate",
          subjectType: "ca",
          subjectId: previous.id,
          reason: `replaced by imported CA ${id}`,
          data: { algorithm, kind: "issuing" },
        },
        now,
      );
    }
    await tx
      .insertInto("cas")
      .values({
        id,
        algorithm,
        kind: "issuing",
        issuer_id: issuerId,
        certificate: der,
        subject: view.subjectText,
        serial: view.serialNumber,
        not_before: view.notBefore,
        not_after: view.notAfter,
        key: JSON.stringify(sealed),
        created_at: now,
      })
      .execute();
    await appendAudit(
      tx,
      {
        actor: actorLabel(actor),
        action: "ca.import",
        subjectType: "ca",
        subjectId: id,
        data: {
          algorithm,
          kind: "issuing",
          serial: view.serialNumber,
          fingerprintSha256: view.fingerprintSha256,
          keyStorage: "encrypted",
          issuerId,
          replaced: previous?.id ?? null,
        },
      },
      now,
    );
    await recordDeskEvents(tx, [{ type: "ca.changed", caId: id }], now);
    return previous?.id ?? null;
  });
  return {
    id,
    algorithm,
    subject: view.subjectText,
    serial: view.serialNumber,
    notAfter: view.notAfter.toISOString(),
    issuerId,
    replaced,
  };
}
