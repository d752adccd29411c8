/**
 * The HTTP edge (docs/security.md): security headers on every answer, through @fastify/helmet,
 * and state-changing requests from another site refused before they reach a route, so a page
 * elsewhere cannot act with a signed-in person's cookie (SameSite=Lax is the second line, not the
 * only one). Routes other machines call carry no browser origin and keep working.
 */
import helmet from "@fastify/helmet";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { DomainError } from "../domain/errors.js";

/**
 * What the desk's pages may load: scripts only from the desk (no inline script, no eval); styles
 * inline too, because Ant Design writes its CSS at run time; the local agent of the security
 * client on the person's own computer (web/src/api/agent.ts); a scan shown in the back office.
 */
const CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  baseUri: ["'self'"],
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", "data:", "blob:"],
  fontSrc: ["'self'", "data:"],
  connectSrc: ["'self'", "http://127.0.0.1:*", "http://localhost:*"],
  // The back office shows an uploaded PDF in an <object>, from a blob: copy (uploads are downloads).
  objectSrc: ["'self'", "blob:"],
  frameSrc: ["'self'", "blob:"], // Chromium frames an <object>'s PDF: frame-src applies too
  formAction: ["'self'"],
  frameAncestors: ["'self'"],
};

/**
 * Called by machines, authenticated by a signature rather than a cookie: a stray Origin header
 * from a gateway or a platform's HTTP library must not lock them out.
 */
const MACHINE_ROUTES = ["/api/payments/callback/", "/api/platform/v1/", "/ocsp", "/tsa"];

const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export async function registerEdge(app: FastifyInstance, options: { publicUrl: string }): Promise<void> {
  const publicOrigin = new URL(options.publicUrl).origin;
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
    // Only a desk served over https can promise https for the next year.
    strictTransportSecurity: publicOrigin.startsWith("https:")
      ? { maxAge: 31_536_000, includeSubDomains: true }
      : false,
    // Not no-referrer: with it Chromium sends "Origin: null" on the desk's own form posts (the
    // gateway's pay page), which the check below must refuse. Other sites get no referrer.
    referrerPolicy: { policy: "same-origin" },
    xFrameOptions: { action: "sameorigin" },
    crossOriginEmbedderPolicy: false,
  });
  app.addHook("onRequest", async (req) => {
    if (!STATE_CHANGING.has(req.method) || isMachineRoute(req.url)) return;
    if (isCrossSite(req, publicOrigin)) throw new DomainError("auth.cross_origin");
  });
}

function isMachineRoute(url: string): boolean {
  const path = url.split("?")[0] ?? "";
  return MACHINE_ROUTES.some((p) => path === p.replace(/\/$/, "") || path.startsWith(p));
}

/**
 * A browser names the page that sent a request (Origin; Sec-Fetch-Site in current browsers). It is
 * the desk's own when it is the public origin or the host the browser addressed (the desk on a
 * fresh port, a development proxy). Clients that are not browsers send neither and go through.
 */
function isCrossSite(req: FastifyRequest, publicOrigin: string): boolean {
  if (req.headers["sec-fetch-site"] === "cross-site") return true;
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  if (origin === publicOrigin) return false;
  try {
    const sender = new URL(origin);
    const addressed = new URL(`${sender.protocol}//${req.headers.host ?? ""}`);
    return sender.host !== addressed.host;
  } catch {
    return true; // "null" (a sandboxed frame, a redirect across sites) or garbage
  }
}

/**
 * Content-Disposition for a file a person uploaded: always a download (never shown as a page of
 * the desk), with a plain ASCII name for old clients and the real name in RFC 5987 form.
 */
export function attachmentDisposition(filename: string): string {
  const fallback =
    filename
      .normalize("NFKD")
      .replace(/[^\x20-\x7e]/g, "")
      .replace(/["\\;%]/g, "_")
      .trim() || "download";
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeRfc5987(filename)}`;
}

function encodeRfc5987(value: string): string {
  return encodeURIComponent(value).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
