/**
 * The CA's settings live in the store, not in each process's environment: the addresses written
 * into every certificate (the public URL under which CRLs and CA certificates are served, the OCSP
 * URL) and the publication's timings. The first process that needs them (normally the first desk
 * start, or `certdesk ca init`) writes them from its configuration; every later process, each
 * server node and the CLI, reads them from here. A value set explicitly in a process's environment
 * that disagrees with the store is refused, naming both, instead of silently issuing certificates
 * that point somewhere else. (Certificate profiles are programme data, in the store already.)
 */
import type { Kysely } from "kysely";
import { z } from "zod";
import { DomainError } from "../domain/errors.js";
import type { Database } from "../store/schema.js";

export interface CaSettings {
  /** CRLs at {publicUrl}/crl/{ca}.crl, CA certificates at {publicUrl}/ca/{ca}.crt */
  publicUrl: string;
  ocspUrl: string;
  crlValidityHours: number;
  crlRefreshMinutes: number;
  ocspValidityMinutes: number;
}

/** Where each setting comes from in a process's environment. */
export const CA_SETTING_VARIABLES: Record<keyof CaSettings, string> = {
  publicUrl: "CERTDESK_PUBLIC_URL",
  ocspUrl: "CERTDESK_OCSP_URL",
  crlValidityHours: "CERTDESK_CRL_VALIDITY_HOURS",
  crlRefreshMinutes: "CERTDESK_CRL_REFRESH_MINUTES",
  ocspValidityMinutes: "CERTDESK_OCSP_VALIDITY_MINUTES",
};

/** This process's view: every value (defaults filled in), and the ones set explicitly. */
export interface OfferedCaSettings {
  values: CaSettings;
  given: readonly (keyof CaSettings)[];
}

const stored = z.object({
  publicUrl: z.string().min(1),
  ocspUrl: z.string().min(1),
  crlValidityHours: z.number().int().positive(),
  crlRefreshMinutes: z.number().int().positive(),
  ocspValidityMinutes: z.number().int().positive(),
});

const NAME = "ca";

/**
 * The CA's settings from the store, written there first from `offered` when the store has none.
 * Throws settings.conflict for an explicitly given value that the store holds otherwise.
 */
export async function settleCaSettings(
  db: Kysely<Database>,
  offered: OfferedCaSettings,
  now: Date,
): Promise<CaSettings> {
  await db
    .insertInto("desk_settings")
    .values({ name: NAME, value: JSON.stringify(offered.values), updated_at: now })
    .onConflict((oc) => oc.column("name").doNothing())
    .execute();
  const row = await db
    .selectFrom("desk_settings")
    .select("value")
    .where("name", "=", NAME)
    .executeTakeFirstOrThrow();
  const settings = stored.parse(row.value);
  for (const key of offered.given) {
    if (settings[key] !== offered.values[key])
      throw new DomainError("settings.conflict", {
        setting: CA_SETTING_VARIABLES[key],
        stored: String(settings[key]),
        given: String(offered.values[key]),
      });
  }
  return settings;
}
