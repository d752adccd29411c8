import { z } from "zod";
import { DomainError } from "../../domain/errors.js";
import type { FastifyReply } from "fastify";
import { requestPasswordReset, resetPassword } from "../../people/password-reset.js";
import { addHandler, login, logout, signUp, type Session } from "../../people/people.js";
import type { AppDeps, ZApp } from "../app.js";
import { actorOf, SESSION_COOKIE } from "../session.js";

const actorSchema = z.object({
  kind: z.enum(["applicant", "staff", "system"]),
  userId: z.string().optional(),
  organisationId: z.string().optional(),
  roles: z.array(z.string()).optional(),
  name: z.string(),
});

const sessionSchema = z.object({ token: z.string(), expiresAt: z.string(), actor: actorSchema });

/** The session as the cookie the web app sends back, and as the answer (for the security client). */
function sessionAnswer(deps: AppDeps, reply: FastifyReply, session: Session) {
  reply.setCookie(SESSION_COOKIE, session.token, {
    path: "/",
    httpOnly: true,
    sameSite: "lax",
    secure: deps.secureCookies,
    expires: session.expiresAt,
  });
  return { token: session.token, expiresAt: session.expiresAt.toISOString(), actor: session.actor };
}

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
        response: { 200: sessionSchema },
      },
    },
    async (req, reply) => sessionAnswer(deps, reply, await login(deps, { ...req.body, address: req.ip })),
  );

  app.post(
    "/api/auth/password-reset/request",
    {
      config: { action: "session.passwordReset" },
      schema: {
        tags: ["auth"],
        summary:
          "A handler who forgot the password asks for a code by SMS; the same answer whether or not the login exists",
        body: z.object({ login: z.string().max(100) }),
        response: { 202: z.object({ resendAfterSeconds: z.number(), expiresInMinutes: z.number() }) },
      },
    },
    async (req, reply) =>
      reply.status(202).send(await requestPasswordReset(deps, { login: req.body.login, address: req.ip })),
  );

  app.post(
    "/api/auth/password-reset/confirm",
    {
      config: { action: "session.passwordReset" },
      schema: {
        tags: ["auth"],
        summary:
          "A new password with the code sent by SMS: the account's other sessions end and it is signed in",
        body: z.object({
          login: z.string().max(100),
          code: z.string().max(20),
          password: z.string().max(200),
        }),
        response: { 200: sessionSchema },
      },
    },
    async (req, reply) => sessionAnswer(deps, reply, await resetPassword(deps, req.body)),
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
