/**
 * Configuration, read once at start from the environment and validated; every bad value gets its
 * own line in the error. Development mode has working defaults for everything, secrets included;
 * production refuses to start without real secrets. Nothing else reads process.env.
 */
import { isIP } from "node:net";
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { z } from "zod";
import { CA_SETTING_VARIABLES, type CaSettings, type OfferedCaSettings } from "./desk/desk-settings.js";
import type { InvoiceSettings } from "./money/invoices.js";

const DEV_SECRET = "development-only-secret-do-not-use-in-production";

const envSchema = z
  .object({
    CERTDESK_MODE: z.enum(["development", "production"]).default("development"),
    HOST: z.string().min(1).default("127.0.0.1"),
    PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
      .optional(),
    CERTDESK_DATA_DIR: z.string().min(1).default(".data"),
    CERTDESK_PUBLIC_URL: z.url().optional(),
    CERTDESK_DEMO: z.enum(["0", "1"]).default("0"),
    CERTDESK_PAYMENT_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
    CERTDESK_SECRET_KEY: z.string().min(32, "must be at least 32 characters").optional(),
    CERTDESK_SESSION_HOURS: z.coerce.number().int().min(1).max(720).default(12),
    CERTDESK_UPLOAD_LIMIT_MB: z.coerce.number().int().min(1).max(100).default(10),
    CERTDESK_CA_PASSPHRASE: z.string().min(12, "must be at least 12 characters").optional(),
    CERTDESK_CA_ORGANISATION: z.string().min(2).max(60).default("certdesk Demo"),
    CERTDESK_HSM_MODULE: z.string().min(1).optional(),
    CERTDESK_HSM_TOKEN: z.string().min(1).optional(),
    CERTDESK_HSM_PIN: z.string().min(4).optional(),
    CERTDESK_CRL_VALIDITY_HOURS: z.coerce.number().int().min(1).max(720).default(24),
    CERTDESK_CRL_REFRESH_MINUTES: z.coerce.number().int().min(1).max(1440).default(60),
    CERTDESK_OCSP_VALIDITY_MINUTES: z.coerce.number().int().min(1).max(10080).default(60),
    // Delta CRLs between complete ones (RFC 5280 5.2.4); 0: none.
    CERTDESK_DELTA_CRL_MINUTES: z.coerce.number().int().min(0).max(1440).default(0),
    // OCSP also on a port of its own, answered by worker processes (src/server/ocsp-workers.ts).
    CERTDESK_OCSP_PORT: z.coerce.number().int().min(1).max(65535).optional(),
    CERTDESK_OCSP_WORKERS: z.coerce.number().int().min(1).max(64).optional(),
    // The OCSP address written into certificates (authorityInfoAccess); default {public URL}/ocsp.
    CERTDESK_OCSP_URL: z.url().optional(),
    // Signed audit checkpoints (src/store/audit-anchor.ts): after so many rows, or so many minutes.
    CERTDESK_AUDIT_CHECKPOINT_ROWS: z.coerce.number().int().min(1).max(20_000).default(1000),
    CERTDESK_AUDIT_CHECKPOINT_MINUTES: z.coerce.number().int().min(1).max(1440).default(5),
    // The reverse proxy (or proxies) in front of the desk, whose X-Forwarded-For is believed.
    CERTDESK_TRUSTED_PROXY: z
      .string()
      .transform((v) => v.split(",").map((a) => a.trim()))
      .refine(
        (list) => list.every(isAddressOrRange),
        "must be IP addresses or CIDR ranges separated by commas, e.g. 10.0.0.5,192.168.1.0/24",
      )
      .optional(),
    // SM2 by OpenSSL through the addon native/sm2 (on), or in JavaScript only (off: slower, for tests).
    CERTDESK_SM2_NATIVE: z.enum(["on", "off"], { error: 'must be "on" or "off"' }).default("on"),
    // Passwords hashed on worker threads of their own (on), or on libuv's threadpool (off: for comparison).
    CERTDESK_PASSWORD_POOL: z.enum(["on", "off"], { error: 'must be "on" or "off"' }).default("on"),
    // The API documentation at /docs; left out, on in development and off in production.
    CERTDESK_API_DOCS: z.enum(["on", "off"], { error: 'must be "on" or "off"' }).optional(),
    CERTDESK_LOG_LEVEL: z
      .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
      .default("info"),
    // Where production makes USB keys for the back office's API: software:<folder> or pkcs11:<module>.
    CERTDESK_KEY_STATION: z
      .string()
      .regex(/^(software|pkcs11):.+/, "must be software:<folder> or pkcs11:<module path>")
      .optional(),
    CERTDESK_SMTP_URL: z
      .string()
      .regex(/^smtps?:\/\/[^/]+/, "must be an smtp:// or smtps:// URL (smtp://user:password@host:port)")
      .optional(),
    CERTDESK_MAIL_FROM: z.string().min(3).max(200).optional(),
    // Only the development sink exists so far: messages are kept in the store and shown to staff.
    CERTDESK_SMS_PROVIDER: z.enum(["sink"]).optional(),
    CERTDESK_OUTBOX_POLL_MS: z.coerce.number().int().min(100).max(60_000).default(1000),
    // How often a desk looks at the desk's events without a NOTIFY (a lost connection).
    CERTDESK_EVENTS_POLL_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
    CERTDESK_PAYMENT_QUERY_AFTER_MINUTES: z.coerce.number().int().min(1).max(1440).default(10),
    CERTDESK_INVOICE_TAX_RATE: z
      .string()
      .regex(
        /^(100|\d{1,2})(\.\d{1,2})?$/,
        "must be a percentage from 0 to 100 with at most 2 decimals, e.g. 6",
      )
      .default("6")
      .refine((v) => percentToBasisPoints(v) <= 10_000, "must not exceed 100"),
    CERTDESK_INVOICE_SELLER_NAME: z.string().min(2).max(100).optional(),
    CERTDESK_INVOICE_SELLER_TAX_NUMBER: z
      .string()
      .regex(/^[0-9A-Z]{15,20}$/, "must be 15 to 20 digits or capital letters")
      .optional(),
    CERTDESK_INVOICE_SELLER_ADDRESS: z.string().max(200).optional(),
    CERTDESK_INVOICE_SELLER_PHONE: z.string().max(40).optional(),
    CERTDESK_INVOICE_SELLER_BANK: z.string().max(100).optional(),
    CERTDESK_INVOICE_SELLER_ACCOUNT: z.string().max(60).optional(),
    CERTDESK_INVOICE_DRAWER: z.string().max(20).optional(),
  })
  .superRefine((env, ctx) => {
    const hsm = [env.CERTDESK_HSM_MODULE, env.CERTDESK_HSM_TOKEN, env.CERTDESK_HSM_PIN];
    if (hsm.some(Boolean) && !hsm.every(Boolean)) {
      ctx.addIssue({
        code: "custom",
        path: ["CERTDESK_HSM_MODULE"],
        message: "CERTDESK_HSM_MODULE, CERTDESK_HSM_TOKEN and CERTDESK_HSM_PIN go together",
      });
    }
    if (env.CERTDESK_MODE !== "production") return;
    for (const key of [
      "CERTDESK_PAYMENT_SECRET",
      "CERTDESK_SECRET_KEY",
      "CERTDESK_PUBLIC_URL",
      "CERTDESK_CA_PASSPHRASE",
    ] as const) {
      if (!env[key]) ctx.addIssue({ code: "custom", path: [key], message: "is required in production mode" });
      else if (env[key] === DEV_SECRET) {
        ctx.addIssue({ code: "custom", path: [key], message: "must not be the development default" });
      }
    }
    // The seller on every invoice and the SMS route are the operator's own: no demo values.
    for (const key of [
      "CERTDESK_INVOICE_SELLER_NAME",
      "CERTDESK_INVOICE_SELLER_TAX_NUMBER",
      "CERTDESK_SMS_PROVIDER",
    ] as const) {
      if (!env[key]) ctx.addIssue({ code: "custom", path: [key], message: "is required in production mode" });
    }
    if (env.CERTDESK_SMTP_URL && !env.CERTDESK_MAIL_FROM) {
      ctx.addIssue({
        code: "custom",
        path: ["CERTDESK_MAIL_FROM"],
        message: "is required in production mode when CERTDESK_SMTP_URL is set",
      });
    }
    if (env.CERTDESK_DEMO === "1") {
      ctx.addIssue({
        code: "custom",
        path: ["CERTDESK_DEMO"],
        message: "demo data is not allowed in production",
      });
    }
  });

export interface Config {
  mode: "development" | "production";
  host: string;
  port: number;
  store: { kind: "embedded"; dataDir: string } | { kind: "postgres"; url: string };
  dataDir: string;
  publicUrl: string;
  /** the OCSP responder's address in issued certificates */
  ocspUrl: string;
  /**
   * The CA's settings as this process would have them; the store's copy wins (desk-settings.ts),
   * and one set explicitly here that disagrees with it is refused.
   */
  caSettings: OfferedCaSettings;
  /** how often the desk's events are looked at without a notification */
  deskEventsPollMs: number;
  /** OCSP worker processes on a port of their own; absent, OCSP is served at {publicUrl}/ocsp only */
  ocspWorkers: { port: number; count: number } | undefined;
  demo: boolean;
  paymentSecret: string;
  secretKey: string;
  sessionHours: number;
  uploadLimitBytes: number;
  logLevel: string;
  /** Peers whose X-Forwarded-For gives the client's address (login limits); none, the peer is the client. */
  trustedProxy: string[];
  /** whether the API documentation is served at /docs */
  apiDocs: boolean;
  /** SM2 through the native addon when it is built (src/pki/sm2-native.ts) */
  sm2Native: boolean;
  /** passwords hashed on the password pool's threads (src/people/password-pool.ts) */
  passwordPool: boolean;
  /** The production station of the back office's API (software keys in a folder in development). */
  keyStation: string | undefined;
  ca: {
    passphrase: string;
    organisation: string;
    /** CA keys in an HSM through PKCS#11 instead of encrypted at rest. */
    hsm: { module: string; token: string; pin: string } | undefined;
    crlValidityHours: number;
    crlRefreshMinutes: number;
    ocspValidityMinutes: number;
  };
  notify: {
    sms: "sink";
    /** E-mail through this SMTP server; absent, e-mail waits in the outbox. */
    smtp: { url: string; from: string } | undefined;
    outboxPollMs: number;
  };
  payments: { queryAfterMs: number };
  invoices: InvoiceSettings;
  /** Audit checkpoints: signed with a key derived from secretKey, the newest kept in anchorFile. */
  audit: { anchorFile: string; checkpointRows: number; checkpointMs: number };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`certdesk cannot start; fix the configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const key = i.path.join(".");
        const value = env[key];
        const shown =
          value === undefined
            ? ""
            : /SECRET|KEY|PASS|SMTP_URL/.test(key)
              ? " (value hidden)"
              : ` (got "${value}")`;
        return `${key}: ${i.message}${shown}`;
      }),
    );
  }
  const e = parsed.data;
  const dataDir = resolve(e.CERTDESK_DATA_DIR);
  const publicUrl = (e.CERTDESK_PUBLIC_URL ?? `http://${e.HOST}:${e.PORT}`).replace(/\/$/, "");
  const ocspUrl = e.CERTDESK_OCSP_URL ?? `${publicUrl}/ocsp`;
  const caSettings: CaSettings = {
    publicUrl,
    ocspUrl,
    crlValidityHours: e.CERTDESK_CRL_VALIDITY_HOURS,
    crlRefreshMinutes: e.CERTDESK_CRL_REFRESH_MINUTES,
    ocspValidityMinutes: e.CERTDESK_OCSP_VALIDITY_MINUTES,
    deltaCrlMinutes: e.CERTDESK_DELTA_CRL_MINUTES,
  };
  return {
    mode: e.CERTDESK_MODE,
    host: e.HOST,
    port: e.PORT,
    store: e.DATABASE_URL
      ? { kind: "postgres", url: e.DATABASE_URL }
      : { kind: "embedded", dataDir: resolve(dataDir, "db") },
    dataDir,
    publicUrl,
    ocspUrl,
    caSettings: {
      values: caSettings,
      given: (Object.keys(CA_SETTING_VARIABLES) as (keyof CaSettings)[]).filter(
        (k) => env[CA_SETTING_VARIABLES[k]] !== undefined && env[CA_SETTING_VARIABLES[k]] !== "",
      ),
    },
    ocspWorkers:
      e.CERTDESK_OCSP_PORT === undefined
        ? undefined
        : { port: e.CERTDESK_OCSP_PORT, count: e.CERTDESK_OCSP_WORKERS ?? availableParallelism() },
    deskEventsPollMs: e.CERTDESK_EVENTS_POLL_MS,
    demo: e.CERTDESK_DEMO === "1",
    paymentSecret: e.CERTDESK_PAYMENT_SECRET ?? DEV_SECRET,
    secretKey: e.CERTDESK_SECRET_KEY ?? DEV_SECRET,
    sessionHours: e.CERTDESK_SESSION_HOURS,
    uploadLimitBytes: e.CERTDESK_UPLOAD_LIMIT_MB * 1024 * 1024,
    logLevel: e.CERTDESK_LOG_LEVEL,
    trustedProxy: e.CERTDESK_TRUSTED_PROXY ?? [],
    sm2Native: e.CERTDESK_SM2_NATIVE === "on",
    passwordPool: e.CERTDESK_PASSWORD_POOL === "on",
    apiDocs: (e.CERTDESK_API_DOCS ?? (e.CERTDESK_MODE === "production" ? "off" : "on")) === "on",
    keyStation:
      e.CERTDESK_KEY_STATION ??
      (e.CERTDESK_MODE === "development" ? `software:${resolve(dataDir, "keys")}` : undefined),
    ca: {
      passphrase: e.CERTDESK_CA_PASSPHRASE ?? DEV_SECRET,
      organisation: e.CERTDESK_CA_ORGANISATION,
      hsm:
        e.CERTDESK_HSM_MODULE && e.CERTDESK_HSM_TOKEN && e.CERTDESK_HSM_PIN
          ? { module: e.CERTDESK_HSM_MODULE, token: e.CERTDESK_HSM_TOKEN, pin: e.CERTDESK_HSM_PIN }
          : undefined,
      crlValidityHours: e.CERTDESK_CRL_VALIDITY_HOURS,
      crlRefreshMinutes: e.CERTDESK_CRL_REFRESH_MINUTES,
      ocspValidityMinutes: e.CERTDESK_OCSP_VALIDITY_MINUTES,
    },
    notify: {
      sms: e.CERTDESK_SMS_PROVIDER ?? "sink",
      smtp: e.CERTDESK_SMTP_URL
        ? { url: e.CERTDESK_SMTP_URL, from: e.CERTDESK_MAIL_FROM ?? "certdesk <no-reply@certdesk.localhost>" }
        : undefined,
      outboxPollMs: e.CERTDESK_OUTBOX_POLL_MS,
    },
    payments: { queryAfterMs: e.CERTDESK_PAYMENT_QUERY_AFTER_MINUTES * 60_000 },
    audit: {
      anchorFile: resolve(dataDir, "audit-anchor.json"),
      checkpointRows: e.CERTDESK_AUDIT_CHECKPOINT_ROWS,
      checkpointMs: e.CERTDESK_AUDIT_CHECKPOINT_MINUTES * 60_000,
    },
    invoices: {
      seller: {
        name: e.CERTDESK_INVOICE_SELLER_NAME ?? "certdesk 演示服务中心（开发环境）",
        taxNumber: e.CERTDESK_INVOICE_SELLER_TAX_NUMBER ?? "91310110666007217T",
        address: e.CERTDESK_INVOICE_SELLER_ADDRESS,
        phone: e.CERTDESK_INVOICE_SELLER_PHONE,
        bank: e.CERTDESK_INVOICE_SELLER_BANK,
        bankAccount: e.CERTDESK_INVOICE_SELLER_ACCOUNT,
      },
      taxRateBp: percentToBasisPoints(e.CERTDESK_INVOICE_TAX_RATE),
      drawer: e.CERTDESK_INVOICE_DRAWER,
    },
  };
}

/** "6" → 600, "1.5" → 150, exactly (no floating point). */
export function percentToBasisPoints(percent: string): number {
  const [whole = "0", frac = ""] = percent.split(".");
  return Number(whole) * 100 + Number(frac.padEnd(2, "0"));
}

/** An IPv4 or IPv6 address, or a CIDR range of one. */
function isAddressOrRange(entry: string): boolean {
  const [address = "", prefix, ...rest] = entry.split("/");
  const family = isIP(address);
  if (!family || rest.length > 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}
