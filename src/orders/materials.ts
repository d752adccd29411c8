/**
 * Materials: the scans an applicant uploads for an order. The file type is judged by content
 * (magic bytes), never by name or declared type; a new upload of the same material supersedes the
 * old one, which stays on record.
 */
import { randomUUID } from "node:crypto";
import { DomainError } from "../domain/errors.js";
import type { OrderState } from "../domain/lifecycle.js";
import { MAX_STORED_IMAGE_PIXELS, assertImageWithinLimits } from "../seal/image-header.js";
import { appendAudit } from "../store/audit.js";
import { actorLabel, type Actor } from "../people/actor.js";
import { assertCanSee, flowOf, lockOrder, type OrderDeps } from "./orders.js";
import { getProgramme } from "./programmes.js";

export type FileKind = "pdf" | "jpg" | "png";

export function sniffFileKind(bytes: Uint8Array): FileKind | undefined {
  const starts = (...sig: number[]) => sig.every((b, i) => bytes[i] === b);
  if (starts(0x25, 0x50, 0x44, 0x46, 0x2d)) return "pdf"; // %PDF-
  if (starts(0xff, 0xd8, 0xff)) return "jpg";
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return "png";
  return undefined;
}

/** SHA-256 (hex) on libuv's thread pool (WebCrypto digests run there), not on the event loop. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  return Buffer.from(await crypto.subtle.digest("SHA-256", bytes)).toString("hex");
}

const CONTENT_TYPES: Record<FileKind, string> = {
  pdf: "application/pdf",
  jpg: "image/jpeg",
  png: "image/png",
};

/** The applicant may change materials until a reviewer has looked at the order. */
const EDITABLE: readonly OrderState[] = ["draft", "submitted", "awaiting_payment", "paid", "rejected"];

export interface MaterialView {
  id: string;
  materialId: string;
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
  uploadedAt: string;
}

export async function uploadMaterial(
  deps: OrderDeps & { uploadLimitBytes: number },
  actor: Actor,
  input: { orderId: string; materialId: string; filename: string; bytes: Uint8Array },
): Promise<MaterialView> {
  if (input.bytes.length === 0) throw new DomainError("material.empty");
  if (input.bytes.length > deps.uploadLimitBytes) {
    throw new DomainError("material.too_large", {
      size: (input.bytes.length / 1048576).toFixed(1),
      limit: Math.floor(deps.uploadLimitBytes / 1048576),
    });
  }
  // Stored, not decoded here; but a reviewer's browser decodes it: no image bombs on file either.
  assertImageWithinLimits(input.bytes, MAX_STORED_IMAGE_PIXELS);
  const sha256 = await sha256Hex(input.bytes);
  const now = deps.clock.now();
  return deps.db.transaction().execute(async (tx) => {
    const order = await lockOrder(tx, input.orderId);
    assertCanSee(actor, order);
    if (actor.kind !== "applicant") throw new DomainError("auth.forbidden");
    if (!EDITABLE.includes(order.state as OrderState)) throw new DomainError("material.locked");
    const programme = await getProgramme(tx, order.programme_id);
    const { definition } = flowOf(programme, order.service);
    const material = definition.materials.find((m) => m.id === input.materialId);
    if (!material) throw new DomainError("material.unknown", { material: input.materialId });
    if (!material.submission.includes("upload"))
      throw new DomainError("material.not_uploadable", { material: material.name["zh-CN"] });
    const kind = sniffFileKind(input.bytes);
    const accepted = material.acceptedFileTypes.filter((t): t is FileKind => t !== "ofd");
    if (!kind || !accepted.includes(kind)) {
      throw new DomainError("material.type_refused", {
        accepted: material.acceptedFileTypes.map((t) => t.toUpperCase()).join("/"),
      });
    }
    await tx
      .updateTable("materials")
      .set({ superseded_at: now })
      .where("order_id", "=", order.id)
      .where("material_id", "=", material.id)
      .where("superseded_at", "is", null)
      .execute();
    const id = randomUUID();
    const filename = input.filename.replace(/[\\/\0]/g, "_").slice(0, 200) || `${material.id}.${kind}`;
    await tx
      .insertInto("materials")
      .values({
        id,
        order_id: order.id,
        material_id: material.id,
        filename,
        content_type: CONTENT_TYPES[kind],
        size: input.bytes.length,
        sha256,
        content: input.bytes,
        uploaded_by: actor.userId,
        uploaded_at: now,
        superseded_at: null,
      })
      .execute();
    await appendAudit(
      tx,
      {
        actor: actorLabel(actor),
        action: "material.upload",
        subjectType: "order",
        subjectId: order.id,
        data: { material: material.id, sha256, size: input.bytes.length },
      },
      now,
    );
    return {
      id,
      materialId: material.id,
      filename,
      contentType: CONTENT_TYPES[kind],
      size: input.bytes.length,
      sha256,
      uploadedAt: now.toISOString(),
    };
  });
}

export async function listMaterials(
  deps: Pick<OrderDeps, "db">,
  actor: Actor,
  orderId: string,
): Promise<MaterialView[]> {
  const order = await deps.db
    .selectFrom("orders")
    .select(["organisation_id"])
    .where("id", "=", orderId)
    .executeTakeFirst();
  if (!order) throw new DomainError("order.not_found");
  assertCanSee(actor, order);
  const rows = await deps.db
    .selectFrom("materials")
    .select(["id", "material_id", "filename", "content_type", "size", "sha256", "uploaded_at"])
    .where("order_id", "=", orderId)
    .where("superseded_at", "is", null)
    .orderBy("uploaded_at")
    .execute();
  return rows.map((r) => ({
    id: r.id,
    materialId: r.material_id,
    filename: r.filename,
    contentType: r.content_type,
    size: r.size,
    sha256: r.sha256,
    uploadedAt: r.uploaded_at.toISOString(),
  }));
}

export async function readMaterial(
  deps: Pick<OrderDeps, "db">,
  actor: Actor,
  id: string,
): Promise<{ filename: string; contentType: string; content: Uint8Array }> {
  const row = await deps.db
    .selectFrom("materials")
    .innerJoin("orders", "orders.id", "materials.order_id")
    .select(["materials.filename", "materials.content_type", "materials.content", "orders.organisation_id"])
    .where("materials.id", "=", id)
    .executeTakeFirst();
  if (!row) throw new DomainError("common.not_found", { what: id });
  assertCanSee(actor, row);
  return { filename: row.filename, contentType: row.content_type, content: row.content };
}
