/**
 * The CAs the desk signs with: per algorithm a root, an issuing CA, a delegated OCSP responder, a
 * seal maker and a timestamp authority (RFC 3161, pki/tsa.ts). Certificates and the whereabouts of the keys live in the `cas` table; a key is
 * either encrypted at rest (pki/key-vault.ts) or held in an HSM behind the Signer port. The
 * registry opens each signer once and keeps it for the life of the process.
 */
import { createPrivateKey } from "node:crypto";
import type { Kysely } from "kysely";
import type { Clock } from "../domain/clock.js";
import { DomainError } from "../domain/errors.js";
import { buildCertificate, parseCertificate, type CertificateView } from "../pki/certificate.js";
import type { ExtensionsInput } from "../pki/extensions.js";
import { openPrivateKey, sealPrivateKey, type EncryptedKey } from "../pki/key-vault.js";
import { OID } from "../pki/oids.js";
import { randomSerial } from "../pki/serial.js";
import { generateSoftwareKey, softwareSigner, type Signer } from "../pki/signer.js";
import { appendAudit } from "../store/audit.js";
import { recordDeskEvents } from "../desk/desk-events.js";
import type { CaAlgorithm, CaKind, CaRow, Database } from "../store/schema.js";
import { actorLabel, type Actor } from "../people/actor.js";
import { requireRole } from "../people/people.js";
import { readCacheOf } from "../store/read-cache.js";

export const CA_ALGORITHMS: readonly CaAlgorithm[] = ["rsa", "ecdsa-p256", "sm2"];

/** A key held in an HSM or on a token, found by label through PKCS#11 (SoftHSM2 renumbers slots). */
export interface Pkcs11KeyRef {
  storage: "pkcs11";
  module: string;
  token: { label: string } | { serial: string };
  keyLabel: string;
}
export type CaKeyRef = EncryptedKey | Pkcs11KeyRef;

export interface CaSecrets {
  /** Unlocks keys encrypted at rest. */
  passphrase: string;
  /** Opens a signer over an HSM key (the PIN comes from configuration, not from the table). */
  openPkcs11Signer?: (ref: Pkcs11KeyRef) => Promise<Signer>;
}

export interface LoadedCa {
  id: string;
  algorithm: CaAlgorithm;
  kind: CaKind;
  issuerId: string | null;
  certificate: Uint8Array;
  view: CertificateView;
  signer: Signer;
}

/** Where the desk publishes what relying parties fetch; every URL in a certificate comes from here. */
export interface PublicationUrls {
  crl(caId: string): string;
  /** the CA's delta CRL (RFC 5280 5.2.4), named in its complete CRLs' freshestCRL */
  deltaCrl(caId: string): string;
  caCertificate(caId: string): string;
  ocsp(): string;
}

/** The desk's own addresses under publicUrl; OCSP may be elsewhere (CERTDESK_OCSP_URL). */
export function publicationUrls(publicUrl: string, ocspUrl?: string): PublicationUrls {
  const base = publicUrl.replace(/\/$/, "");
  const ocsp = ocspUrl ?? `${base}/ocsp`;
  return {
    crl: (caId) => `${base}/crl/${caId}.crl`,
    deltaCrl: (caId) => `${base}/crl/${caId}-delta.crl`,
    caCertificate: (caId) => `${base}/ca/${caId}.crt`,
    ocsp: () => ocsp,
  };
}

export class CaRegistry {
  readonly #signers = new Map<string, Promise<LoadedCa>>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly secrets: CaSecrets,
  ) {}

  /** The CA of this kind that signs now for the algorithm. */
  async active(algorithm: CaAlgorithm, kind: CaKind): Promise<LoadedCa> {
    const load = async () =>
      (
        await this.db
          .selectFrom("cas")
          .select("id")
          .where("algorithm", "=", algorithm)
          .where("kind", "=", kind)
          .where("active", "=", true)
          .executeTakeFirst()
      )?.id;
    // A rollover or a new CA, by any process, moves the store's read-cache counter (0017).
    const cache = readCacheOf(this.db);
    const id = cache ? await cache.get("active-ca", `${algorithm}/${kind}`, load) : await load();
    if (!id) throw new DomainError("ca.not_initialised", { algorithm, kind });
    return this.byId(id);
  }

  byId(id: string): Promise<LoadedCa> {
    let loaded = this.#signers.get(id);
    if (!loaded) {
      loaded = this.#load(id);
      // A failed open (wrong passphrase, HSM away) is not cached: the next call tries again.
      loaded.catch(() => this.#signers.delete(id));
      this.#signers.set(id, loaded);
    }
    return loaded;
  }

  async #load(id: string): Promise<LoadedCa> {
    const row = await this.db.selectFrom("cas").selectAll().where("id", "=", id).executeTakeFirst();
    if (!row) throw new DomainError("ca.not_found", { ca: id });
    return { ...describe(row), signer: await this.#openSigner(row.key as CaKeyRef) };
  }

  async #openSigner(ref: CaKeyRef): Promise<Signer> {
    if (ref.storage === "encrypted") {
      const pkcs8 = openPrivateKey(ref, this.secrets.passphrase);
      return softwareSigner(createPrivateKey({ key: Buffer.from(pkcs8), format: "der", type: "pkcs8" }));
    }
    if (!this.secrets.openPkcs11Signer) throw new DomainError("ca.hsm_not_configured");
    return this.secrets.openPkcs11Signer(ref);
  }
}

function describe(row: CaRow): Omit<LoadedCa, "signer"> {
  return {
    id: row.id,
    algorithm: row.algorithm,
    kind: row.kind,
    issuerId: row.issuer_id,
    certificate: row.certificate,
    view: parseCertificate(row.certificate),
  };
}

export interface CaSummary {
  id: string;
  algorithm: CaAlgorithm;
  kind: CaKind;
  issuerId: string | null;
  subject: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  keyStorage: CaKeyRef["storage"];
  active: boolean;
}

export async function listCas(db: Kysely<Database>): Promise<CaSummary[]> {
  const rows = await db.selectFrom("cas").selectAll().orderBy("algorithm").orderBy("created_at").execute();
  return rows.map((r) => ({
    id: r.id,
    algorithm: r.algorithm,
    kind: r.kind,
    issuerId: r.issuer_id,
    subject: r.subject,
    serial: r.serial,
    notBefore: r.not_before.toISOString(),
    notAfter: r.not_after.toISOString(),
    keyStorage: (r.key as CaKeyRef).storage,
    active: r.active,
  }));
}

// ---- creating a hierarchy ---------------------------------------------------------------------

export interface InitCasInput {
  algorithms: readonly CaAlgorithm[];
  /** The CA's organisation name, written in O of every CA certificate. */
  organisation: string;
  passphrase: string;
  urls: PublicationUrls;
  /** Prefix of CA ids ("demo" gives demo-sm2-issuing …). */
  prefix?: string;
  /** Signs the hierarchy's keys in an HSM instead: makes a key there and returns its signer. */
  hsm?: { generate(id: string, algorithm: CaAlgorithm): Promise<{ ref: Pkcs11KeyRef; signer: Signer }> };
}

const YEAR_MS = 365.25 * 86_400_000;
const LABEL: Record<CaAlgorithm, string> = { rsa: "RSA", "ecdsa-p256": "ECC", sm2: "SM2" };

interface KindProfile {
  years: number;
  cn: (org: string, alg: CaAlgorithm) => string;
  extensions: (urls: PublicationUrls, issuerId: string | null) => ExtensionsInput;
}

/** The CA certificates' own profiles. End-entity profiles are per programme (issuance). */
const CA_PROFILES: Record<CaKind, KindProfile> = {
  root: {
    years: 20,
    cn: (org, alg) => `${org} Root CA ${LABEL[alg]}`,
    extensions: () => ({
      basicConstraints: { ca: true, pathLength: 1 },
      keyUsage: ["keyCertSign", "cRLSign"],
    }),
  },
  issuing: {
    years: 10,
    cn: (org, alg) => `${org} Organisation CA ${LABEL[alg]}`,
    extensions: (urls, issuerId) => ({
      basicConstraints: { ca: true, pathLength: 0 },
      keyUsage: ["keyCertSign", "cRLSign"],
      crlDistributionPoints: [urls.crl(issuerId!)],
      authorityInfoAccess: { caIssuers: [urls.caCertificate(issuerId!)] },
    }),
  },
  "ocsp-responder": {
    years: 2,
    cn: (org, alg) => `${org} OCSP Responder ${LABEL[alg]}`,
    extensions: () => ({
      basicConstraints: { ca: false },
      keyUsage: ["digitalSignature"],
      extendedKeyUsage: [OID.kpOcspSigning],
      ocspNoCheck: true,
    }),
  },
  "seal-maker": {
    years: 5,
    cn: (org, alg) => `${org} Seal Maker ${LABEL[alg]}`,
    extensions: (urls, issuerId) => ({
      basicConstraints: { ca: false },
      keyUsage: ["digitalSignature", "nonRepudiation"],
      crlDistributionPoints: [urls.crl(issuerId!)],
      authorityInfoAccess: { ocsp: [urls.ocsp()], caIssuers: [urls.caCertificate(issuerId!)] },
    }),
  },
  // RFC 3161 section 2.3: the only extended key usage is id-kp-timeStamping, and it is critical.
  // Ten years: a timestamp must outlive the signer certificates it vouches for.
  tsa: {
    years: 10,
    cn: (org, alg) => `${org} Timestamp Authority ${LABEL[alg]}`,
    extensions: (urls, issuerId) => ({
      basicConstraints: { ca: false },
      keyUsage: ["digitalSignature", "nonRepudiation"],
      extendedKeyUsage: [OID.kpTimeStamping],
      extendedKeyUsageCritical: true,
      crlDistributionPoints: [urls.crl(issuerId!)],
      authorityInfoAccess: { ocsp: [urls.ocsp()], caIssuers: [urls.caCertificate(issuerId!)] },
    }),
  },
};

/**
 * Creates, for each algorithm that has none yet, a root, an issuing CA, an OCSP responder, a
 * timestamp authority and (SM2 and RSA only) a seal maker. Algorithms that already have an active
 * issuing CA keep what they have and get only the kinds they lack (safe to re-run).
 */
export async function initCas(
  deps: { db: Kysely<Database>; clock: Clock },
  actor: Actor,
  input: InitCasInput,
): Promise<CaSummary[]> {
  requireRole(actor, "admin");
  const now = deps.clock.now();
  const prefix = input.prefix ? `${input.prefix}-` : "";
  for (const algorithm of input.algorithms) {
    const present = await deps.db
      .selectFrom("cas")
      .select(["id", "kind", "active", "certificate", "key"])
      .where("algorithm", "=", algorithm)
      .execute();
    const signers = new Map<CaKind, { id: string; der: Uint8Array; signer: Signer }>();
    let kinds = kindsOf(algorithm);
    const issuing = present.find((r) => r.kind === "issuing" && r.active);
    if (issuing) {
      // A desk made before a kind existed (the timestamp authority of issue 18) gets it under its
      // issuing CA at the next init or start; what it has is left alone. Only a software issuing
      // key can be opened here: an HSM's desk adds it with a new hierarchy.
      const ids = new Set(present.map((r) => r.id));
      kinds = kinds.filter(
        (k) =>
          !present.some((r) => r.kind === k && r.active) &&
          !ids.has(`${prefix}${algorithm}-${SHORT_KIND[k]}`),
      );
      const key = issuing.key as CaKeyRef;
      if (kinds.length === 0 || kinds.includes("root") || key.storage !== "encrypted") continue;
      const pkcs8 = openPrivateKey(key, input.passphrase);
      const signer = softwareSigner(
        createPrivateKey({ key: Buffer.from(pkcs8), format: "der", type: "pkcs8" }),
      );
      signers.set("issuing", { id: issuing.id, der: issuing.certificate, signer });
    }

    // Root signs itself and the issuing CA; the issuing CA signs the responder and the seal maker.
    const made: { id: string; kind: CaKind; der: Uint8Array; key: CaKeyRef; issuerId: string | null }[] = [];
    for (const kind of kinds) {
      const id = `${prefix}${algorithm}-${SHORT_KIND[kind]}`;
      const key = input.hsm
        ? await input.hsm.generate(id, algorithm)
        : softwareKey(algorithm, input.passphrase);
      const profile = CA_PROFILES[kind];
      const issuer = kind === "root" ? undefined : signers.get(kind === "issuing" ? "root" : "issuing")!;
      const der = await buildCertificate({
        serialNumber: randomSerial(),
        subject: { C: "CN", O: input.organisation, CN: profile.cn(input.organisation, algorithm) },
        subjectPublicKey: key.signer.publicKeySpki,
        notBefore: new Date(now.getTime() - 60_000),
        notAfter: new Date(now.getTime() + profile.years * YEAR_MS),
        extensions: profile.extensions(input.urls, issuer?.id ?? null),
        issuer: issuer ? { certificate: issuer.der } : { selfSigned: true },
        signer: issuer ? issuer.signer : key.signer,
      });
      made.push({ id, kind, der, key: key.ref, issuerId: issuer?.id ?? null });
      signers.set(kind, { id, der, signer: key.signer });
    }
    await deps.db.transaction().execute(async (tx) => {
      for (const m of made) {
        const view = parseCertificate(m.der);
        await tx
          .insertInto("cas")
          .values({
            id: m.id,
            algorithm,
            kind: m.kind,
            issuer_id: m.issuerId,
            certificate: m.der,
            subject: view.subjectText,
            serial: view.serialNumber,
            not_before: view.notBefore,
            not_after: view.notAfter,
            key: JSON.stringify(m.key),
            created_at: now,
          })
          .execute();
        await appendAudit(
          tx,
          {
            actor: actorLabel(actor),
            action: "ca.create",
            subjectType: "ca",
            subjectId: m.id,
            data: { algorithm, kind: m.kind, serial: view.serialNumber, keyStorage: m.key.storage },
          },
          now,
        );
      }
      await recordDeskEvents(
        tx,
        made.map((m) => ({ type: "ca.changed", caId: m.id })),
        now,
      );
    });
  }
  return listCas(deps.db);
}

/** Seals are SM2 or RSA (GB/T 38540 verifiers expect no ECDSA), so an ECDSA hierarchy makes no seal maker. */
function kindsOf(algorithm: CaAlgorithm): readonly CaKind[] {
  const kinds = ["root", "issuing", "ocsp-responder", "tsa"] as const;
  return algorithm === "ecdsa-p256" ? kinds : [...kinds, "seal-maker"];
}

const SHORT_KIND: Record<CaKind, string> = {
  root: "root",
  issuing: "issuing",
  "ocsp-responder": "ocsp",
  "seal-maker": "seal",
  tsa: "tsa",
};

function softwareKey(algorithm: CaAlgorithm, passphrase: string): { ref: EncryptedKey; signer: Signer } {
  const { privateKey, signer } = generateSoftwareKey(algorithm);
  const pkcs8 = privateKey.export({ format: "der", type: "pkcs8" });
  return { ref: sealPrivateKey(pkcs8, passphrase), signer };
}
