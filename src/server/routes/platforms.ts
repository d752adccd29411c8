/**
 * Relying platforms. Two faces:
 * - /api/platforms…: the back office registers platforms, rotates their credentials, reads the
 *   webhook delivery log and replays a delivery (admin);
 * - /api/platform/v1/…: the platform's own API, every request HMAC-signed with its credential
 *   (sdk/signing.ts): challenges, binding accounts, certificate login.
 */
import type { FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { DomainError } from "../../domain/errors.js";
import {
  authenticatePlatform,
  getPlatform,
  listPlatforms,
  registerPlatform,
  revokeCredential,
  rotateCredential,
  updatePlatform,
  type PlatformDeps,
} from "../../platforms/clients.js";
import { accountBindings, bindWithProof, unbindAccount, verifyLogin } from "../../platforms/bindings.js";
import { issueChallenge } from "../../platforms/challenges.js";
import { listDeliveries, replayDelivery, type WebhookTransport } from "../../platforms/webhooks.js";
import type { PlatformClientRow } from "../../store/schema-platforms.js";
import { actorOf, type AppDeps, type ZApp } from "../app.js";

export interface PlatformSettings {
  /** The desk's secret key: credential secrets are sealed under it. */
  secretKey: string;
  /** How webhooks are posted (tests put a receiver in between); fetch when left out. */
  webhookTransport?: WebhookTransport | undefined;
}

declare module "fastify" {
  interface FastifyRequest {
    rawBody: Buffer | undefined;
    platform: PlatformClientRow | undefined;
  }
}

const b64 = z
  .string()
  .min(1)
  .max(20_000)
  .regex(/^[A-Za-z0-9+/=\s]+$/);
const account = z.string().trim().min(1).max(100);
const credential = z.object({ keyId: z.string(), secret: z.string() });
const platformView = z.object({
  id: z.string(),
  programmeId: z.string(),
  name: z.string(),
  webhookUrl: z.string().nullable(),
  createdAt: z.string(),
  disabledAt: z.string().nullable(),
  credentials: z.array(
    z.object({
      keyId: z.string(),
      createdAt: z.string(),
      expiresAt: z.string().nullable(),
      revokedAt: z.string().nullable(),
      usable: z.boolean(),
    }),
  ),
});
const bindingView = z.object({
  id: z.string(),
  account: z.string(),
  certificate: z.object({
    id: z.string(),
    serial: z.string(),
    subject: z.string(),
    notAfter: z.string(),
    status: z.string(),
  }),
  boundAt: z.string(),
  unboundAt: z.string().nullable(),
  unboundReason: z.string().nullable(),
  platform: z.string().nullable(),
  succeeds: z.string().nullable(),
});
const signedChallenge = z.object({
  challenge: z.string().min(1).max(200),
  /** the platform's own web origin: the key signed the challenge bound to it (docs/agent.md) */
  origin: z.string().min(1).max(300),
  certificate: b64,
  signature: b64,
});

export function registerPlatformRoutes(app: ZApp, deps: AppDeps & { platforms: PlatformSettings }): void {
  const platformDeps: PlatformDeps = { db: deps.db, clock: deps.clock, secretKey: deps.platforms.secretKey };
  const webhookDeps = { ...platformDeps, transport: deps.platforms.webhookTransport };

  // ---- the back office ------------------------------------------------------------------------

  app.get(
    "/api/platforms",
    {
      config: { action: "platform.manage" },
      schema: {
        tags: ["platforms"],
        summary: "Registered platforms (admin)",
        response: { 200: z.array(platformView) },
      },
    },
    async () => listPlatforms(deps.db, deps.clock.now()),
  );

  app.post(
    "/api/platforms",
    {
      config: { action: "platform.manage" },
      schema: {
        tags: ["platforms"],
        summary: "Register a relying platform for a programme; its first credential's secret is shown once",
        body: z.object({
          id: z.string().min(2).max(63),
          programmeId: z.string().min(1),
          name: z.string().trim().min(1).max(200),
          webhookUrl: z.string().max(2000).nullable().optional(),
        }),
        response: { 200: z.object({ platform: platformView, credential }) },
      },
    },
    async (req) => registerPlatform(platformDeps, actorOf(req), req.body),
  );

  app.patch(
    "/api/platforms/:id",
    {
      config: { action: "platform.manage" },
      schema: {
        tags: ["platforms"],
        summary: "Rename a platform, change its webhook URL, disable or enable it",
        params: z.object({ id: z.string() }),
        body: z.object({
          name: z.string().trim().min(1).max(200).optional(),
          webhookUrl: z.string().max(2000).nullable().optional(),
          disabled: z.boolean().optional(),
        }),
        response: { 200: platformView },
      },
    },
    async (req) => updatePlatform(platformDeps, actorOf(req), req.params.id, req.body),
  );

  app.post(
    "/api/platforms/:id/credentials",
    {
      config: { action: "platform.manage" },
      schema: {
        tags: ["platforms"],
        summary: "Rotate: a new credential (secret shown once); older ones work for graceHours more",
        params: z.object({ id: z.string() }),
        body: z
          .object({
            graceHours: z
              .number()
              .min(0)
              .max(24 * 30)
              .optional(),
          })
          .optional(),
        response: { 200: z.object({ platform: platformView, credential }) },
      },
    },
    async (req) => rotateCredential(platformDeps, actorOf(req), req.params.id, req.body?.graceHours),
  );

  app.delete(
    "/api/platforms/:id/credentials/:keyId",
    {
      config: { action: "platform.manage" },
      schema: {
        tags: ["platforms"],
        summary: "Revoke a credential at once (a leaked secret)",
        params: z.object({ id: z.string(), keyId: z.string() }),
        response: { 200: platformView },
      },
    },
    async (req) => revokeCredential(platformDeps, actorOf(req), req.params.id, req.params.keyId),
  );

  const deliveryView = z.object({
    id: z.string(),
    platform: z.string(),
    url: z.string(),
    status: z.enum(["pending", "delivered", "failed"]),
    attempts: z.number(),
    lastStatus: z.number().nullable(),
    lastError: z.string().nullable(),
    nextAttemptAt: z.string().nullable(),
    deliveredAt: z.string().nullable(),
    createdAt: z.string(),
    event: z.object({
      id: z.string(),
      type: z.string(),
      createdAt: z.string(),
      data: z.record(z.string(), z.unknown()),
    }),
    log: z.array(
      z.object({
        attempt: z.number(),
        startedAt: z.string(),
        durationMs: z.number(),
        statusCode: z.number().nullable(),
        error: z.string().nullable(),
        replay: z.boolean(),
      }),
    ),
  });

  app.get(
    "/api/platforms/:id/deliveries",
    {
      config: { action: "platform.manage" },
      schema: {
        tags: ["platforms"],
        summary: "The webhook delivery log of a platform, newest first, each with its attempts",
        params: z.object({ id: z.string() }),
        querystring: z.object({
          status: z.enum(["pending", "delivered", "failed"]).optional(),
          limit: z.coerce.number().int().min(1).max(500).optional(),
        }),
        response: { 200: z.array(deliveryView) },
      },
    },
    async (req) => {
      await getPlatform(deps.db, req.params.id, deps.clock.now());
      return listDeliveries(deps.db, { platform: req.params.id, ...req.query });
    },
  );

  app.post(
    "/api/webhook-deliveries/:id/replay",
    {
      config: { action: "platform.manage" },
      schema: {
        tags: ["platforms"],
        summary: "Send a webhook delivery again now (logged as a replay)",
        params: z.object({ id: z.uuid() }),
        response: { 200: deliveryView },
      },
    },
    async (req) => replayDelivery(webhookDeps, actorOf(req), req.params.id),
  );

  // ---- the platforms' API ---------------------------------------------------------------------

  app.register(
    async (plugin) => {
      const api = plugin.withTypeProvider<ZodTypeProvider>();
      // The signature covers the body's bytes as sent, so the parser keeps them.
      api.removeContentTypeParser("application/json");
      api.addContentTypeParser("application/json", { parseAs: "buffer" }, (req, body, done) => {
        const raw = body as Buffer;
        req.rawBody = raw;
        try {
          done(null, raw.length === 0 ? {} : JSON.parse(raw.toString("utf8")));
        } catch {
          done(new DomainError("common.validation", { detail: "the body is not JSON" }), undefined);
        }
      });
      // Before validation, and before the guard's check of this route's action (server/guard.ts).
      api.addHook("preValidation", async (req) => {
        req.platform = await authenticatePlatform(platformDeps, {
          method: req.method,
          path: req.url,
          body: req.rawBody ?? "",
          authorization: req.headers.authorization,
        });
      });
      const platformOf = (req: FastifyRequest): PlatformClientRow => req.platform!;
      const security = [{ platformHmac: [] }];

      api.post(
        "/challenges",
        {
          config: { action: "platform.challenge" },
          schema: {
            tags: ["platform API"],
            security,
            summary: "A challenge for the user's key to sign (bind or login), valid 5 minutes, used once",
            body: z.object({ purpose: z.enum(["bind", "login"]) }),
            response: { 200: z.object({ challenge: z.string(), expiresAt: z.string() }) },
          },
        },
        async (req) => issueChallenge(deps, platformOf(req), req.body.purpose),
      );

      api.post(
        "/bindings",
        {
          config: { action: "platform.bind" },
          schema: {
            tags: ["platform API"],
            security,
            summary:
              "Bind an account to the certificate whose key signed the bind challenge (one account, one certificate)",
            body: signedChallenge.extend({ account }),
            response: { 200: bindingView },
          },
        },
        async (req) => bindWithProof(deps, platformOf(req), req.body),
      );

      api.get(
        "/bindings/:account",
        {
          config: { action: "platform.binding.read" },
          schema: {
            tags: ["platform API"],
            security,
            summary: "An account's current binding and its history",
            params: z.object({ account }),
            response: {
              200: z.object({
                account: z.string(),
                current: bindingView.nullable(),
                history: z.array(bindingView),
              }),
            },
          },
        },
        async (req) => accountBindings(deps.db, platformOf(req).programme_id, req.params.account),
      );

      api.post(
        "/bindings/:account/unbind",
        {
          config: { action: "platform.unbind" },
          schema: {
            tags: ["platform API"],
            security,
            summary: "End an account's binding (the account closed, the user asked)",
            params: z.object({ account }),
            body: z.object({ reason: z.string().max(200).optional() }),
            response: { 200: bindingView },
          },
        },
        async (req) => unbindAccount(deps, platformOf(req), req.params.account, req.body.reason ?? ""),
      );

      api.post(
        "/logins",
        {
          config: { action: "platform.login" },
          schema: {
            tags: ["platform API"],
            security,
            summary:
              "Certificate login: was the login challenge signed by a valid, unrevoked certificate, bound to which account?",
            body: signedChallenge,
            response: {
              200: z.object({
                account: z.string(),
                bindingId: z.string(),
                certificate: z.object({
                  serial: z.string(),
                  subject: z.string(),
                  organisation: z.string().nullable(),
                  uscc: z.string().nullable(),
                  notAfter: z.string(),
                }),
              }),
            },
          },
        },
        async (req) => verifyLogin(deps, platformOf(req), req.body),
      );
    },
    { prefix: "/api/platform/v1" },
  );
}
