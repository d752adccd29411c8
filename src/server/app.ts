/**
 * buildApp(deps): the HTTP face of the desk. Tests start exactly this; main.ts starts it with the
 * real adapters. Routes only translate HTTP to use cases: rules and audit live in the services.
 */
import cookie from "@fastify/cookie";
import multipart from "@fastify/multipart";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyRequest,
  type RawServerDefault,
} from "fastify";
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from "fastify-type-provider-zod";
import type { Kysely } from "kysely";
import type { Clock } from "../domain/clock.js";
import { isDomainError } from "../domain/errors.js";
import { pickLocale, type Locale } from "../i18n/catalogue.js";
import type { JobRunner } from "../jobs/runner.js";
import type { DevPaymentGateway } from "../money/dev-gateway.js";
import type { PaymentGateway } from "../money/gateway-port.js";
import type { Actor } from "../people/actor.js";
import type { CaRegistry, PublicationUrls } from "../ca/ca.js";
import type { LiveCalendar } from "../desk/calendar.js";
import type { Publication } from "../ca/publication.js";
import { Timestamping } from "../ca/timestamping.js";
import type { AuditAnchorSettings } from "../desk/audit-anchor.js";
import type { KeyServiceSettings } from "../keys/keys.js";
import type { ProductionRuns } from "../keys/production-runs.js";
import { resolveSession } from "../people/people.js";
import type { Database } from "../store/schema.js";
import { registerEdge } from "./edge.js";
import { guardRoutes } from "./guard.js";
import { SESSION_COOKIE } from "./session.js";
import { problemOf, problemOfError } from "./problem.js";
import { registerAdminRoutes } from "./routes/admin.js";
import { registerAuthRoutes } from "./routes/auth.js";
import { registerCaRoutes } from "./routes/ca.js";
import { registerKeyRoutes } from "./routes/keys.js";
import { registerDevGatewayRoutes } from "./routes/dev-gateway.js";
import { registerMoneyRoutes } from "./routes/money.js";
import { registerOrderRoutes } from "./routes/orders.js";
import { registerPublicationRoutes } from "./routes/publication.js";
import { registerPublicRoutes } from "./routes/public.js";
import { registerSealRoutes } from "./routes/seals.js";
import { registerPlatformRoutes, type PlatformSettings } from "./routes/platforms.js";
import { registerPortalRoutes } from "./routes/portal.js";
import { registerStaffRoutes } from "./routes/staff.js";
import { registerOfficeRoutes } from "./routes/office.js";
import { registerTsaRoutes } from "./routes/tsa.js";
import { registerWebRoutes } from "./routes/web.js";

export interface AppDeps {
  db: Kysely<Database>;
  clock: Clock;
  calendar: LiveCalendar;
  gateway: PaymentGateway;
  devGateway?: DevPaymentGateway | undefined;
  publicUrl: string;
  sessionHours: number;
  uploadLimitBytes: number;
  secureCookies: boolean;
  /** Proxies whose X-Forwarded-For names the client (req.ip, for login limits); none, the peer does. */
  trustedProxy?: string[] | undefined;
  logLevel?: string;
  /** Where the log goes (stdout when left out); tests read it back. */
  logStream?: { write(line: string): unknown } | undefined;
  /** The CAs that sign, and where relying parties find CRLs, OCSP and CA certificates. */
  cas: CaRegistry;
  urls: PublicationUrls;
  /** CRLs and the OCSP responder (/crl/*, /ocsp); absent, those routes are not served. */
  publication?: Publication | undefined;
  /** The timestamp authority at POST /tsa; made from the CAs when left out. */
  timestamping?: Timestamping | undefined;
  /** USB keys: production batches, activation, unlock, renewal (keys/keys.ts); absent, not served. */
  keys?: KeyServiceSettings | undefined;
  /** The desk's production runs, shared with the production-resume job; made by the routes when absent. */
  productionRuns?: ProductionRuns | undefined;
  /** Relying platforms: their API, credentials and webhooks; absent, not served. */
  platforms?: PlatformSettings | undefined;
  /** The API documentation at /docs (CERTDESK_API_DOCS); served unless false. */
  apiDocs?: boolean | undefined;
  /** Scheduled work (pg-boss); absent in tests that run jobs themselves. */
  jobs?: JobRunner | undefined;
  /** Signed audit checkpoints, which the audit check also reads; absent, the chain alone is checked. */
  auditAnchor?: AuditAnchorSettings | undefined;
}

declare module "fastify" {
  interface FastifyRequest {
    locale: Locale;
    actor: Actor | undefined;
    sessionToken: string | undefined;
  }
}

/** The Fastify instance with zod schemas as types, which every route module receives. */
export type ZApp = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  ZodTypeProvider
>;

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger:
      deps.logLevel && deps.logLevel !== "silent"
        ? {
            level: deps.logLevel,
            redact: ["req.headers.authorization", "req.headers.cookie"],
            ...(deps.logStream ? { stream: deps.logStream } : {}),
          }
        : false,
    bodyLimit: deps.uploadLimitBytes + 1024 * 1024,
    trustProxy: deps.trustedProxy?.length ? deps.trustedProxy : false,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  await registerEdge(app, { publicUrl: deps.publicUrl });
  await app.register(cookie);
  await app.register(multipart, { limits: { fileSize: deps.uploadLimitBytes, files: 1, fields: 10 } });
  await app.register(swagger, {
    openapi: {
      info: {
        title: "certdesk API",
        version: "0.1.0",
        description: "Organisation certificates on USB keys: orders, reviews, payments, certificates.",
      },
      components: {
        securitySchemes: {
          session: { type: "apiKey", in: "cookie", name: SESSION_COOKIE },
          bearer: { type: "http", scheme: "bearer" },
          platformHmac: {
            type: "apiKey",
            in: "header",
            name: "Authorization",
            description:
              "Certdesk-HMAC-SHA256 keyId=…, timestamp=…, nonce=…, signature=… (see src/platforms/request-signing.ts)",
          },
        },
      },
    },
    transform: jsonSchemaTransform,
  });
  if (deps.apiDocs !== false) await app.register(swaggerUi, { routePrefix: "/docs" });

  app.decorateRequest("locale", "zh-CN");
  app.decorateRequest("actor", undefined);
  app.decorateRequest("sessionToken", undefined);
  app.addHook("onRequest", async (req) => {
    const lang = (req.query as Record<string, unknown> | undefined)?.lang;
    req.locale = pickLocale(typeof lang === "string" ? lang : req.headers["accept-language"]);
    const token = bearer(req) ?? req.cookies[SESSION_COOKIE];
    if (token) {
      req.sessionToken = token;
      req.actor = await resolveSession(deps, token);
    }
  });

  // Every route below declares its action; the guard checks it (people/authorisation.ts).
  guardRoutes(app);

  app.setErrorHandler((error, req, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const detail = error.validation
        .map((v) => `${v.instancePath.replace(/^\//, "").replaceAll("/", ".")} ${v.message ?? ""}`.trim())
        .join("; ");
      const problem = problemOf("common.validation", { detail }, req.locale);
      return reply.status(400).type("application/problem+json").send(problem);
    }
    const status = (error as { statusCode?: number }).statusCode;
    if (!isDomainError(error) && status && status >= 400 && status < 500) {
      const code = status === 413 ? "material.too_large" : "common.validation";
      const problem = problemOf(
        code,
        { detail: (error as Error).message, limit: Math.floor(deps.uploadLimitBytes / 1048576) },
        req.locale,
      );
      return reply
        .status(status)
        .type("application/problem+json")
        .send({ ...problem, status });
    }
    const problem = problemOfError(error, req.locale);
    if (problem.status >= 500) req.log.error(error);
    // The database is out of reach: clients may try again soon, the pool reconnects by itself.
    if (problem.code === "store.unavailable") reply.header("retry-after", "5");
    // A guessing limit's wait, for clients that retry by themselves.
    if (isDomainError(error) && problem.status === 429 && typeof error.params.minutes === "number")
      reply.header("retry-after", String(error.params.minutes * 60));
    return reply.status(problem.status).type("application/problem+json").send(problem);
  });
  app.setNotFoundHandler((req, reply) => {
    const problem = problemOf("common.not_found", { what: req.url }, req.locale);
    return reply.status(404).type("application/problem+json").send(problem);
  });

  const typed = app.withTypeProvider<ZodTypeProvider>();
  registerPublicRoutes(typed, deps);
  registerAuthRoutes(typed, deps);
  registerOrderRoutes(typed, deps);
  registerStaffRoutes(typed, deps);
  registerOfficeRoutes(typed, deps);
  registerMoneyRoutes(typed, deps);
  registerPortalRoutes(typed, deps);
  registerSealRoutes(typed, deps);
  registerAdminRoutes(typed, deps);
  registerCaRoutes(typed, deps);
  if (deps.keys) registerKeyRoutes(typed, { ...deps, keys: deps.keys });
  if (deps.publication) registerPublicationRoutes(typed, { publication: deps.publication });
  registerTsaRoutes(typed, { clock: deps.clock, timestamping: deps.timestamping ?? new Timestamping(deps) });
  if (deps.platforms) registerPlatformRoutes(typed, { ...deps, platforms: deps.platforms });
  if (deps.devGateway) registerDevGatewayRoutes(typed, { ...deps, devGateway: deps.devGateway });
  await registerWebRoutes(app);
  return app;
}

function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  return h?.startsWith("Bearer ") ? h.slice(7) : undefined;
}
