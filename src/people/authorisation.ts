/**
 * The authorisation table: for each action the desk offers, which kinds of actor may do it at all.
 * Every HTTP route declares its action (`config: { action }`) and one guard (server/guard.ts)
 * checks this table before the route's handler runs; a route without an action stops the server
 * at startup. The table answers "may this kind of actor do this at all"; whether it may on this
 * object (an organisation touches only its own orders, keys and certificates) stays with the
 * services, and so do the finer rules of the order lifecycle (orders/orders.ts, EVENT_DOERS).
 *
 * Roles are listed in full: admin is named where it may act, and is not implied. Acts that are the
 * organisation's own (binding its platform account, activating its key, paying) are no staff
 * member's, admin included (DOMAIN.md: "activate the certificate and bind it").
 */
import { DomainError } from "../domain/errors.js";
import { STAFF_ROLES, type Actor, type StaffRole } from "./actor.js";

/** Who a row lets in: anyone (no sign-in), an organisation's handler, a staff role, a platform. */
export type Grantee = "anyone" | "organisation" | StaffRole | "platform";

/** Who is calling: a signed-in actor, a relying platform (signed request), or nobody known. */
export type Principal = Actor | { kind: "anonymous" } | { kind: "platform"; platformId: string };

const ANYONE = ["anyone"] as const;
const ORGANISATION = ["organisation"] as const;
const STAFF = STAFF_ROLES;
const SIGNED_IN = ["organisation", ...STAFF_ROLES] as const;
const PLATFORM = ["platform"] as const;

export const ACTIONS = {
  // ---- public: the desk's shop window, sign-in, and what relying parties fetch ----------------
  "desk.health": ANYONE,
  "programme.read": ANYONE,
  "quote.compute": ANYONE,
  "calendar.read": ANYONE,
  "identity.validate": ANYONE,
  "organisation.signUp": ANYONE,
  "session.login": ANYONE,
  "session.logout": ANYONE,
  // A forgotten password, by a code sent to the handler's mobile (people/password-reset.ts).
  "session.passwordReset": ANYONE,
  // The gateway proves itself with its own signature, checked by the payment service.
  "payment.gatewayCallback": ANYONE,
  // The development gateway's pay page (served only in development).
  "devGateway.pay": ANYONE,
  "ca.certificate.read": ANYONE,
  "publication.read": ANYONE,
  // RFC 3161 timestamps, public like OCSP; the route limits body size and rate per address.
  "timestamp.issue": ANYONE,
  "web.page": ANYONE,

  // ---- anyone signed in ------------------------------------------------------------------------
  "session.read": SIGNED_IN,
  "contact.manage": SIGNED_IN,
  "pdf.verify": SIGNED_IN,
  // Reads: an organisation its own (the services filter), staff any.
  "order.read": SIGNED_IN,
  "certificate.read": SIGNED_IN,
  "invoice.read": SIGNED_IN,
  "key.read": SIGNED_IN,
  "payment.receipt.read": SIGNED_IN,
  "payment.query": SIGNED_IN,

  // ---- the organisation's own acts ----------------------------------------------------------
  "organisation.read": ORGANISATION,
  "organisation.addHandler": ORGANISATION,
  "order.create": ORGANISATION,
  "order.submit": ORGANISATION,
  "order.material.upload": ORGANISATION,
  // The waybill number of the paper the organisation mails.
  "order.paperTracking": ORGANISATION,
  "order.pay": ORGANISATION,
  "payment.receipt.upload": ORGANISATION,
  "seal.image.upload": ORGANISATION,
  "certificate.activate": ORGANISATION,
  "certificate.bind": ORGANISATION,
  // The security client, on a key the organisation holds.
  "key.activate": ORGANISATION,
  "key.unlock": ORGANISATION,
  "key.format": ORGANISATION,
  "key.renew": ORGANISATION,
  "key.seal": ORGANISATION,
  // Withdrawn by the organisation, or cancelled by the reviewer (EVENT_DOERS: cancel).
  "order.cancel": ["organisation", "reviewer", "admin"],

  // ---- the back office ----------------------------------------------------------------------
  "office.read": STAFF,
  "office.search": STAFF,
  "order.review": ["reviewer", "admin"],
  "organisation.registerWithOverride": ["reviewer", "admin"],
  "certificate.revoke": ["reviewer", "admin"],
  "order.produce": ["production", "admin"],
  "production.read": ["production", "admin"],
  "order.ship": ["production", "admin"],
  "key.activationCode.send": ["production", "reviewer", "admin"],
  // The service centre's PIN reset of a key at the counter, on the desk's station.
  "key.resetPin": ["production", "admin"],
  // Which role fulfils which service (a refund: finance) is the lifecycle's rule.
  "order.fulfil": ["reviewer", "production", "finance", "admin"],
  "payment.transfer.confirm": ["finance", "admin"],
  "payment.receipt.review": ["finance", "admin"],
  "refund.pay": ["finance", "admin"],
  "refund.read": ["finance", "admin"],
  "finance.read": ["finance", "admin"],
  "ca.read": STAFF,

  // ---- administration -----------------------------------------------------------------------
  "ca.issue": ["admin"],
  "programme.save": ["admin"],
  "calendar.save": ["admin"],
  "audit.verify": ["admin"],
  "jobs.manage": ["admin"],
  "platform.manage": ["admin"],

  // ---- relying platforms, by signed request -------------------------------------------------
  "platform.challenge": PLATFORM,
  "platform.bind": PLATFORM,
  "platform.binding.read": PLATFORM,
  "platform.unbind": PLATFORM,
  "platform.login": PLATFORM,
} as const satisfies Record<string, readonly Grantee[]>;

export type Action = keyof typeof ACTIONS;

export function isAction(name: unknown): name is Action {
  return typeof name === "string" && Object.hasOwn(ACTIONS, name);
}

/** Whether a platform is the only kind of caller the action admits (it is authenticated by signature). */
export function isPlatformAction(action: Action): boolean {
  return (ACTIONS[action] as readonly Grantee[]).includes("platform");
}

export function mayPerform(principal: Principal, action: Action): boolean {
  const grantees: readonly Grantee[] = ACTIONS[action];
  if (grantees.includes("anyone")) return true;
  switch (principal.kind) {
    case "anonymous":
      return false;
    case "platform":
      return grantees.includes("platform");
    case "applicant":
      return grantees.includes("organisation");
    case "staff":
      return principal.roles.some((role) => grantees.includes(role));
    case "system":
      // The desk's own jobs act below the edge; this table is for callers from outside.
      return true;
  }
}

/** Refuses an action the principal may not do: 401 when nobody is signed in, else 403. */
export function authorise(principal: Principal, action: Action): void {
  if (mayPerform(principal, action)) return;
  throw new DomainError(principal.kind === "anonymous" ? "auth.unauthenticated" : "auth.forbidden");
}
