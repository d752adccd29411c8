/** Who is acting: an organisation's handler, a staff member with roles, or the system itself. */
export const STAFF_ROLES = ["reviewer", "production", "finance", "admin"] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export type Actor =
  | { kind: "applicant"; userId: string; organisationId: string; name: string }
  | { kind: "staff"; userId: string; roles: StaffRole[]; name: string }
  | { kind: "system"; name: string };

export function actorLabel(actor: Actor): string {
  return actor.kind === "system" ? `system:${actor.name}` : `${actor.kind}:${actor.userId}`;
}

export const systemActor = (name: string): Actor => ({ kind: "system", name });
