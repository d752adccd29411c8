/**
 * Where the security client keeps what outlives one command: the desk's address and the user's
 * session token (session.json), and the agent's pairing with the portal (agent.json, the secret
 * only as a hash). A folder of its own, readable by the user alone: CERTDESK_CLIENT_HOME, else
 * ~/.certdesk-client.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { z } from "zod";

export function clientHome(env: Record<string, string | undefined>): string {
  return env.CERTDESK_CLIENT_HOME ?? join(homedir(), ".certdesk-client");
}

const sessionSchema = z.object({
  server: z.string(),
  token: z.string(),
  expiresAt: z.string(),
  name: z.string(),
});
export type StoredSession = z.infer<typeof sessionSchema>;

function writePrivate(path: string, value: unknown): void {
  const dir = join(path, "..");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(value, null, 2), { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, path);
}

function readJson<T>(path: string, schema: z.ZodType<T>): T | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return schema.parse(JSON.parse(readFileSync(path, "utf8")));
  } catch {
    return undefined;
  }
}

export const sessionFile = (home: string): string => join(home, "session.json");

/** The saved session; whether it is still valid is the desk's to say (its clock, not this one). */
export function readSession(home: string): StoredSession | undefined {
  return readJson(sessionFile(home), sessionSchema);
}

export function saveSession(home: string, session: StoredSession): void {
  writePrivate(sessionFile(home), session);
}

export function forgetSession(home: string): void {
  rmSync(sessionFile(home), { force: true });
}

const pairingSchema = z.object({
  origin: z.string(),
  secretHash: z.string(),
  pairedAt: z.string(),
  /** what the site may ask the agent for, fixed at pairing; older files name none (the site's role decides) */
  scope: z.array(z.string()).optional(),
});
export type Pairing = z.infer<typeof pairingSchema>;
/** One pairing per site (the portal, each platform); an older file holds the portal's alone. */
const pairingsSchema = z.union([pairingSchema.transform((p) => [p]), z.array(pairingSchema)]);

export const pairingFile = (home: string): string => join(home, "agent.json");

export function readPairing(home: string, origin: string): Pairing | undefined {
  return readPairings(home).find((p) => p.origin === origin);
}

export function readPairings(home: string): Pairing[] {
  return readJson(pairingFile(home), pairingsSchema) ?? [];
}

/** Adds the pairing, replacing any earlier one of the same site. */
export function savePairing(home: string, pairing: Pairing): void {
  writePrivate(pairingFile(home), [
    ...readPairings(home).filter((p) => p.origin !== pairing.origin),
    pairing,
  ]);
}

/** Revokes one site's pairing: its secret stops working at once, even in a running agent. */
export function revokePairing(home: string, origin: string): boolean {
  const all = readPairings(home);
  const kept = all.filter((p) => p.origin !== origin);
  if (kept.length === all.length) return false;
  writePrivate(pairingFile(home), kept);
  return true;
}

export function forgetPairing(home: string): void {
  rmSync(pairingFile(home), { force: true });
}
