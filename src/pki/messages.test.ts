import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { pkiMessages } from "../i18n/messages/pki.js";

describe("pki error codes", () => {
  it("every pki.* code thrown in src/pki has a zh-CN and an en message", () => {
    const dir = fileURLToPath(new URL(".", import.meta.url));
    const used = new Set<string>();
    for (const file of readdirSync(dir).filter(
      (f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && f !== "messages.ts",
    )) {
      for (const m of readFileSync(dir + file, "utf8").matchAll(/"(pki\.[a-z0-9_]+)"/g)) used.add(m[1]!);
    }
    expect(used.size).toBeGreaterThan(10);
    for (const code of used) {
      expect(pkiMessages[code], code).toBeDefined();
      expect(pkiMessages[code]!["zh-CN"]).not.toBe("");
      expect(pkiMessages[code]!.en).not.toBe("");
    }
  });
});
