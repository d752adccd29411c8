/**
 * The web app (portal, guides, back office). Built into web/dist, which the certdesk server serves
 * at / (src/server/routes/web.ts). `npm run build:web` builds it; for live editing run the server
 * (`npm run demo`) and `npx vite --config web/vite.config.ts`, which forwards API calls to it.
 */
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const server = process.env.CERTDESK_DEV_SERVER ?? "http://127.0.0.1:8080";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  plugins: [react()],
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
