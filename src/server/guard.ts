/**
 * The one place the authorisation table (people/authorisation.ts) is enforced over HTTP: every
 * route declares its action in `config: { action }`, and this guard checks the caller against the
 * action's row before the route's handler, its body schema, or its service run. A route that
 * declares no action, or one the table does not know, stops the server at startup.
 */
import type { FastifyInstance, FastifyRequest, RouteOptions } from "fastify";
import {
  authorise,
  isAction,
  isPlatformAction,
  type Action,
  type Principal,
} from "../people/authorisation.js";

declare module "fastify" {
  interface FastifyContextConfig {
    /** What the route does, as the authorisation table names it. */
    action?: Action;
  }
}

/**
 * The caller as the table sees it: a platform whose signature was checked (only ever set on the
 * platforms' API, whatever cookie came along), the session's actor, or nobody.
 */
export function principalOf(req: FastifyRequest): Principal {
  if (req.platform) return { kind: "platform", platformId: req.platform.id };
  if (req.actor) return req.actor;
  return { kind: "anonymous" };
}

/**
 * Installs the guard on every route registered after this call (call it before the routes, after
 * the session is resolved by an onRequest hook: route hooks run after the app's own).
 */
export function guardRoutes(app: FastifyInstance): void {
  app.addHook("onRoute", (route: RouteOptions) => {
    const action: unknown = route.config?.action;
    if (!isAction(action)) {
      const methods = ([] as string[]).concat(route.method).join(",");
      throw new Error(
        `${methods} ${route.url}: declare the route's action (config: { action }) from the table in src/people/authorisation.ts`,
      );
    }
    const check = async (req: FastifyRequest): Promise<void> => authorise(principalOf(req), action);
    // A platform is known once its signature, which covers the body, has been checked (a
    // preValidation hook of the platforms' API); anyone else is refused before the body is read.
    if (isPlatformAction(action)) route.preValidation = [...hooks(route.preValidation), check];
    else route.onRequest = [...hooks(route.onRequest), check];
  });
}

function hooks<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}
