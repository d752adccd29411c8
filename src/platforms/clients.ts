/**
 * Relying platforms as API clients: an admin registers a platform for a programme and hands it a
 * credential (key id and secret, the secret shown once); requests are HMAC-signed (sdk/signing.ts)
 * and checked here. Rotation issues a new credential and lets the older ones work for a grace
 * period, so a platform switches without a failed request; a leaked one is revoked at once.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import type { Clock } from "../domain/clock.js";
import { DomainError } from "../domain/errors.js";
import { getProgramme } from "../orders/programmes.js";
import { requireRole } from "../people/people.js";
import { actorLabel, type Actor } from "../people/actor.js";
import { appendAudit } from "../store/audit.js";
import type { PlatformClientRow } from "../store/schema-platforms.js";
import type { Database } from "../store/schema.js";
import {
  CLOCK_SKEW_SECONDS,
  parseAuthorization,
  requestSignature,
  safeEqual,
  type RequestToSign,
} from "../sdk/signing.js";

export interface PlatformDeps {
  db: Kysely<Database>;
  clock: Clock;
  /** The desk's secret key (CERTDESK_SECRET_KEY): credential secrets are sealed under it. */
  secretKey: string;
}

export interface Credential {
  keyId: string;
  secret: string;
}

export interface PlatformView {
  id: string;
  programmeId: string;
  name: string;
  webhookUrl: string | null;
  createdAt: string;
  disabledAt: string | null;
  credentials: {
    keyId: string;
    createdAt: string;
    expiresAt: string | null;
    revokedAt: string | null;
    usable: boolean;
  }[];
}

/** How long a rotated-out credential keeps working unless told otherwise. */
export const DEFAULT_ROTATION_GRACE_HOURS = 24;

// ---- sealing the secrets ----------------------------------------------------------------------

function sealingKey(secretKey: string): Buffer {
  return Buffer.from(hkdfSync("sha256", secretKey, "certdesk", "platform credential secrets", 32));
}

function sealSecret(secretKey: string, keyId: string, secret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", sealingKey(secretKey), iv);
  cipher.setAAD(Buffer.from(keyId));
  const ct = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
  return ["v1", iv, cipher.getAuthTag(), ct]
    .map((p) => (typeof p === "string" ? p : p.toString("base64url")))
    .join(".");
}

function openSecret(secretKey: string, keyId: string, sealed: string): string {
  const [version, iv, tag, ct] = sealed.split(".");
  if (version !== "v1" || !iv || !tag || !ct) throw new Error(`credential ${keyId}: unknown sealing`);
  const decipher = createDecipheriv("aes-256-gcm", sealingKey(secretKey), Buffer.from(iv, "base64url"));
  decipher.setAAD(Buffer.from(keyId));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(ct, "base64url")), decipher.final()]).toString("utf8");
}

function newCredential(): Credential {
  return {
    keyId: `cdk_${randomBytes(9).toString("base64url")}`,
    secret: `cds_${randomBytes(32).toString("base64url")}`,
  };
}

async function insertCredential(
  tx: Transaction<Database>,
  deps: PlatformDeps,
  clientId: string,
  now: Date,
): Promise<Credential> {
  const credential = newCredential();
  await tx
    .insertInto("platform_credentials")
    .values({
      key_id: credential.keyId,
      client_id: clientId,
      secret_sealed: sealSecret(deps.secretKey, credential.keyId, credential.secret),
      created_at: now,
      expires_at: null,
      revoked_at: null,
    })
    .execute();
  return credential;
}

// ---- administration ---------------------------------------------------------------------------

export async function registerPlatform(
  deps: PlatformDeps,
  actor: Actor,
  input: { id: string; programmeId: string; name: string; webhookUrl?: string | null | undefined },
): Promise<{ platform: PlatformView; credential: Credential }> {
  requireRole(actor, "admin");
  if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(input.id))
    throw new DomainError("platform.id_invalid", { id: input.id });
  const webhookUrl = checkWebhookUrl(input.webhookUrl);
  const now = deps.clock.now();
  const credential = await deps.db.transaction().execute(async (tx) => {
    await getProgramme(tx, input.programmeId);
    const inserted = await tx
      .insertInto("platform_clients")
      .values({
        id: input.id,
        programme_id: input.programmeId,
        name: input.name.trim(),
        webhook_url: webhookUrl,
        created_at: now,
        disabled_at: null,
      })
      .onConflict((oc) => oc.column("id").doNothing())
      .returning("id")
      .executeTakeFirst();
    if (!inserted) throw new DomainError("platform.exists", { id: input.id });
    const c = await insertCredential(tx, deps, input.id, now);
    await appendAudit(
      tx,
      {
        actor: actorLabel(actor),
        action: "platform.register",
        subjectType: "platform",
        subjectId: input.id,
        data: { programme: input.programmeId, name: input.name, webhookUrl, keyId: c.keyId },
      },
      now,
    );
    return c;
  });
  return { platform: await getPlatform(deps.db, input.id, now), credential };
}

export async function updatePlatform(
  deps: PlatformDeps,
  actor: Actor,
  id: string,
  input: {
    name?: string | undefined;
    webhookUrl?: string | null | undefined;
    disabled?: boolean | undefined;
  },
): Promise<PlatformView> {
  requireRole(actor, "admin");
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (tx) => {
    const row = await lockPlatform(tx, id);
    const set: { name?: string; webhook_url?: string | null; disabled_at?: Date | null } = {};
    if (input.name !== undefined) set.name = input.name.trim();
    if (input.webhookUrl !== undefined) set.webhook_url = checkWebhookUrl(input.webhookUrl);
    if (input.disabled !== undefined) set.disabled_at = input.disabled ? (row.disabled_at ?? now) : null;
    if (Object.keys(set).length === 0) return;
    await tx.updateTable("platform_clients").set(set).where("id", "=", id).execute();
    await appendAudit(
      tx,
      {
        actor: actorLabel(actor),
        action: "platform.update",
        subjectType: "platform",
        subjectId: id,
        data: set,
      },
      now,
    );
  });
  return getPlatform(deps.db, id, now);
}

/**
 * A new credential; every older one still usable now expires after the grace period (0: at once).
 */
export async function rotateCredential(
  deps: PlatformDeps,
  actor: Actor,
  id: string,
  graceHours = DEFAULT_ROTATION_GRACE_HOURS,
): Promise<{ platform: PlatformView; credential: Credential }> {
  requireRole(actor, "admin");
  const now = deps.clock.now();
  const until = new Date(now.getTime() + graceHours * 3_600_000);
  const credential = await deps.db.transaction().execute(async (tx) => {
    await lockPlatform(tx, id);
    await tx
      .updateTable("platform_credentials")
      .set({ expires_at: until })
      .where("client_id", "=", id)
      .where("revoked_at", "is", null)
      .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", until)]))
      .execute();
    const c = await insertCredential(tx, deps, id, now);
    await appendAudit(
      tx,
      {
        actor: actorLabel(actor),
        action: "platform.credential_rotate",
        subjectType: "platform",
        subjectId: id,
        data: { keyId: c.keyId, othersExpireAt: until.toISOString() },
      },
      now,
    );
    return c;
  });
  return { platform: await getPlatform(deps.db, id, now), credential };
}

export async function revokeCredential(
  deps: PlatformDeps,
  actor: Actor,
  id: string,
  keyId: string,
): Promise<PlatformView> {
  requireRole(actor, "admin");
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (tx) => {
    await lockPlatform(tx, id);
    const done = await tx
      .updateTable("platform_credentials")
      .set({ revoked_at: now })
      .where("client_id", "=", id)
      .where("key_id", "=", keyId)
      .where("revoked_at", "is", null)
      .returning("key_id")
      .executeTakeFirst();
    if (!done) throw new DomainError("platform.credential_not_found", { keyId });
    await appendAudit(
      tx,
      {
        actor: actorLabel(actor),
        action: "platform.credential_revoke",
        subjectType: "platform",
        subjectId: id,
        data: { keyId },
      },
      now,
    );
  });
  return getPlatform(deps.db, id, now);
}

export async function listPlatforms(db: Kysely<Database>, now: Date): Promise<PlatformView[]> {
  const rows = await db.selectFrom("platform_clients").select("id").orderBy("id").execute();
  return Promise.all(rows.map((r) => getPlatform(db, r.id, now)));
}

export async function getPlatform(db: Kysely<Database>, id: string, now: Date): Promise<PlatformView> {
  const row = await db.selectFrom("platform_clients").selectAll().where("id", "=", id).executeTakeFirst();
  if (!row) throw new DomainError("platform.not_found", { id });
  const credentials = await db
    .selectFrom("platform_credentials")
    .select(["key_id", "created_at", "expires_at", "revoked_at"])
    .where("client_id", "=", id)
    .orderBy("created_at", "desc")
    .execute();
  return {
    id: row.id,
    programmeId: row.programme_id,
    name: row.name,
    webhookUrl: row.webhook_url,
    createdAt: row.created_at.toISOString(),
    disabledAt: row.disabled_at?.toISOString() ?? null,
    credentials: credentials.map((c) => ({
      keyId: c.key_id,
      createdAt: c.created_at.toISOString(),
      expiresAt: c.expires_at?.toISOString() ?? null,
      revokedAt: c.revoked_at?.toISOString() ?? null,
      usable: !c.revoked_at && (!c.expires_at || c.expires_at > now),
    })),
  };
}

async function lockPlatform(tx: Transaction<Database>, id: string): Promise<PlatformClientRow> {
  const row = await tx
    .selectFrom("platform_clients")
    .selectAll()
    .where("id", "=", id)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw new DomainError("platform.not_found", { id });
  return row;
}

/** http(s) only; plain http is for a receiver on this machine or in development. */
function checkWebhookUrl(url: string | null | undefined): string | null {
  if (url === undefined || url === null || url.trim() === "") return null;
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw new DomainError("platform.webhook_url_invalid", { url });
  }
  if (!["http:", "https:"].includes(parsed.protocol) || parsed.username || parsed.password)
    throw new DomainError("platform.webhook_url_invalid", { url });
  return parsed.toString();
}

// ---- using the credentials --------------------------------------------------------------------

/**
 * Who signed this request: the platform, when the credential is usable, the signature right, the
 * timestamp recent and the nonce new. Unknown key and wrong signature give the same answer.
 */
export async function authenticatePlatform(
  deps: PlatformDeps,
  request: RequestToSign & { authorization: string | undefined },
): Promise<PlatformClientRow> {
  const auth = parseAuthorization(request.authorization);
  if (!auth) throw new DomainError("platform.auth_missing");
  const now = deps.clock.now();
  const row = await deps.db
    .selectFrom("platform_credentials")
    .innerJoin("platform_clients", "platform_clients.id", "platform_credentials.client_id")
    .selectAll("platform_clients")
    .select(["platform_credentials.secret_sealed", "platform_credentials.expires_at as key_expires_at"])
    .select("platform_credentials.revoked_at as key_revoked_at")
    .where("platform_credentials.key_id", "=", auth.keyId)
    .executeTakeFirst();
  if (!row || row.key_revoked_at || (row.key_expires_at && row.key_expires_at <= now))
    throw new DomainError("platform.auth_invalid");
  const expected = requestSignature(
    openSecret(deps.secretKey, auth.keyId, row.secret_sealed),
    request,
    auth.timestamp,
    auth.nonce,
  );
  if (!safeEqual(expected, auth.signature)) throw new DomainError("platform.auth_invalid");
  if (Math.abs(now.getTime() / 1000 - auth.timestamp) > CLOCK_SKEW_SECONDS)
    throw new DomainError("platform.auth_stale", { seconds: CLOCK_SKEW_SECONDS });
  if (row.disabled_at) throw new DomainError("platform.disabled", { id: row.id });
  const fresh = await deps.db
    .insertInto("platform_nonces")
    .values({
      client_id: row.id,
      nonce: auth.nonce,
      expires_at: new Date((auth.timestamp + 2 * CLOCK_SKEW_SECONDS) * 1000),
    })
    .onConflict((oc) => oc.columns(["client_id", "nonce"]).doNothing())
    .returning("nonce")
    .executeTakeFirst();
  if (!fresh) throw new DomainError("platform.auth_replayed");
  const { secret_sealed: _secret, key_expires_at: _expires, key_revoked_at: _revoked, ...client } = row;
  return client;
}

/** The credential webhooks are signed with: the platform's newest usable one. */
export async function signingCredential(
  deps: PlatformDeps,
  clientId: string,
): Promise<Credential | undefined> {
  const now = deps.clock.now();
  const row = await deps.db
    .selectFrom("platform_credentials")
    .select(["key_id", "secret_sealed"])
    .where("client_id", "=", clientId)
    .where("revoked_at", "is", null)
    .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", now)]))
    .orderBy("created_at", "desc")
    .limit(1)
    .executeTakeFirst();
  return row
    ? { keyId: row.key_id, secret: openSecret(deps.secretKey, row.key_id, row.secret_sealed) }
    : undefined;
}

/** Nonces and challenges past use; a sweep the scheduled jobs run. */
export async function sweepPlatformLeftovers(
  deps: Pick<PlatformDeps, "db" | "clock">,
): Promise<{ nonces: number; challenges: number }> {
  const now = deps.clock.now();
  const nonces = await deps.db.deleteFrom("platform_nonces").where("expires_at", "<", now).executeTakeFirst();
  const dayAgo = new Date(now.getTime() - 86_400_000);
  const challenges = await deps.db
    .deleteFrom("platform_challenges")
    .where("expires_at", "<", dayAgo)
    .executeTakeFirst();
  return { nonces: Number(nonces.numDeletedRows), challenges: Number(challenges.numDeletedRows) };
}
