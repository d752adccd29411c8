/**
 * USB keys over HTTP: the back office's production batches (start, progress, resume, keys made,
 * activation codes) and the security client's calls for one key, by its serial (activate, unlock,
 * format, renew, seal), plus login with a key. Routes translate; rules and audit are in
 * keys/production.ts and keys/keys.ts.
 */
import { z } from "zod";
import { DomainError } from "../../domain/errors.js";
import { getKey, type KeyDeps, type KeyServiceSettings } from "../../keys/keys.js";
import { loginChallenge, loginWithKey } from "../../keys/key-login.js";
import { sealForKey, sealInstalled } from "../../keys/key-seals.js";
import { installRenewal, renewalCertificate, requestRenewal } from "../../keys/renewal.js";
import {
  formatOrder,
  formatResponse,
  resetPinAtStation,
  sendUnlockCode,
  unblockResponse,
  unlockOrder,
} from "../../keys/unlock.js";
import { activateCertificateWithProof, activateKey, sendActivationCode } from "../../keys/activation.js";
import { createBatch, getBatch, listBatches, listKeys } from "../../keys/production.js";
import { ProductionRuns } from "../../keys/production-runs.js";
import { actorOf, SESSION_COOKIE, type AppDeps, type ZApp } from "../app.js";
import { orderSchema } from "../schemas.js";

const serialParams = z.object({ serial: z.string().regex(/^[0-9A-Za-z]{1,32}$/) });
const orderParams = serialParams.extend({ orderId: z.uuid() });
const b64 = z
  .string()
  .max(20_000)
  .regex(/^[A-Za-z0-9+/=_-]*$/);

const keyViewSchema = z.object({
  serial: z.string(),
  label: z.string(),
  kind: z.string().nullable(),
  programmeId: z.string(),
  orderId: z.string(),
  orderNumber: z.string(),
  position: z.number(),
  shipped: z.boolean(),
  activated: z.boolean(),
  activatedAt: z.string().nullable(),
  formatted: z.boolean(),
  keyPairId: z.string(),
  certificate: z
    .object({
      id: z.string(),
      serial: z.string(),
      status: z.string(),
      notBefore: z.string(),
      notAfter: z.string(),
      revocationReason: z.string().nullable(),
    })
    .nullable(),
  renewal: z.object({ offered: z.boolean(), windowOpens: z.string().nullable(), open: z.boolean() }),
  services: z.object({ unlock: z.string().nullable(), format: z.string().nullable() }),
  openOrders: z.array(
    z.object({
      id: z.string(),
      number: z.string(),
      service: z.string(),
      state: z.string(),
      pendingStep: z.string().nullable(),
      totalFen: z.number(),
      keyPairId: z.string().optional(),
    }),
  ),
  initialPin: z.object({ defaultPin: z.boolean(), pin: z.string().nullable() }),
});

const batchKeySchema = z.object({
  id: z.string(),
  orderId: z.string(),
  orderNumber: z.string(),
  position: z.number(),
  label: z.string(),
  kind: z.string().nullable(),
  serial: z.string().nullable(),
  algorithm: z.string(),
  step: z.string(),
  certificateId: z.string().nullable(),
  certificateSerial: z.string().nullable(),
  activatedAt: z.string().nullable(),
});

const batchSchema = z.object({
  id: z.string(),
  state: z.string(),
  station: z.string(),
  total: z.number(),
  done: z.number(),
  error: z.string().nullable(),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  runner: z
    .object({
      host: z.string(),
      pid: z.number(),
      program: z.string(),
      acquiredAt: z.string(),
      expiresAt: z.string(),
      live: z.boolean(),
    })
    .nullable(),
  keys: z.array(batchKeySchema),
});

export function registerKeyRoutes(app: ZApp, deps: AppDeps & { keys: KeyServiceSettings }): void {
  const keyDeps: KeyDeps = deps;
  /** the origin a key login must be bound to: the desk's own public address */
  const deskOrigin = new URL(deps.publicUrl).origin;
  // Runs in the background, one per batch across every process (the batch's lease).
  let runs = deps.productionRuns;
  if (!runs) {
    const own = new ProductionRuns(keyDeps, (e, context) => app.log.error({ err: e }, context));
    app.addHook("onClose", () => own.stop());
    runs = own;
  }
  const production = runs;

  // ---- back office --------------------------------------------------------------------------

  app.post(
    "/api/production/batches",
    {
      config: { action: "order.produce" },
      schema: {
        tags: ["production"],
        summary:
          "Start a production batch for orders at their production step: keys are made on the server's station; follow the progress with GET",
        body: z.object({ orderIds: z.array(z.uuid()).min(1).max(200) }),
        response: { 202: batchSchema },
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      const make = deps.keys.station;
      if (!make) throw new DomainError("production.no_station");
      const station = make();
      const batch = await createBatch(keyDeps, actor, { orderIds: req.body.orderIds, station }).finally(() =>
        station.close(),
      );
      await production.start(actor, batch.id);
      return reply.status(202).send(await getBatch(keyDeps, actor, batch.id));
    },
  );

  app.post(
    "/api/production/batches/:id/resume",
    {
      config: { action: "order.produce" },
      schema: {
        tags: ["production"],
        summary:
          "Run a stopped batch again: each key carries on from its recorded step. 409 production.batch_busy, naming the runner, while any process runs it",
        params: z.object({ id: z.uuid() }),
        response: { 202: batchSchema },
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      const batch = await getBatch(keyDeps, actor, req.params.id);
      if (batch.state === "done") return reply.status(202).send(batch);
      await production.start(actor, batch.id);
      return reply.status(202).send(await getBatch(keyDeps, actor, batch.id));
    },
  );

  app.get(
    "/api/production/batches",
    {
      config: { action: "production.read" },
      schema: { tags: ["production"], response: { 200: z.array(batchSchema) } },
    },
    async (req) => listBatches(keyDeps, actorOf(req)),
  );

  app.get(
    "/api/production/batches/:id",
    {
      config: { action: "production.read" },
      schema: {
        tags: ["production"],
        summary: "A batch's progress and its keys, step by step",
        params: z.object({ id: z.uuid() }),
        response: { 200: batchSchema.extend({ running: z.boolean() }) },
      },
    },
    async (req) => ({
      ...(await getBatch(keyDeps, actorOf(req), req.params.id)),
      running: production.isRunning(req.params.id),
    }),
  );

  app.get(
    "/api/keys",
    {
      config: { action: "key.read" },
      schema: {
        tags: ["keys"],
        summary: "Keys made: an organisation's own; staff filter by order or organisation",
        querystring: z.object({ orderId: z.uuid().optional(), organisationId: z.uuid().optional() }),
        response: { 200: z.array(batchKeySchema) },
      },
    },
    async (req) => listKeys(keyDeps, actorOf(req), req.query),
  );

  app.post(
    "/api/orders/:id/activation-code",
    {
      config: { action: "key.activationCode.send" },
      schema: {
        tags: ["production"],
        summary: "Send a shipped order's activation code again (the new code replaces the old)",
        params: z.object({ id: z.uuid() }),
        response: { 200: z.object({ sent: z.boolean() }) },
      },
    },
    async (req) => {
      return sendActivationCode(keyDeps, actorOf(req), req.params.id);
    },
  );

  app.post(
    "/api/orders/:id/reset-pin",
    {
      config: { action: "key.resetPin" },
      schema: {
        tags: ["production"],
        summary:
          "Reset the user PIN of the order's key, plugged into the server's station, with the SO PIN the desk keeps (never answered); only for an approved unlock or PIN reset order, which it fulfils",
        params: z.object({ id: z.uuid() }),
        response: { 200: z.object({ serial: z.string(), defaultPin: z.boolean() }) },
      },
    },
    async (req) => {
      const make = deps.keys.station;
      if (!make) throw new DomainError("production.no_station");
      const station = make();
      try {
        return await resetPinAtStation(keyDeps, actorOf(req), { orderId: req.params.id, station });
      } finally {
        await station.close();
      }
    },
  );

  // ---- the security client, one key by its serial --------------------------------------------

  app.get(
    "/api/keys/:serial",
    {
      config: { action: "key.read" },
      schema: {
        tags: ["keys"],
        summary: "A key the organisation holds: its certificate, activation, renewal window, open orders",
        params: serialParams,
        response: { 200: keyViewSchema },
      },
    },
    async (req) => getKey(keyDeps, actorOf(req), req.params.serial),
  );

  app.post(
    "/api/keys/:serial/activate",
    {
      config: { action: "key.activate" },
      schema: {
        tags: ["keys"],
        summary:
          "Activate with the SMS code and the key's signature over the activation message (ends refund eligibility)",
        params: serialParams,
        body: z.object({ code: z.string().min(4).max(16), signature: b64 }),
        response: { 200: keyViewSchema },
      },
    },
    async (req) => activateKey(keyDeps, actorOf(req), req.params.serial, req.body),
  );

  app.post(
    "/api/certificates/:id/activate",
    {
      config: { action: "certificate.activate" },
      schema: {
        tags: ["certificates"],
        summary:
          "Activate a certificate with the holder's proof: the SMS code of its shipped order and its key's signature over the activation message",
        params: z.object({ id: z.uuid() }),
        body: z.object({ code: z.string().min(4).max(16), signature: b64 }),
        response: { 200: z.object({ ok: z.literal(true) }) },
      },
    },
    async (req) => {
      await activateCertificateWithProof(keyDeps, actorOf(req), req.params.id, req.body);
      return { ok: true as const };
    },
  );

  app.post(
    "/api/keys/:serial/unlock-order",
    {
      config: { action: "key.unlock" },
      schema: {
        tags: ["keys"],
        summary:
          "Place (or find) the key's unlock order: unlock (auto-approved for the latest handler, else reviewed) or the PIN reset",
        params: serialParams,
        body: z.object({ reason: z.string().max(500).optional() }).nullish(),
        response: { 200: orderSchema },
      },
    },
    async (req) => unlockOrder(keyDeps, actorOf(req), req.params.serial, req.body?.reason),
  );

  app.post(
    "/api/keys/:serial/unlock-code",
    {
      config: { action: "key.unlock" },
      schema: {
        tags: ["keys"],
        summary: "Send the unlock code of an approved (or paid) unlock order by SMS",
        params: serialParams,
        body: z.object({ orderId: z.uuid() }),
        response: { 200: z.object({ expiresAt: z.string() }) },
      },
    },
    async (req) => sendUnlockCode(keyDeps, actorOf(req), req.params.serial, req.body.orderId),
  );

  app.post(
    "/api/keys/:serial/unblock",
    {
      config: { action: "key.unlock" },
      schema: {
        tags: ["keys"],
        summary:
          "Answer the key's SO challenge (the SO PIN stays on the server); checks the unlock code and fulfils the order",
        params: serialParams,
        body: z.object({ orderId: z.uuid(), code: z.string().min(4).max(16), challenge: b64 }),
        response: { 200: z.object({ response: z.string() }) },
      },
    },
    async (req) => unblockResponse(keyDeps, actorOf(req), req.params.serial, req.body),
  );

  app.post(
    "/api/keys/:serial/format-order",
    {
      config: { action: "key.format" },
      schema: {
        tags: ["keys"],
        summary: "Place (or find) the key's format order (a single service, priced by the tariff)",
        params: serialParams,
        response: { 200: orderSchema },
      },
    },
    async (req) => formatOrder(keyDeps, actorOf(req), req.params.serial),
  );

  app.post(
    "/api/keys/:serial/format",
    {
      config: { action: "key.format" },
      schema: {
        tags: ["keys"],
        summary: "Answer the key's SO format challenge once the format order is paid; the certificate ends",
        params: serialParams,
        body: z.object({ orderId: z.uuid(), challenge: b64 }),
        response: { 200: z.object({ response: z.string(), userPin: z.string(), defaultPin: z.boolean() }) },
      },
    },
    async (req) => formatResponse(keyDeps, actorOf(req), req.params.serial, req.body),
  );

  app.post(
    "/api/keys/:serial/renewals",
    {
      config: { action: "key.renew" },
      schema: {
        tags: ["keys"],
        summary:
          "Place the renewal order for a CSR made by a new key pair on the key (inside the renewal window)",
        params: serialParams,
        body: z.object({
          csr: z.string().min(1).max(20_000),
          keyPairId: z.string().regex(/^[0-9a-f]{2,64}$/),
          years: z.number().int().min(1).max(10).optional(),
        }),
        response: { 200: z.object({ order: orderSchema, keyPairId: z.string() }) },
      },
    },
    async (req) => requestRenewal(keyDeps, actorOf(req), req.params.serial, req.body),
  );

  app.post(
    "/api/keys/:serial/renewals/:orderId/certificate",
    {
      config: { action: "key.renew" },
      schema: {
        tags: ["keys"],
        summary: "The renewed certificate, issued once the renewal is paid (a repeat returns the same one)",
        params: orderParams,
        response: {
          200: z.object({ certificateId: z.string(), certificate: z.string(), keyPairId: z.string() }),
        },
      },
    },
    async (req) => renewalCertificate(keyDeps, actorOf(req), req.params.serial, req.params.orderId),
  );

  app.post(
    "/api/keys/:serial/renewals/:orderId/installed",
    {
      config: { action: "key.renew" },
      schema: {
        tags: ["keys"],
        summary:
          "The renewed certificate is on the key (signed by its new key pair): it is activated and the old one superseded",
        params: orderParams,
        body: z.object({ signature: b64 }),
        response: { 200: keyViewSchema },
      },
    },
    async (req) =>
      installRenewal(keyDeps, actorOf(req), req.params.serial, { orderId: req.params.orderId, ...req.body }),
  );

  app.post(
    "/api/keys/:serial/seal",
    {
      config: { action: "key.seal" },
      schema: {
        tags: ["keys"],
        summary: "The electronic seal (GB/T 38540, DER base64) to install on the key, made if it is due",
        params: serialParams,
        response: { 200: z.object({ orderId: z.string(), sealName: z.string(), seal: z.string() }) },
      },
    },
    async (req) => sealForKey(keyDeps, actorOf(req), req.params.serial),
  );

  app.post(
    "/api/keys/:serial/seal/installed",
    {
      config: { action: "key.seal" },
      schema: {
        tags: ["keys"],
        params: serialParams,
        body: z.object({ orderId: z.uuid() }),
        response: { 200: z.object({ ok: z.literal(true) }) },
      },
    },
    async (req) => {
      await sealInstalled(keyDeps, actorOf(req), req.params.serial, req.body.orderId);
      return { ok: true as const };
    },
  );

  // ---- login with a key -------------------------------------------------------------------

  app.post(
    "/api/auth/key/challenge",
    {
      config: { action: "session.login" },
      schema: {
        tags: ["auth"],
        summary: "A challenge for the key to sign (valid 5 minutes, once), bound to the desk's origin",
        response: { 200: z.object({ challenge: z.string(), expiresAt: z.string(), origin: z.string() }) },
      },
    },
    async () => ({ ...loginChallenge(keyDeps), origin: deskOrigin }),
  );

  app.post(
    "/api/auth/key/login",
    {
      config: { action: "session.login" },
      schema: {
        tags: ["auth"],
        summary: "Login with a key: the challenge signed by the key of an activated certificate",
        body: z.object({
          challenge: z.string().max(200),
          certificate: b64,
          signature: b64,
          /** a software key's use counter, signed with the challenge: refused unless ahead of the last seen */
          counter: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
        }),
        response: {
          200: z.object({
            token: z.string(),
            expiresAt: z.string(),
            actor: z.object({ kind: z.string(), name: z.string() }).passthrough(),
          }),
        },
      },
    },
    async (req, reply) => {
      const session = await loginWithKey(keyDeps, req.body, deskOrigin);
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
}
