/**
 * The security client's local agent: a small HTTP server on 127.0.0.1 through which web pages, in
 * the user's browser, use the inserted key: the desk's portal (activation, renewal, PIN change,
 * unlock, seal installation, login) and relying platforms (login and stamping). Built on Web eID's
 * model; the protocol and the threat model are in docs/agent.md.
 *
 * - Who may talk to it: loopback only; Host 127.0.0.1:PORT or localhost:PORT (no DNS rebinding);
 *   an Origin that is the configured portal or one of the platforms, exactly; JSON bodies only (so
 *   a browser preflights them); a site paired with its own code, shown in the terminal.
 * - What each site may ask: its pairing's scope. A platform: read the key, sign its logins, stamp
 *   PDFs and OFDs. The portal: the key's life (PIN, activation, unlock, renewal, seal), its logins
 *   and stamping an OFD the user picks.
 * - Signatures are bound to the asking site: a login answer covers the page's Origin (as the browser
 *   sent it, never a value from the page), so a platform cannot relay the desk's challenge.
 * - Secrets never pass through a page: an operation needing a PIN (or a new PIN, an SMS code)
 *   answers with the address of the agent's own confirmation window (agent-dialog.ts), where the
 *   user reads who asks for what and types them; the page waits for the outcome.
 *
 * One key operation at a time; PINs go from the window to the key and are never kept or logged.
 */
import { createHash, randomBytes, randomInt, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import { DomainError, isDomainError } from "../domain/errors.js";
import { translate, type Locale, pickLocale } from "../i18n/catalogue.js";
import {
  activate,
  changePin,
  describe,
  installSeal,
  renew,
  sealOfd,
  sealPdf,
  signLogin,
  summarise,
  unlock,
} from "./actions.js";
import { timestamper } from "./timestamp.js";
import { ConfirmationWindows, type Field, type Secrets } from "./agent-dialog.js";
import type { DeskClient } from "./desk.js";
import { withKey, type KeySelection } from "./keys.js";
import { forgetPairing, readPairing, savePairing } from "./session.js";

export const AGENT_DEFAULT_PORT = 17_380;
const MAX_BODY = 64 * 1024;
/** a PDF or OFD to stamp comes base64-encoded in the JSON body */
const MAX_PDF_BODY = 16 * 1024 * 1024;
/** wrong codes a site's pending pairing survives; then it is void until the agent restarts */
const PAIRING_ATTEMPTS = 3;
/** how long GET /v1/requests/<id> waits for the user before answering "pending" */
const OUTCOME_WAIT_MS = 10_000;

/** What a site may ask the agent for, by its role; a pairing keeps its scope. */
export const SCOPES = {
  portal: ["key", "sign-login", "change-pin", "activate", "unlock", "renew", "install-seal", "seal-ofd"],
  platform: ["key", "sign-login", "seal-pdf", "seal-ofd"],
} as const;
type Role = keyof typeof SCOPES;

export interface AgentOptions {
  /** the portal's origin, scheme://host[:port], exactly as the browser sends it */
  portalOrigin: string;
  /** relying platforms' origins: they may read the key, sign their logins and stamp PDFs */
  platformOrigins?: string[];
  /** 0 picks a free port (tests) */
  port: number;
  /** where the pairings are kept */
  home: string;
  key: KeySelection;
  /** the desk API with the portal user's session (X-Certdesk-Session) or the client's own */
  desk(token: string | undefined): DeskClient | undefined;
  /** the terminal: the pairing codes are shown here */
  log(line: string): void;
  /** forget earlier pairings and pair again */
  pairAgain?: boolean;
  version?: string;
  /** the terminal's language */
  locale?: Locale;
  /** the timestamp authority stamped PDFs and OFDs ask (client/timestamp.ts); none, no timestamp */
  tsaUrl?: string | undefined;
}

export interface RunningAgent {
  url: string;
  port: number;
  /** the portal's pairing code shown now; undefined when paired (or void) */
  pairingCode: string | undefined;
  /** a site's pairing code shown now */
  pairingCodeFor(origin: string): string | undefined;
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

// Strict: a page's request carries no PIN, no new PIN and no code; those are typed in the window.
const schemas = {
  pair: z.object({ code: z.string().min(1).max(20) }).strict(),
  none: z.object({}).strict(),
  unlock: z.object({ reason: z.string().max(500).optional() }).strict(),
  renew: z.object({ years: z.number().int().min(1).max(10).optional() }).strict(),
  signLogin: z.object({ challenge: z.string().min(1).max(1000) }).strict(),
  sealPdf: z
    .object({
      pdf: z.string().min(1),
      /** the document's name, shown in the window */
      name: z.string().max(200).optional(),
      page: z.number().int().min(1).optional(),
      xMm: z.number().min(0).max(2000).optional(),
      yMm: z.number().min(0).max(2000).optional(),
      reason: z.string().max(200).optional(),
    })
    .strict(),
  sealOfd: z
    .object({
      ofd: z.string().min(1),
      /** the document's name, shown in the window */
      name: z.string().max(200).optional(),
      page: z.number().int().min(1).optional(),
      /** the seal's top left corner, mm from the page's top left corner */
      xMm: z.number().min(0).max(2000).optional(),
      yMm: z.number().min(0).max(2000).optional(),
    })
    .strict(),
};

/** Errors the agent answers with these statuses; a domain error (order not ready…) is 422. */
const STATUS: Record<string, number> = {
  "token.pin_locked": 423,
  "client.no_key_inserted": 404,
  "client.no_key_selected": 404,
  "agent.request_not_found": 404,
  "auth.unauthenticated": 401,
};

export async function startAgent(options: AgentOptions): Promise<RunningAgent> {
  const portal = normaliseOrigin(options.portalOrigin);
  const platforms = (options.platformOrigins ?? []).map(normaliseOrigin).filter((o) => o !== portal);
  const roleOf = (origin: string): Role | undefined =>
    origin === portal ? "portal" : platforms.includes(origin) ? "platform" : undefined;
  const terminal = options.locale ?? "zh-CN";
  if (options.pairAgain) forgetPairing(options.home);
  const paired = (origin: string) => readPairing(options.home, origin);
  /** A site's pending pairing: its own code, shown in the terminal with the site's name. */
  const pending = new Map<string, { code: string; attempts: number }>();
  let port = options.port;
  let queue: Promise<unknown> = Promise.resolve();
  /** One key operation at a time, in arrival order. */
  const serially = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => undefined);
    return next;
  };
  const ownOrigins = () => [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
  const windows = new ConfirmationWindows({
    ownOrigins,
    serially,
    log: options.log,
    keyState: () =>
      serially(() =>
        withKey(options.key, async (key) => {
          const info = await key.info();
          const certs = info.initialised ? await key.certificates() : [];
          return { info, certificate: certs.length ? summarise(certs[0]!).subject : undefined };
        }),
      ),
  });

  const checkCaller = (req: IncomingMessage): { origin: string; role: Role } => {
    const origin = req.headers.origin;
    if (origin === undefined) throw new AgentError(403, "agent.origin_required");
    const role = roleOf(origin);
    if (!role) throw new AgentError(403, "agent.origin_refused", { origin });
    // A top-level navigation or a form post cannot be the site's script.
    if (req.headers["sec-fetch-mode"] === "navigate")
      throw new AgentError(403, "agent.origin_refused", { origin });
    return { origin, role };
  };

  /** The site's pairing scope, checked against its secret; what it may ask for. */
  const checkPaired = (req: IncomingMessage, origin: string, role: Role): readonly string[] => {
    const pairing = paired(origin);
    if (!pairing) throw new AgentError(401, "agent.not_paired");
    const h = req.headers.authorization ?? "";
    const secret = h.startsWith("Bearer ") ? h.slice(7) : "";
    const given = Buffer.from(hashSecret(secret), "hex");
    const expected = Buffer.from(pairing.secretHash, "hex");
    if (!secret || given.length !== expected.length || !timingSafeEqual(given, expected))
      throw new AgentError(401, "agent.not_paired");
    // A site's role today bounds what an older, wider pairing said.
    return (pairing.scope ?? SCOPES[role]).filter((op) => (SCOPES[role] as readonly string[]).includes(op));
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
        detail: r.error.issues
          .map((i) => (i.code === "unrecognized_keys" ? i.keys.join(", ") : i.path.join(".")))
          .join(", "),
      });
    return r.data;
  };

  const sessionToken = (req: IncomingMessage): string | undefined => {
    const h = req.headers["x-certdesk-session"];
    return typeof h === "string" && h ? h : undefined;
  };
  const deskFor = (req: IncomingMessage): DeskClient => {
    const desk = options.desk(sessionToken(req));
    if (!desk) throw new DomainError("auth.unauthenticated");
    return desk;
  };

  interface Call {
    req: IncomingMessage;
    body: unknown;
    origin: string;
    role: Role;
  }
  /** An operation the user confirms in the agent's window: the page gets its address. */
  const confirm = (
    c: Call,
    operation: string,
    fields: Field[],
    details: [string, string][],
    run: (secrets: Secrets) => Promise<unknown>,
  ) => ({
    status: 202,
    value: windows.open({ origin: c.origin, role: c.role, operation, fields, details, run }),
  });
  const onKey = <T>(fn: (key: Parameters<Parameters<typeof withKey>[1]>[0]) => Promise<T>) =>
    withKey(options.key, fn);

  /** Each route, with the scope a site needs to call it. */
  const routes: Record<string, { scope: string; run(c: Call): Promise<{ status: number; value: unknown }> }> =
    {
      "GET /v1/key": {
        scope: "key",
        // The desk's record of the key is the portal's to read, not a platform's.
        run: async (c) => ({
          status: 200,
          value: await serially(() =>
            onKey((key) =>
              describe(key, c.role === "portal" ? options.desk(sessionToken(c.req)) : undefined),
            ),
          ),
        }),
      },
      "POST /v1/sign-login": {
        scope: "sign-login",
        run: async (c) => {
          const b = parse(schemas.signLogin, c.body);
          // Bound to the Origin the browser sent: the one thing a page cannot choose.
          return confirm(c, "sign-login", ["pin"], [["agent.dialog.detail.challenge", b.challenge]], (s) =>
            // For the desk's own login the key's use counter is signed too (a copied key file is
            // caught there); platforms verify the plain origin-bound form.
            onKey((key) =>
              signLogin(key, {
                pin: s.pin!,
                origin: c.origin,
                challenge: b.challenge,
                withUseCounter: c.role === "portal",
              }),
            ),
          );
        },
      },
      "POST /v1/seal-pdf": {
        scope: "seal-pdf",
        run: async (c) => {
          const b = parse(schemas.sealPdf, c.body);
          const pdf = new Uint8Array(Buffer.from(b.pdf, "base64"));
          const stamp = { page: b.page ?? 1, xMm: b.xMm ?? 120, yMm: b.yMm ?? 40 };
          const details: [string, string][] = [
            ...(b.name ? [["agent.dialog.detail.document", b.name] as [string, string]] : []),
            ["agent.dialog.detail.sha256", createHash("sha256").update(pdf).digest("hex")],
            ["agent.dialog.detail.size", `${pdf.length} B`],
            ["agent.dialog.detail.position", `${stamp.page} · ${stamp.xMm} mm, ${stamp.yMm} mm`],
            ...(b.reason ? [["agent.dialog.detail.reason", b.reason] as [string, string]] : []),
          ];
          return confirm(c, "seal-pdf", ["pin"], details, async (s) => {
            const ts = timestamper(options.tsaUrl);
            const stamped = await onKey((key) =>
              sealPdf(key, {
                pin: s.pin!,
                pdf,
                stamp,
                reason: b.reason,
                signedAt: new Date(),
                timestamp: ts.hook,
              }),
            );
            const pdfBase64 = Buffer.from(stamped.pdf).toString("base64");
            return { ...stamped, pdf: pdfBase64, timestamp: ts.outcome() };
          });
        },
      },
      "POST /v1/seal-ofd": {
        scope: "seal-ofd",
        run: async (c) => {
          const b = parse(schemas.sealOfd, c.body);
          const ofd = new Uint8Array(Buffer.from(b.ofd, "base64"));
          const stamp = { page: b.page ?? 1, xMm: b.xMm ?? 120, yMm: b.yMm ?? 200 };
          const details: [string, string][] = [
            ...(b.name ? [["agent.dialog.detail.document", b.name] as [string, string]] : []),
            ["agent.dialog.detail.sha256", createHash("sha256").update(ofd).digest("hex")],
            ["agent.dialog.detail.size", `${ofd.length} B`],
            ["agent.dialog.detail.position", `${stamp.page} · ${stamp.xMm} mm, ${stamp.yMm} mm`],
          ];
          return confirm(c, "seal-ofd", ["pin"], details, async (s) => {
            const ts = timestamper(options.tsaUrl);
            const stamped = await onKey((key) =>
              sealOfd(key, { pin: s.pin!, ofd, stamp, signedAt: new Date(), timestamp: ts.hook }),
            );
            const ofdBase64 = Buffer.from(stamped.ofd).toString("base64");
            return { ...stamped, ofd: ofdBase64, timestamp: ts.outcome() };
          });
        },
      },
      "POST /v1/change-pin": {
        scope: "change-pin",
        run: async (c) => {
          parse(schemas.none, c.body);
          const desk = options.desk(sessionToken(c.req));
          return confirm(c, "change-pin", ["pin", "newPin"], [], (s) =>
            onKey(async (key) => {
              const info = await key.info();
              let defaultPinValue: string | null = null;
              if (desk && info.defaultPin)
                defaultPinValue =
                  (await desk.key(info.serial).catch(() => undefined))?.initialPin.pin ?? null;
              return changePin(key, { pin: s.pin!, newPin: s.newPin!, defaultPinValue });
            }),
          );
        },
      },
      "POST /v1/activate": {
        scope: "activate",
        run: async (c) => {
          parse(schemas.none, c.body);
          const desk = deskFor(c.req);
          return confirm(c, "activate", ["code", "pin"], [], (s) =>
            onKey((key) => activate(key, desk, { pin: s.pin!, code: s.code! })),
          );
        },
      },
      "POST /v1/unlock": {
        scope: "unlock",
        // Placing the order and having the code sent needs no secret: no window.
        run: async (c) => {
          const b = parse(schemas.unlock, c.body);
          const desk = deskFor(c.req);
          return { status: 200, value: await serially(() => onKey((key) => unlock(key, desk, b))) };
        },
      },
      "POST /v1/unlock-code": {
        scope: "unlock",
        run: async (c) => {
          parse(schemas.none, c.body);
          const desk = deskFor(c.req);
          return confirm(c, "unlock-code", ["code", "newPin"], [], (s) =>
            onKey((key) => unlock(key, desk, { code: s.code!, newPin: s.newPin! })),
          );
        },
      },
      "POST /v1/renew": {
        scope: "renew",
        run: async (c) => {
          const b = parse(schemas.renew, c.body);
          const desk = deskFor(c.req);
          const details: [string, string][] = b.years ? [["agent.dialog.detail.years", String(b.years)]] : [];
          return confirm(c, "renew", ["pin"], details, (s) =>
            onKey((key) => renew(key, desk, { pin: s.pin!, years: b.years })),
          );
        },
      },
      "POST /v1/install-seal": {
        scope: "install-seal",
        run: async (c) => {
          parse(schemas.none, c.body);
          const desk = deskFor(c.req);
          return confirm(c, "install-seal", ["pin"], [], (s) =>
            onKey((key) => installSeal(key, desk, { pin: s.pin! })),
          );
        },
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

  const problem = (code: string, locale: Locale, params: Record<string, string | number> = {}) => ({
    code,
    message: translate(code, locale, params),
    params,
  });

  const pair = (origin: string, role: Role, code: string): { secret: string } => {
    if (paired(origin)) throw new AgentError(409, "agent.already_paired");
    const open = pending.get(origin);
    if (!open || open.attempts <= 0) throw new AgentError(423, "agent.pairing_closed");
    open.attempts--;
    const given = Buffer.from(code.replace(/[\s-]/g, ""));
    const expected = Buffer.from(open.code);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      // A few wrong codes void this site's pending pairing: no guessing through the page.
      if (open.attempts === 0) options.log(translate("agent.pairing_void", terminal, { origin }));
      throw new AgentError(403, "agent.pairing_code_wrong", { remaining: open.attempts });
    }
    pending.delete(origin);
    const secret = randomBytes(32).toString("base64url");
    savePairing(options.home, {
      origin,
      secretHash: hashSecret(secret),
      pairedAt: new Date().toISOString(),
      scope: [...SCOPES[role]],
    });
    options.log(translate("agent.paired", terminal, { origin, scope: SCOPES[role].join(", ") }));
    return { secret };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const locale: Locale = pickLocale(req.headers["accept-language"]);
    try {
      const host = (req.headers.host ?? "").toLowerCase();
      if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`)
        throw new AgentError(421, "agent.host_refused", { host });
      const url = new URL(req.url ?? "/", "http://agent");
      // The confirmation window: the agent's own origin, no CORS for any site.
      if (url.pathname.startsWith("/dialog/")) return await windows.handle(req, res, url);
      const { origin, role } = checkCaller(req);
      res.setHeader("access-control-allow-origin", origin);
      res.setHeader("vary", "Origin");
      const path = url.pathname;
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
        const pairing = paired(origin);
        return send(res, 200, {
          agent: "certdesk-client",
          version: options.version ?? "0",
          portal,
          origin,
          role,
          paired: pairing !== undefined,
          scope: pairing ? (pairing.scope ?? SCOPES[role]) : [],
        });
      }
      const body = await readBody(
        req,
        path === "/v1/seal-pdf" || path === "/v1/seal-ofd" ? MAX_PDF_BODY : MAX_BODY,
      );
      if (req.method === "POST" && path === "/v1/pair")
        return send(res, 200, pair(origin, role, parse(schemas.pair, body).code));
      const scope = checkPaired(req, origin, role);
      const waiting = /^\/v1\/requests\/([\w-]{10,64})$/.exec(path);
      if (req.method === "GET" && waiting) {
        const outcome = await windows.outcome(waiting[1]!, origin, OUTCOME_WAIT_MS);
        if (!outcome) return send(res, 202, { state: "pending" });
        if (outcome.ok) return send(res, 200, outcome.value);
        return send(res, outcome.status, problem(outcome.code, locale, outcome.params));
      }
      const route = routes[`${req.method} ${path}`];
      if (!route) throw new AgentError(404, "agent.not_found", { path });
      if (!scope.includes(route.scope))
        throw new AgentError(403, role === "platform" ? "agent.portal_only" : "agent.not_in_scope", {
          path,
          origin,
        });
      const answer = await route.run({ req, body, origin, role });
      return send(res, answer.status, answer.value);
    } catch (e) {
      if (e instanceof AgentError) return send(res, e.status, problem(e.code, locale, e.params));
      if (isDomainError(e))
        return send(res, STATUS[e.code] ?? 422, problem(e.code, locale, e.params as Record<string, string>));
      options.log(`agent: ${String(e)}`);
      return send(res, 500, problem("common.internal", locale));
    }
  };

  const server: Server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    // Loopback only: never 0.0.0.0, never ::.
    server.listen(options.port, "127.0.0.1", () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  options.log(translate("agent.listening", terminal, { url, origin: [portal, ...platforms].join(", ") }));
  for (const site of [portal, ...platforms]) {
    const role = roleOf(site)!;
    if (paired(site)) {
      options.log(translate("agent.already_paired_with", terminal, { origin: site }));
      continue;
    }
    const code = String(randomInt(10 ** 8)).padStart(8, "0");
    pending.set(site, { code, attempts: PAIRING_ATTEMPTS });
    options.log(
      translate("agent.pairing_code_for", terminal, {
        origin: site,
        code: `${code.slice(0, 4)}-${code.slice(4)}`,
        scope: SCOPES[role].join(", "),
      }),
    );
  }
  const codeFor = (origin: string) => {
    const open = pending.get(origin);
    return open && open.attempts > 0 ? open.code : undefined;
  };
  return {
    url,
    port,
    get pairingCode() {
      return codeFor(portal);
    },
    pairingCodeFor: codeFor,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
