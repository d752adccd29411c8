/** Reading programme data for the portal and the guides: which fields and materials a service has. */
import type { Material, OrderDetails, Programme, ServiceCode, ServiceDefinition, Step } from "../api/types";

/** The catalogue order of services (the server's JSON keeps no order). */
export const SERVICE_ORDER = [
  "new",
  "renewal",
  "change",
  "reissue",
  "unlock",
  "seal-apply",
  "seal-change",
  "refund",
  "pin-reset",
  "format",
  "courier",
  "remote-support",
] as const satisfies readonly ServiceCode[];
// Fails to compile when the server gains a service this list lacks.
const _everyService: readonly (typeof SERVICE_ORDER)[number][] = [] as ServiceCode[];
void _everyService;

export function offeredServices(programme: Programme): [ServiceCode, ServiceDefinition][] {
  return SERVICE_ORDER.flatMap((code) => {
    const def = programme.services[code];
    return def ? [[code, def] as [ServiceCode, ServiceDefinition]] : [];
  });
}

export type CertificateNeed = "required" | "optional" | "none";

/** Services that act on an existing certificate (the server checks the same in createOrder). */
export function certificateNeed(service: ServiceCode): CertificateNeed {
  switch (service) {
    case "renewal":
    case "change":
    case "reissue":
    case "seal-apply":
    case "seal-change":
      return "required";
    case "unlock":
    case "pin-reset":
    case "format":
    case "remote-support":
      return "optional";
    default:
      return "none";
  }
}

export function hasStep(def: ServiceDefinition, step: Step): boolean {
  return def.steps.includes(step);
}

/** The seal can be requested with a new certificate when the programme allows seals and has the form. */
export function offersSealWithNew(programme: Programme, service: ServiceCode): boolean {
  const def = programme.services[service];
  return (
    service === "new" &&
    programme.rules.maxSealsPerCertificate > 0 &&
    Boolean(def?.materials.some((m) => m.condition === "seal-requested"))
  );
}

export function sealServices(service: ServiceCode): boolean {
  return service === "seal-apply" || service === "seal-change";
}

export function uploadable(material: Material): boolean {
  return material.submission.includes("upload");
}

export function mailed(material: Material): boolean {
  return material.submission.includes("mail");
}

/** Whether a material is asked for in this order: "yes", "no", or "maybe" (decided later). */
export function materialApplies(material: Material, details: OrderDetails): "yes" | "no" | "maybe" {
  switch (material.condition) {
    case undefined:
      return "yes";
    case "seal-requested":
      return details.sealRequested ? "yes" : "no";
    case "key-received":
    case "manual-review":
      return "maybe";
  }
}

/** Uploads the server requires before submit (assertMaterialsComplete). */
export function requiredUploads(def: ServiceDefinition, details: OrderDetails): Material[] {
  return def.materials.filter((m) => uploadable(m) && !m.optional && materialApplies(m, details) === "yes");
}

/** The states in which the applicant may still replace uploads (orders/materials.ts EDITABLE). */
export const UPLOAD_STATES = ["draft", "submitted", "awaiting_payment", "paid", "rejected"] as const;

export function yearsOffered(programme: Programme): number[] {
  return [...programme.rules.validityYears].sort((a, b) => a - b);
}

export function defaultYears(programme: Programme): number {
  const offered = yearsOffered(programme);
  return programme.rules.defaultYears ?? (offered.includes(3) ? 3 : (offered[0] ?? 1));
}

export function defaultKeys(programme: Programme): number {
  const k = programme.rules.keysPerOrder;
  return k.recommended ?? k.min;
}

/**
 * Materials the reviewer rejected whose scan is still the one rejected (or gone): the server
 * refuses a resubmission until each has a new upload (services/fulfilment.ts).
 */
export function rejectedNotReplaced(
  def: ServiceDefinition,
  order: {
    state: string;
    rejection: { items: { target: string }[]; onFile?: Record<string, string> } | null;
  },
  uploaded: { id: string; materialId: string }[],
): Material[] {
  if (order.state !== "rejected" || !order.rejection) return [];
  const named = new Set(order.rejection.items.map((i) => i.target));
  const onFile = order.rejection.onFile ?? {};
  return def.materials.filter((m) => {
    if (!named.has(m.id) || !uploadable(m)) return false;
    const now = uploaded.find((u) => u.materialId === m.id);
    return !now || now.id === onFile[m.id];
  });
}
