/**
 * The session as routes see it: the cookie's name and the actor of a signed-in request. Apart
 * from app.ts so that route modules never import the app that registers them.
 */
import type { FastifyRequest } from "fastify";
import { DomainError } from "../domain/errors.js";
import type { Actor } from "../people/actor.js";

export const SESSION_COOKIE = "certdesk_session";

/** The signed-in actor of a request (the app's hook resolved it); none is refused as unauthenticated. */
export function actorOf(req: FastifyRequest): Actor {
  if (!req.actor) throw new DomainError("auth.unauthenticated");
  return req.actor;
}
