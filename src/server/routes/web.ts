/**
 * The web app (portal, guides, back office): the built files of web/dist at /, and index.html for
 * every other GET that is not the server's, so that the browser's router owns paths like
 * /portal/orders/:id. API, documentation, PKI and gateway paths never fall back to the app: a
 * missing one there is the API's 404 (problem+json), not a page. Files are looked up per request,
 * so a rebuild (`npm run build:web`) is served without a restart.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply } from "fastify";

export const WEB_DIST = fileURLToPath(new URL("../../../web/dist/", import.meta.url));

/** Paths that belong to the server; the app's router never sees them. */
const SERVER_PREFIXES = ["/api", "/docs", "/crl", "/ocsp", "/ca", "/dev-gateway"];

export function isServerPath(path: string): boolean {
  return SERVER_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`));
}

const NOT_BUILT = `<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>certdesk</title>
<body style="font-family:sans-serif;max-width:40rem;margin:3rem auto;line-height:1.6">
<h1>certdesk</h1>
<p>网页端尚未构建。请在项目目录运行 <code>npm run build:web</code>（<code>npm run demo</code> 会自动构建），然后刷新本页。</p>
<p>The web app is not built. Run <code>npm run build:web</code> in the project folder
(<code>npm run demo</code> does it for you), then reload this page.</p>
<p>API: <a href="/docs">/docs</a></p></body></html>`;

export async function registerWebRoutes(app: FastifyInstance, distDir: string = WEB_DIST): Promise<void> {
  // An encapsulated scope: the static plugin's reply.sendFile stays here.
  await app.register(async (scope) => {
    // serve: false, the routes below decide what is served; send() keeps paths inside distDir.
    // preCompressed: the build's .br/.gz copies go to browsers that accept them (web/vite.config.ts).
    await scope.register(fastifyStatic, {
      root: distDir,
      serve: false,
      suppressWarning: true,
      preCompressed: true,
    });

    const page = (reply: FastifyReply) => {
      if (!existsSync(join(distDir, "index.html")))
        return reply.status(503).type("text/html; charset=utf-8").send(NOT_BUILT);
      return reply.sendFile("index.html", { cacheControl: false, etag: true, lastModified: true });
    };

    // Hashed names under assets/ never change: cached for good. A missing one is a 404.
    scope.get("/assets/*", { config: { action: "web.page" }, schema: { hide: true } }, async (req, reply) => {
      const file = (req.params as { "*": string })["*"];
      return reply.sendFile(`assets/${file}`, { maxAge: "365d", immutable: true });
    });
    scope.get("/", { config: { action: "web.page" }, schema: { hide: true } }, async (_req, reply) => {
      reply.header("cache-control", "no-cache");
      return page(reply);
    });
    scope.get("/*", { config: { action: "web.page" }, schema: { hide: true } }, async (req, reply) => {
      const path = req.url.split("?")[0] ?? "/";
      if (isServerPath(path)) return reply.callNotFound();
      // A file at the top (favicon.svg): served if it exists, else a 404, never the app's page.
      if (/^\/[^/]+\.[a-z0-9]+$/i.test(path)) return reply.sendFile(path.slice(1), { maxAge: "1h" });
      if (/\.[a-z0-9]+$/i.test(path)) return reply.callNotFound();
      reply.header("cache-control", "no-cache");
      return page(reply);
    });
  });
}
