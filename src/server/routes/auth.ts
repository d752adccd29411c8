import { z } from "zod";
import { DomainError } from "../../domain/errors.js";
import { addHandler, login, logout, signUp } from "../../people/people.js";
import { actorOf, SESSION_COOKIE, type AppDeps, type ZApp } from "../app.js";

const actorSchema = z.object({
  kind: z.enum(["applicant", "staff", "system"]),
  userId: z.string().optional(),
  organisationId: z.string().optional(),
  roles: z.array(z.string()).optional(),
  name: z.string(),
});

export function registerAuthRoutes(app: ZApp, deps: AppDeps): void {
  app.post(
    "/api/auth/sign-up",
    {
      config: { action: "organisation.signUp" },
      schema: {
        tags: ["auth"],
        summary: "An organisation signs up with its handler (login = the handler's mobile)",
        body: z.object({
          organisationName: z.string().max(200),
          uscc: z.string().max(30),
          address: z.string().max(300).optional(),
          handlerName: z.string().max(50),
          idNumber: z.string().max(30),
          mobile: z.string().max(30),
          password: z.string().max(200),
        }),
        response: { 201: z.object({ userId: z.string(), organisationId: z.string() }) },
      },
    },
    async (req, reply) => reply.status(201).send(await signUp(deps, req.body)),
  );

  app.post(
    "/api/auth/login",
    {
      config: { action: "session.login" },
      schema: {
        tags: ["auth"],
        body: z.object({ login: z.string().max(100), password: z.string().max(200) }),
        response: { 200: z.object({ token: z.string(), expiresAt: z.string(), actor: actorSchema }) },
      },
    },
    async (req, reply) => {
      const session = await login(deps, { ...req.body, address: req.ip });
      reply.setCookie(SESSION_COOKIE, session.token, {
        path: "/",
        httpOnly: true,
        sameSite: "lax",
        secure: deps.secureCookies,
        expires: session.expiresAt,
      });
      return { token: session.token, expiresAt: session.expiresAt.toISOString(), actor: session.actor };
    },
  );

  app.post(
    "/api/auth/logout",
    { config: { action: "session.logout" }, schema: { tags: ["auth"] } },
    async (req, reply) => {
      if (req.sessionToken) await logout(deps, req.sessionToken);
      reply.clearCookie(SESSION_COOKIE, { path: "/" });
      return { ok: true };
    },
  );

  app.post(
    "/api/organisation/handlers",
    {
      config: { action: "organisation.addHandler" },
      schema: {
        tags: ["auth"],
        summary: "Add another handler to the signed-in handler's organisation",
        body: z.object({
          handlerName: z.string().max(50),
          idNumber: z.string().max(30),
          mobile: z.string().max(30),
          password: z.string().max(200),
        }),
        response: { 201: z.object({ userId: z.string() }) },
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      if (actor.kind !== "applicant") throw new DomainError("auth.forbidden");
      return reply.status(201).send(await addHandler(deps, actor, actor.organisationId, req.body));
    },
  );

  app.get(
    "/api/me",
    { config: { action: "session.read" }, schema: { tags: ["auth"], response: { 200: actorSchema } } },
    async (req) => actorOf(req),
  );
}
