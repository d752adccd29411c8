/**
 * The desk's electronic seals: the applicant uploads a scan or photo of the physical imprint and
 * previews the clean picture made from it; at the seal order's production step the desk makes a
 * GB/T 38540 seal from that picture, bound to the organisation's certificate and signed by the CA's
 * seal maker; the security client fetches it and installs it on the key (activation).
 *
 * One certificate holds at most one seal (programme A's rule): a seal change marks the old seal
 * replaced and binds the new one in the same transaction, and the store's partial unique index
 * keeps one live seal per certificate even when two productions race.
 */
import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import { DomainError } from "../domain/errors.js";
import { pendingStep, TERMINAL_STATES, type OrderState } from "../domain/lifecycle.js";
import type { SealType } from "../domain/programme.js";
import { parseCertificate } from "../pki/certificate.js";
import { buildSeal } from "../seal/build.js";
import type { SealImageOptions } from "../seal/image.js";
import { assertImageWithinLimits } from "../seal/image-header.js";
import { uploadPool } from "../seal/upload-pool.js";
import { appendAudit } from "../store/audit.js";
import type { Database } from "../store/schema.js";
import { sealStore, type SealRow } from "../store/schema-seals.js";
import { actorLabel, type Actor } from "../people/actor.js";
import type { CaRegistry } from "../ca/ca.js";
import {
  assertCanSee,
  flowOf,
  getOrder,
  lockOrder,
  viewOf,
  type OrderDeps,
  type OrderDetails,
  type OrderView,
} from "../orders/orders.js";
import { transitionInTx } from "../orders/transitions.js";
import { requireRole } from "../people/people.js";
import { getProgramme } from "../orders/programmes.js";

export type SealDeps = OrderDeps & { cas: Pick<CaRegistry, "active"> };

export const SEAL_SERVICES: readonly string[] = ["seal-apply", "seal-change"];

/** The seal's picture: 40 mm across, the size of an official seal (GA 241-2000), at 300 dpi. */
export const SEAL_PICTURE_DEFAULTS = { sizeMm: 40, dpi: 300 } as const;

/** The seal system's vendor ID in SES_Header (IA5). */
export const SEAL_VENDOR = "certdesk";

export interface SealView {
  id: string;
  esId: string;
  orderId: string;
  certificateId: string;
  name: string | null;
  type: SealType | null;
  widthMm: number | null;
  heightMm: number | null;
  validFrom: Date | null;
  validTo: Date | null;
  createdAt: Date;
  replacedAt: Date | null;
  replacedBy: string | null;
}

const viewOfSeal = (row: SealRow): SealView => ({
  id: row.id,
  esId: row.es_id,
  orderId: row.order_id,
  certificateId: row.certificate_id,
  name: row.name,
  type: row.seal_type,
  widthMm: row.width_mm,
  heightMm: row.height_mm,
  validFrom: row.valid_from,
  validTo: row.valid_to,
  createdAt: row.created_at,
  replacedAt: row.replaced_at,
  replacedBy: row.replaced_by,
});

/**
 * What the desk trusts when it verifies a signed PDF: its roots, and its issuing CAs to complete a
 * chain a signature does not carry (a USB key usually holds only its own certificate). Old ones too:
 * a PDF signed years ago chains to the CAs of then.
 */
export async function deskTrust(
  db: Kysely<Database>,
): Promise<{ trustAnchors: Uint8Array[]; intermediates: Uint8Array[] }> {
  const rows = await db
    .selectFrom("cas")
    .select(["kind", "certificate"])
    .where("kind", "in", ["root", "issuing"])
    .execute();
  return {
    trustAnchors: rows.filter((r) => r.kind === "root").map((r) => r.certificate),
    intermediates: rows.filter((r) => r.kind === "issuing").map((r) => r.certificate),
  };
}

// ---- the seal image ---------------------------------------------------------------------------

export interface SealImageView {
  orderId: string;
  widthMm: number;
  heightMm: number;
  dpi: number;
  widthPx: number;
  heightPx: number;
  uploadedAt: Date;
}

/** A seal image may be given while the order waits for the applicant or the review. */
function assertImageOpen(order: { service: string; state: string; details: unknown }): void {
  const sealRequested = (order.details as OrderDetails).sealRequested === true;
  if (!SEAL_SERVICES.includes(order.service) && !(order.service === "new" && sealRequested)) {
    throw new DomainError("seal.image_not_for_order", { service: order.service });
  }
  if ((TERMINAL_STATES as readonly string[]).includes(order.state)) {
    throw new DomainError("seal.image_order_closed", { state: order.state });
  }
}

/**
 * Makes the seal picture from the applicant's scan or photo and keeps both with the order. An
 * unusable image is refused with the reason (seal.image_*) and nothing is stored.
 */
export async function uploadSealImage(
  deps: OrderDeps,
  actor: Actor,
  orderId: string,
  input: { bytes: Uint8Array } & Partial<SealImageOptions>,
): Promise<SealImageView> {
  if (actor.kind !== "applicant") throw new DomainError("auth.forbidden");
  // A bomb is refused here at once; the decoding and hashing happen on the upload pool's threads.
  assertImageWithinLimits(input.bytes);
  const { picture, sha256 } = await uploadPool().sealImage(input.bytes, {
    sizeMm: input.sizeMm ?? SEAL_PICTURE_DEFAULTS.sizeMm,
    dpi: input.dpi ?? SEAL_PICTURE_DEFAULTS.dpi,
  });
  const now = deps.clock.now();
  return deps.db.transaction().execute(async (base) => {
    const tx = sealStore(base);
    const order = await lockOrder(base, orderId);
    assertCanSee(actor, order);
    assertImageOpen(order);
    const made = await tx
      .selectFrom("seals")
      .select("es_id")
      .where("order_id", "=", orderId)
      .executeTakeFirst();
    if (made) throw new DomainError("seal.image_seal_made", { esId: made.es_id });
    const row = {
      order_id: orderId,
      source: input.bytes,
      source_type: picture.sourceType,
      source_sha256: sha256,
      png: picture.png,
      width_mm: picture.widthMm,
      height_mm: picture.heightMm,
      dpi: picture.dpi,
      width_px: picture.widthPx,
      height_px: picture.heightPx,
      uploaded_by: actor.userId,
      uploaded_at: now,
    };
    await tx
      .insertInto("seal_images")
      .values(row)
      .onConflict((oc) => oc.column("order_id").doUpdateSet(row))
      .execute();
    await appendAudit(
      base,
      {
        actor: actorLabel(actor),
        action: "seal.image_upload",
        subjectType: "order",
        subjectId: orderId,
        data: {
          sha256: row.source_sha256,
          widthMm: picture.widthMm,
          dpi: picture.dpi,
          widthPx: picture.widthPx,
          inkPixels: picture.analysis.inkPixels,
        },
      },
      now,
    );
    return {
      orderId,
      widthMm: picture.widthMm,
      heightMm: picture.heightMm,
      dpi: picture.dpi,
      widthPx: picture.widthPx,
      heightPx: picture.heightPx,
      uploadedAt: now,
    };
  });
}

/** The processed picture (PNG), as the seal will show it: for the applicant's and reviewer's preview. */
export async function sealImagePreview(deps: OrderDeps, actor: Actor, orderId: string): Promise<Uint8Array> {
  await getOrder(deps, actor, orderId);
  const row = await sealStore(deps.db)
    .selectFrom("seal_images")
    .select("png")
    .where("order_id", "=", orderId)
    .executeTakeFirst();
  if (!row) throw new DomainError("seal.image_not_found");
  return row.png;
}

// ---- production -------------------------------------------------------------------------------

export type ProducedSeal = OrderView & { seal: SealView };

/**
 * The production step of a seal order: makes the seal from the order's picture, bound to the
 * order's certificate, signed by the seal maker of the certificate's algorithm (SM2 certificates
 * get SM3withSM2, the others ecdsa-with-SHA256), and moves the order on to activation. A seal
 * change replaces the certificate's live seal. Run again, it finds the seal made and returns it.
 * A new order that asked for a seal gets it the same way once its certificate is issued (the
 * order itself is moved by its keys' production).
 */
export async function produceSeal(deps: SealDeps, actor: Actor, orderId: string): Promise<ProducedSeal> {
  requireRole(actor, "production");
  const db = sealStore(deps.db);
  const order = await db.selectFrom("orders").selectAll().where("id", "=", orderId).executeTakeFirst();
  if (!order) throw new DomainError("order.not_found");
  const details = order.details as OrderDetails;
  const sealOrder = SEAL_SERVICES.includes(order.service);
  if (!sealOrder && !(order.service === "new" && details.sealRequested === true)) {
    throw new DomainError("seal.order_makes_no_seal", { service: order.service });
  }
  const existing = await db
    .selectFrom("seals")
    .selectAll()
    .where("order_id", "=", orderId)
    .executeTakeFirst();
  if (existing) return finishSealProduction(deps, actor, orderId, existing);

  if (sealOrder) {
    const programme = await getProgramme(deps.db, order.programme_id);
    const step = pendingStep(flowOf(programme, order.service), order.state as OrderState);
    if (step !== "production") throw new DomainError("seal.order_not_in_production", { state: order.state });
  } else {
    // A new certificate that asked for a seal: made once production has issued the certificate.
    if (!order.certificate_id) throw new DomainError("seal.certificate_not_issued", { order: order.number });
    if ((TERMINAL_STATES as readonly string[]).includes(order.state)) {
      throw new DomainError("seal.image_order_closed", { state: order.state });
    }
  }
  const certificateId = order.certificate_id ?? details.certificateId;
  const cert = certificateId
    ? await db.selectFrom("certificates").selectAll().where("id", "=", certificateId).executeTakeFirst()
    : undefined;
  if (!cert?.der || cert.organisation_id !== order.organisation_id) {
    throw new DomainError("order.certificate_not_found");
  }
  if (cert.status === "revoked")
    throw new DomainError("rules.certificate.revoked", { service: order.service });
  const image = await db
    .selectFrom("seal_images")
    .selectAll()
    .where("order_id", "=", orderId)
    .executeTakeFirst();
  if (!image) throw new DomainError("seal.image_missing");

  const now = deps.clock.now();
  const validTo = parseCertificate(cert.der).notAfter;
  if (!(validTo > now)) {
    throw new DomainError("rules.certificate.expired", {
      service: order.service,
      notAfter: validTo.toISOString().slice(0, 10),
    });
  }
  const type: SealType = details.sealType === "contract" ? "contract" : "official";
  const name = details.sealName?.trim() ?? "";
  const maker = await deps.cas.active(cert.key_algorithm === "sm2" ? "sm2" : "ecdsa-p256", "seal-maker");
  const esId = `CDSEAL${order.number}`;
  const der = await buildSeal({
    id: esId,
    type,
    name,
    boundCertificates: [cert.der],
    validStart: now,
    validEnd: validTo,
    createdAt: now,
    picture: { type: "PNG", data: image.png, widthMm: image.width_mm, heightMm: image.height_mm },
    maker: { certificate: maker.certificate, signer: maker.signer },
    vendor: SEAL_VENDOR,
  });

  const made = await deps.db
    .transaction()
    .execute(async (base) => {
      const tx = sealStore(base);
      // The certificate first (as activation locks it, before the order): productions of two seal
      // orders for one certificate take turns, and the second sees the first one's seal.
      await base.selectFrom("certificates").select("id").where("id", "=", cert.id).forUpdate().execute();
      const locked = await lockOrder(base, orderId);
      const again = await tx
        .selectFrom("seals")
        .selectAll()
        .where("order_id", "=", orderId)
        .executeTakeFirst();
      if (again) return again;
      const live = await tx
        .selectFrom("seals")
        .selectAll()
        .where("certificate_id", "=", cert.id)
        .where("replaced_at", "is", null)
        .forUpdate()
        .executeTakeFirst();
      if (locked.service !== "seal-change" && live) {
        throw new DomainError("rules.seal.already_exists", { sealName: live.name ?? live.es_id });
      }
      if (locked.service === "seal-change" && !live) throw new DomainError("rules.seal.none_to_change");
      const id = randomUUID();
      if (live) {
        await tx.updateTable("seals").set({ replaced_at: now }).where("id", "=", live.id).execute();
      }
      const row = await tx
        .insertInto("seals")
        .values({
          id,
          order_id: orderId,
          certificate_id: cert.id,
          es_id: esId,
          der,
          name,
          seal_type: type,
          picture: image.png,
          width_mm: image.width_mm,
          height_mm: image.height_mm,
          valid_from: now,
          valid_to: validTo,
          created_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      if (live) await tx.updateTable("seals").set({ replaced_by: id }).where("id", "=", live.id).execute();
      await appendAudit(
        base,
        {
          actor: actorLabel(actor),
          action: live ? "seal.replace" : "seal.make",
          subjectType: "certificate",
          subjectId: cert.id,
          data: {
            esId,
            name,
            type,
            order: locked.number,
            certificateSerial: cert.serial,
            maker: maker.id,
            ...(live ? { replaced: live.es_id } : {}),
          },
        },
        now,
      );
      return row;
    })
    .catch((e: unknown) => {
      // Another writer of seals (the key's install path) got there first: the index keeps one.
      if (typeof e === "object" && e !== null && (e as { code?: unknown }).code === "23505") {
        throw new DomainError("rules.seal.already_exists", { sealName: name });
      }
      throw e;
    });
  return finishSealProduction(deps, actor, orderId, made);
}

/** Moves the order past production (when it still waits there) and returns it with its seal. */
async function finishSealProduction(
  deps: SealDeps,
  actor: Actor,
  orderId: string,
  seal: SealRow,
): Promise<ProducedSeal> {
  const row = await deps.db.transaction().execute(async (tx) => {
    const order = await lockOrder(tx, orderId);
    // A new order's production step is its keys': the seal made for it moves nothing.
    if (!SEAL_SERVICES.includes(order.service)) return order;
    const programme = await getProgramme(tx, order.programme_id);
    if (pendingStep(flowOf(programme, order.service), order.state as OrderState) !== "production")
      return order;
    if (order.state !== "in_production") await transitionInTx(tx, deps, actor, orderId, "start_production");
    return transitionInTx(tx, deps, actor, orderId, "finish_production", { data: { esId: seal.es_id } });
  });
  return { ...viewOf(deps, row), seal: viewOfSeal(seal) };
}

// ---- reading seals ----------------------------------------------------------------------------

/** The live seal of a certificate, for its organisation (to install on the key) and for staff. */
export async function sealOfCertificate(
  deps: Pick<OrderDeps, "db">,
  actor: Actor,
  certificateId: string,
): Promise<SealView & { der: Uint8Array }> {
  const db = sealStore(deps.db);
  const cert = await db
    .selectFrom("certificates")
    .select(["id", "organisation_id"])
    .where("id", "=", certificateId)
    .executeTakeFirst();
  if (!cert || !cert.organisation_id) throw new DomainError("order.certificate_not_found");
  assertCanSee(actor, { organisation_id: cert.organisation_id });
  const row = await db
    .selectFrom("seals")
    .selectAll()
    .where("certificate_id", "=", certificateId)
    .where("replaced_at", "is", null)
    .executeTakeFirst();
  if (!row) throw new DomainError("seal.not_found");
  return { ...viewOfSeal(row), der: row.der };
}

/** Every seal a certificate has held, newest first (the replaced ones too). */
export async function sealHistory(
  deps: Pick<OrderDeps, "db">,
  actor: Actor,
  certificateId: string,
): Promise<SealView[]> {
  const db = sealStore(deps.db);
  const cert = await db
    .selectFrom("certificates")
    .select("organisation_id")
    .where("id", "=", certificateId)
    .executeTakeFirst();
  if (!cert?.organisation_id) throw new DomainError("order.certificate_not_found");
  assertCanSee(actor, { organisation_id: cert.organisation_id });
  const rows = await db
    .selectFrom("seals")
    .selectAll()
    .where("certificate_id", "=", certificateId)
    .orderBy("created_at", "desc")
    .execute();
  return rows.map(viewOfSeal);
}
