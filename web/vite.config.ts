/**
 * The web app (portal, guides, back office). Built into web/dist, which the certdesk server serves
 * at / (src/server/routes/web.ts). `npm run build:web` builds it; for live editing run the server
 * (`npm run demo`) and `npx vite --config web/vite.config.ts`, which forwards API calls to it.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import react from "@vitejs/plugin-react";
import { defineConfig, type Plugin } from "vite";

/**
 * Each built text file beside its brotli and gzip copies (name.br, name.gz): the server sends the
 * smaller one a browser accepts (@fastify/static preCompressed, src/server/routes/web.ts), so a
 * phone on a slow line downloads about a quarter of the bytes, compressed once at build time.
 */
function precompress(): Plugin {
  let outDir = "";
  return {
    name: "certdesk-precompress",
    apply: "build",
    configResolved(config) {
      outDir = join(config.root, config.build.outDir);
    },
    writeBundle(_options, bundle) {
      for (const name of Object.keys(bundle)) {
        if (!/\.(js|css|html|svg)$/.test(name)) continue;
        const path = join(outDir, name);
        const bytes = readFileSync(path);
        if (bytes.length < 1024) continue;
        writeFileSync(
          `${path}.br`,
          brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
        );
        writeFileSync(`${path}.gz`, gzipSync(bytes, { level: 9 }));
      }
    },
  };
}

const server = process.env.CERTDESK_DEV_SERVER ?? "http://127.0.0.1:8080";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  plugins: [react(), precompress()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // antd and the charts are large; the app is one download on a desk's intranet.
    chunkSizeWarningLimit: 3000,
  },
  server: {
    proxy: Object.fromEntries(["/api", "/docs", "/dev-gateway"].map((p) => [p, server])),
  },
});
