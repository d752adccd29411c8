/**
 * The security client's local agent: a small HTTP server on 127.0.0.1 through which the portal,
 * running in the user's browser, reads the inserted key and drives activation, renewal, PIN change,
 * unlock, seal installation and login signatures. The API is documented in docs/agent.md.
 *
 * Who may talk to it, checked on every request before anything else:
 * - it listens on 127.0.0.1 only, and answers only requests whose Host is 127.0.0.1:PORT or
 *   localhost:PORT: a DNS-rebinding page (evil.example resolving to 127.0.0.1) sends its own Host;
 * - the Origin must be the configured portal origin or one of the relying platforms' origins,
 *   exactly: any other site's request is refused, and so is one without an Origin; POST bodies must
 *   be application/json, so a browser always preflights them (no "simple" form post reaches a
 *   handler), and preflights are answered only for those sites (with Private Network Access's
 *   Access-Control-Allow-Private-Network);
 * - one-time pairing, per site: at start the agent shows a pairing code in the terminal; the user
 *   types it once in the site, and the site gets a secret it sends as a bearer token from then on
 *   (a fresh code is shown for the next site). Only a hash of each secret is kept, with the origin
 *   it belongs to. Five wrong codes end pairing until the agent restarts. Before pairing, only
 *   GET /v1/status and POST /v1/pair answer;
 * - a platform (not the portal) may only read the key, sign its login challenges and stamp PDFs.
 *
 * One key operation at a time; PINs pass through to the key and are never kept or logged.
 */
import { createHash, randomBytes, randomInt, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import { DomainError, isDomainError } from "../domain/errors.js";
import { translate, type Locale, pickLocale } from "../i18n/catalogue.js";
import { activate, changePin, describe, installSeal, renew, sealPdf, signLogin, unlock } from "./actions.js";
import type { DeskClient } from "./desk.js";
import { withKey, type KeySelection } from "./keys.js";
import { forgetPairing, readPairing, savePairing } from "./session.js";

export const AGENT_DEFAULT_PORT = 17_380;
const MAX_BODY = 64 * 1024;
/** a PDF to stamp comes base64-encoded in the JSON body */
const MAX_PDF_BODY = 16 * 1024 * 1024;
/** What a relying platform's page may ask for; the portal may ask for everything. */
const PLATFORM_ROUTES = new Set(["GET /v1/key", "POST /v1/sign-login", "POST /v1/seal-pdf"]);
const PAIRING_ATTEMPTS = 5;

export interface AgentOptions {
  /** the portal's origin, scheme://host[:port], exactly as the browser sends it */
  portalOrigin: string;
  /** relying platforms' origins: they may read the key, sign login challenges and stamp PDFs */
  platformOrigins?: string[];
  /** 0 picks a free port (tests) */
  port: number;
  /** where the pairing is kept */
  home: string;
  key: KeySelection;
  /** the desk API with the portal user's session (X-Certdesk-Session) or the client's own */
  desk(token: string | undefined): DeskClient | undefined;
  /** the terminal: the pairing code is shown here */
  log(line: string): void;
  /** forget an earlier pairing and pair again */
  pairAgain?: boolean;
  version?: string;
  /** the terminal's language */
  locale?: Locale;
}

export interface RunningAgent {
  url: string;
  port: number;
  /** shown in the terminal; undefined when already paired */
  pairingCode: string | undefined;
  close(): Promise<void>;
}

/** "https://Portal.Example:443/" → "https://portal.example": the form browsers send in Origin. */
export function normaliseOrigin(origin: string): string {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    throw new DomainError("agent.origin_invalid", { origin });
  }
  if (
    !["http:", "https:"].includes(url.protocol) ||
    url.pathname.replace(/\/$/, "") !== "" ||
    url.search ||
    url.hash
  )
    throw new DomainError("agent.origin_invalid", { origin });
  return url.origin;
}

const hashSecret = (secret: string): string => createHash("sha256").update(secret).digest("hex");

class AgentError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly params: Record<string, string | number> = {},
  ) {
    super(code);
  }
}

const pinBody = z.object({ pin: z.string().min(1).max(64) });
const schemas = {
  pair: z.object({ code: z.string().min(1).max(20) }),
  activate: pinBody.extend({ code: z.string().min(4).max(16) }),
  changePin: pinBody.extend({ newPin: z.string().min(1).max(64) }),
  unlock: z.object({
    code: z.string().max(16).optional(),
    newPin: z.string().max(64).optional(),
    reason: z.string().max(500).optional(),
  }),
  renew: pinBody.extend({ years: z.number().int().min(1).max(10).optional() }),
  installSeal: pinBody,
  signLogin: pinBody.extend({ challenge: z.string().min(1).max(1000) }),
  sealPdf: pinBody.extend({
    pdf: z.string().min(1),
    page: z.number().int().min(1).optional(),
    xMm: z.number().min(0).max(2000).optional(),
    yMm: z.number().min(0).max(2000).optional(),
    reason: z.string().max(200).optional(),
  }),
};

/** Errors the agent answers with these statuses; a domain error (wrong PIN, order not ready) is 422. */
const STATUS: Record<string, number> = {
  "token.pin_incorrect": 403,
  "token.pin_incorrect_unknown": 403,
  "token.pin_final_try": 403,
  "token.pin_locked": 423,
  "client.no_key_inserted": 404,
  "client.no_key_selected": 404,
  "auth.unauthenticated": 401,
};

export async function startAgent(options: AgentOptions): Promise<RunningAgent> {
  const portal = normaliseOrigin(options.portalOrigin);
  const sites = [portal, ...(options.platformOrigins ?? []).map(normaliseOrigin)];
  if (options.pairAgain) forgetPairing(options.home);
  const paired = (origin: string): { secretHash: string } | undefined => readPairing(options.home, origin);
  const newCode = (): string | undefined =>
    sites.some((o) => !paired(o)) ? String(randomInt(10 ** 8)).padStart(8, "0") : undefined;
  let pairingCode: string | undefined = newCode();
  let pairingAttempts = PAIRING_ATTEMPTS;
  let port = options.port;
  let queue: Promise<unknown> = Promise.resolve();
  /** One key operation at a time, in arrival order. */
  const serially = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => undefined);
    return next;
  };

  const checkCaller = (req: IncomingMessage): string => {
    const host = (req.headers.host ?? "").toLowerCase();
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`)
      throw new AgentError(421, "agent.host_refused", { host });
    const origin = req.headers.origin;
    if (origin === undefined) throw new AgentError(403, "agent.origin_required");
    if (!sites.includes(origin)) throw new AgentError(403, "agent.origin_refused", { origin });
    // A top-level navigation or a form post cannot be the site's script.
    if (req.headers["sec-fetch-mode"] === "navigate")
      throw new AgentError(403, "agent.origin_refused", { origin });
    return origin;
  };

  const checkPaired = (req: IncomingMessage, origin: string): void => {
    const pairing = paired(origin);
    if (!pairing) throw new AgentError(401, "agent.not_paired");
    const h = req.headers.authorization ?? "";
    const secret = h.startsWith("Bearer ") ? h.slice(7) : "";
    const given = Buffer.from(hashSecret(secret), "hex");
    const expected = Buffer.from(pairing.secretHash, "hex");
    if (!secret || given.length !== expected.length || !timingSafeEqual(given, expected))
      throw new AgentError(401, "agent.not_paired");
  };

  const readBody = async (req: IncomingMessage, limit: number): Promise<unknown> => {
    if (req.method !== "POST") return undefined;
    const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
    if (type !== "application/json") throw new AgentError(415, "agent.json_required");
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > limit) throw new AgentError(413, "agent.body_too_large");
      chunks.push(chunk as Buffer);
    }
    try {
      return JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
    } catch {
      throw new AgentError(400, "agent.json_invalid");
    }
  };

  const parse = <T>(schema: z.ZodType<T>, body: unknown): T => {
    const r = schema.safeParse(body);
    if (!r.success)
      throw new AgentError(400, "agent.request_invalid", {
        detail: r.error.issues.map((i) => i.path.join(".")).join(", "),
      });
    return r.data;
  };

  const deskFor = (req: IncomingMessage): DeskClient => {
    const header = req.headers["x-certdesk-session"];
    const desk = options.desk(typeof header === "string" && header ? header : undefined);
    if (!desk) throw new DomainError("auth.unauthenticated");
    return desk;
  };

  const routes: Record<string, (req: IncomingMessage, body: unknown) => Promise<unknown>> = {
    "GET /v1/key": (req) =>
      serially(() => withKey(options.key, (key) => describe(key, options.desk(headerToken(req))))),
    "POST /v1/activate": (req, body) => {
      const b = parse(schemas.activate, body);
      return serially(() => withKey(options.key, (key) => activate(key, deskFor(req), b)));
    },
    "POST /v1/change-pin": async (req, body) => {
      const b = parse(schemas.changePin, body);
      const desk = options.desk(headerToken(req));
      return serially(() =>
        withKey(options.key, async (key) => {
          const info = await key.info();
          let defaultPinValue: string | null = null;
          if (desk && info.defaultPin)
            defaultPinValue = (await desk.key(info.serial).catch(() => undefined))?.initialPin.pin ?? null;
          return changePin(key, { pin: b.pin, newPin: b.newPin, defaultPinValue });
        }),
      );
    },
    "POST /v1/unlock": (req, body) => {
      const b = parse(schemas.unlock, body);
      return serially(() => withKey(options.key, (key) => unlock(key, deskFor(req), b)));
    },
    "POST /v1/renew": (req, body) => {
      const b = parse(schemas.renew, body);
      return serially(() => withKey(options.key, (key) => renew(key, deskFor(req), b)));
    },
    "POST /v1/install-seal": (req, body) => {
      const b = parse(schemas.installSeal, body);
      return serially(() => withKey(options.key, (key) => installSeal(key, deskFor(req), b)));
    },
    "POST /v1/sign-login": (_req, body) => {
      const b = parse(schemas.signLogin, body);
      return serially(() => withKey(options.key, (key) => signLogin(key, b)));
    },
    "POST /v1/seal-pdf": async (_req, body) => {
      const b = parse(schemas.sealPdf, body);
      const stamped = await serially(() =>
        withKey(options.key, (key) =>
          sealPdf(key, {
            pin: b.pin,
            pdf: new Uint8Array(Buffer.from(b.pdf, "base64")),
            stamp: { page: b.page ?? 1, xMm: b.xMm ?? 120, yMm: b.yMm ?? 40 },
            reason: b.reason,
            signedAt: new Date(),
          }),
        ),
      );
      return { ...stamped, pdf: Buffer.from(stamped.pdf).toString("base64") };
    },
  };

  const send = (res: ServerResponse, status: number, value: unknown): void => {
    const body = value === undefined ? "" : JSON.stringify(value);
    res.writeHead(status, {
      ...(body ? { "content-type": "application/json; charset=utf-8" } : {}),
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    });
    res.end(body);
  };

  const corsHeaders = (res: ServerResponse, origin: string): void => {
    res.setHeader("access-control-allow-origin", origin);
    res.setHeader("vary", "Origin");
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const locale: Locale = pickLocale(req.headers["accept-language"]);
    try {
      const origin = checkCaller(req);
      corsHeaders(res, origin);
      const path = new URL(req.url ?? "/", "http://agent").pathname;
      if (req.method === "OPTIONS") {
        const method = req.headers["access-control-request-method"];
        if (method !== "GET" && method !== "POST") throw new AgentError(405, "agent.method_not_allowed");
        res.setHeader("access-control-allow-methods", "GET, POST");
        res.setHeader("access-control-allow-headers", "authorization, content-type, x-certdesk-session");
        res.setHeader("access-control-max-age", "600");
        if (req.headers["access-control-request-private-network"] === "true")
          res.setHeader("access-control-allow-private-network", "true");
        return send(res, 204, undefined);
      }
      if (req.method === "GET" && path === "/v1/status") {
        return send(res, 200, {
          agent: "certdesk-client",
          version: options.version ?? "0",
          portal,
          origin,
          paired: paired(origin) !== undefined,
        });
      }
      const body = await readBody(req, path === "/v1/seal-pdf" ? MAX_PDF_BODY : MAX_BODY);
      if (req.method === "POST" && path === "/v1/pair") {
        const b = parse(schemas.pair, body);
        if (paired(origin)) throw new AgentError(409, "agent.already_paired");
        if (!pairingCode || pairingAttempts <= 0) throw new AgentError(423, "agent.pairing_closed");
        pairingAttempts--;
        const given = Buffer.from(b.code.replace(/[\s-]/g, ""));
        const expected = Buffer.from(pairingCode);
        if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
          if (pairingAttempts === 0) pairingCode = undefined;
          throw new AgentError(403, "agent.pairing_code_wrong", { remaining: pairingAttempts });
        }
        const secret = randomBytes(32).toString("base64url");
        savePairing(options.home, {
          origin,
          secretHash: hashSecret(secret),
          pairedAt: new Date().toISOString(),
        });
        options.log(translate("agent.paired", options.locale ?? "zh-CN", { origin }));
        // The next site to pair gets a code of its own.
        pairingCode = newCode();
        if (pairingCode) showCode(pairingCode);
        return send(res, 200, { secret });
      }
      checkPaired(req, origin);
      const name = `${req.method} ${path}`;
      if (origin !== portal && !PLATFORM_ROUTES.has(name))
        throw new AgentError(403, "agent.portal_only", { path });
      const route = routes[name];
      if (!route) throw new AgentError(404, "agent.not_found", { path });
      return send(res, 200, await route(req, body));
    } catch (e) {
      if (e instanceof AgentError) {
        return send(res, e.status, {
          code: e.code,
          message: translate(e.code, locale, e.params),
          params: e.params,
        });
      }
      if (isDomainError(e)) {
        return send(res, STATUS[e.code] ?? 422, {
          code: e.code,
          message: translate(e.code, locale, e.params),
          params: e.params,
        });
      }
      options.log(`agent: ${String(e)}`);
      return send(res, 500, { code: "common.internal", message: translate("common.internal", locale) });
    }
  };

  function showCode(code: string): void {
    const origin = sites.filter((o) => !paired(o)).join(", ");
    options.log(
      translate("agent.pairing_code", options.locale ?? "zh-CN", {
        code: `${code.slice(0, 4)}-${code.slice(4)}`,
        origin,
      }),
    );
  }

  const server: Server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    // Loopback only: never 0.0.0.0, never ::.
    server.listen(options.port, "127.0.0.1", () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const terminal = options.locale ?? "zh-CN";
  options.log(translate("agent.listening", terminal, { url, origin: portal }));
  for (const site of sites)
    if (paired(site)) options.log(translate("agent.already_paired_with", terminal, { origin: site }));
  if (pairingCode) showCode(pairingCode);
  return {
    url,
    port,
    /** the code shown now: a fresh one after each site pairs */
    get pairingCode() {
      return pairingCode;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function headerToken(req: IncomingMessage): string | undefined {
  const h = req.headers["x-certdesk-session"];
  return typeof h === "string" && h ? h : undefined;
}
