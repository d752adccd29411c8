import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration suites share one PostgreSQL server; files run in parallel but each makes its own schema.
    pool: "forks",
    reporters: ["default", "./test/support/summary-reporter.ts"],
  },
});
