import { availableParallelism } from "node:os";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.js";

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe("configuration is validated at start", () => {
  it("development mode starts with defaults on the embedded database", () => {
    const c = loadConfig({});
    expect(c.mode).toBe("development");
    expect(c.store.kind).toBe("embedded");
    expect(c.port).toBe(8080);
  });

  it("OCSP workers only with CERTDESK_OCSP_PORT, one per core unless counted; the AIA address follows the public URL", () => {
    const plain = loadConfig({ CERTDESK_PUBLIC_URL: "https://desk.example/" });
    expect(plain.ocspWorkers).toBeUndefined();
    expect(plain.ocspUrl).toBe("https://desk.example/ocsp");
    const pool = loadConfig({ CERTDESK_OCSP_PORT: "8081", CERTDESK_OCSP_URL: "http://ocsp.example/" });
    expect(pool.ocspWorkers).toEqual({ port: 8081, count: availableParallelism() });
    expect(pool.ocspUrl).toBe("http://ocsp.example/");
    expect(loadConfig({ CERTDESK_OCSP_PORT: "8081", CERTDESK_OCSP_WORKERS: "3" }).ocspWorkers?.count).toBe(3);
    expect(problems({ CERTDESK_OCSP_WORKERS: "0", CERTDESK_OCSP_PORT: "0" })).toHaveLength(2);
  });

  it("CERTDESK_TRUSTED_PROXY takes addresses and CIDR ranges; anything else is named", () => {
    expect(loadConfig({}).trustedProxy).toEqual([]);
    expect(loadConfig({ CERTDESK_TRUSTED_PROXY: "10.0.0.5, 192.168.1.0/24,::1" }).trustedProxy).toEqual([
      "10.0.0.5",
      "192.168.1.0/24",
      "::1",
    ]);
    for (const bad of ["proxy.example", "10.0.0.0/33", "10.0.0.1,", "true"])
      expect(problems({ CERTDESK_TRUSTED_PROXY: bad })[0]).toMatch(
        /^CERTDESK_TRUSTED_PROXY: must be IP addresses/,
      );
  });

  it("DATABASE_URL selects PostgreSQL", () => {
    expect(loadConfig({ DATABASE_URL: "postgres://u@h:5432/db" }).store).toEqual({
      kind: "postgres",
      url: "postgres://u@h:5432/db",
    });
  });

  it("names every bad value on its own line, hiding secrets", () => {
    const p = problems({ PORT: "eighty", DATABASE_URL: "mysql://x", CERTDESK_PAYMENT_SECRET: "short" });
    expect(p).toHaveLength(3);
    expect(p.find((l) => l.startsWith("PORT"))).toContain('"eighty"');
    expect(p.find((l) => l.startsWith("DATABASE_URL"))).toContain("postgres://");
    const secret = p.find((l) => l.startsWith("CERTDESK_PAYMENT_SECRET"));
    expect(secret).toContain("hidden");
    expect(secret).not.toContain("short");
  });

  it("production refuses to start without real secrets or with demo data", () => {
    const p = problems({ CERTDESK_MODE: "production", CERTDESK_DEMO: "1" });
    expect(p.map((l) => l.split(":")[0]).sort()).toEqual([
      "CERTDESK_CA_PASSPHRASE",
      "CERTDESK_DEMO",
      "CERTDESK_INVOICE_SELLER_NAME",
      "CERTDESK_INVOICE_SELLER_TAX_NUMBER",
      "CERTDESK_PAYMENT_SECRET",
      "CERTDESK_PUBLIC_URL",
      "CERTDESK_SECRET_KEY",
      "CERTDESK_SMS_PROVIDER",
    ]);
    const ok = loadConfig({
      CERTDESK_MODE: "production",
      CERTDESK_PAYMENT_SECRET: "p".repeat(40),
      CERTDESK_SECRET_KEY: "k".repeat(40),
      CERTDESK_PUBLIC_URL: "https://desk.example.cn",
      CERTDESK_CA_PASSPHRASE: "a long CA passphrase",
      CERTDESK_INVOICE_SELLER_NAME: "某某证书服务有限公司",
      CERTDESK_INVOICE_SELLER_TAX_NUMBER: "91310115591693856A",
      CERTDESK_SMS_PROVIDER: "sink",
    });
    expect(ok.publicUrl).toBe("https://desk.example.cn");
  });

  it("the API documentation (/docs): on in development, off in production unless CERTDESK_API_DOCS=on", () => {
    const production = {
      CERTDESK_MODE: "production",
      CERTDESK_PAYMENT_SECRET: "p".repeat(40),
      CERTDESK_SECRET_KEY: "k".repeat(40),
      CERTDESK_PUBLIC_URL: "https://desk.example.cn",
      CERTDESK_CA_PASSPHRASE: "a long CA passphrase",
      CERTDESK_INVOICE_SELLER_NAME: "某某证书服务有限公司",
      CERTDESK_INVOICE_SELLER_TAX_NUMBER: "91310115591693856A",
      CERTDESK_SMS_PROVIDER: "sink",
    };
    expect(loadConfig({}).apiDocs).toBe(true);
    expect(loadConfig({ CERTDESK_API_DOCS: "off" }).apiDocs).toBe(false);
    expect(loadConfig(production).apiDocs).toBe(false);
    expect(loadConfig({ ...production, CERTDESK_API_DOCS: "on" }).apiDocs).toBe(true);
    expect(problems({ CERTDESK_API_DOCS: "yes" })[0]).toMatch(/^CERTDESK_API_DOCS: .*on.*off/);
  });
});
