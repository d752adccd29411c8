/**
 * Which back-office pages need which roles, as the server's authorisation table
 * (src/people/authorisation.ts) grants the calls each page makes: the menu offers a page only to
 * those roles, and the page's guard shows the 403 page (pages/Forbidden.tsx) to anyone else.
 * Pages not listed are every staff member's.
 */
import { QUEUES, type StaffRole } from "./office";

const OFFICE_PAGE_ROLES: { path: string; roles: readonly StaffRole[] }[] = [
  { path: "/office/programmes", roles: ["admin"] },
  { path: "/office/audit", roles: ["admin"] },
  { path: "/office/platforms", roles: ["admin"] },
  { path: "/office/receipts", roles: ["finance", "admin"] },
  { path: "/office/invoices", roles: ["finance", "admin"] },
  { path: "/office/finance", roles: ["finance", "admin"] },
  { path: "/office/production", roles: ["production", "admin"] },
  ...QUEUES.map((q) => ({ path: `/office/queue/${q.id}`, roles: [q.role, "admin"] as const })),
];

/** The roles one of which a page needs; undefined when any staff member may open it. */
export function rolesForOfficePage(path: string): readonly StaffRole[] | undefined {
  return OFFICE_PAGE_ROLES.find((p) => path === p.path || path.startsWith(`${p.path}/`))?.roles;
}

export function mayOpenOfficePage(roles: readonly string[], path: string): boolean {
  const needed = rolesForOfficePage(path);
  return !needed || needed.some((role) => roles.includes(role));
}
