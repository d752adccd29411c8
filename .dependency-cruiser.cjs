/**
 * No circle between files in src/ (#21): a capability module calls the ones below it, never back.
 * `npm run cycles` (part of `npm run lint`) names any circle with its path. Imports of types only
 * (`import type`) are erased at compile time and are not counted: the route modules take the
 * AppDeps type from server/app.ts, which registers them.
 */
/* global module */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "A file must not reach itself through its imports: move the shared part down a layer.",
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsConfig: { fileName: "tsconfig.json" },
    tsPreCompilationDeps: false,
    enhancedResolveOptions: { extensions: [".ts", ".js"] },
    exclude: { path: "\\.test\\.ts$" },
  },
};
