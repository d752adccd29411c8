import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration suites share one PostgreSQL server; files run in parallel but each makes its own schema.
    pool: "forks",
    // The CLI and client children of the tests run the sources through tsx, so a test never
    // meets a stale build; test/compiled.test.ts checks the built product itself.
    env: { CERTDESK_FROM_SOURCE: "1" },
    reporters: ["default", "./test/support/summary-reporter.ts"],
  },
});
