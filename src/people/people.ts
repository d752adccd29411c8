/**
 * People and access: organisations with their handlers (who sign up in the portal), staff with
 * roles, password login with throttling, and sessions.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import type { Clock } from "../domain/clock.js";
import { DomainError } from "../domain/errors.js";
import { validateMobile, validateResidentId, validateUscc } from "../domain/validators.js";
import { shanghaiDate, type CalendarDate } from "../domain/dates.js";
import { appendAudit } from "../store/audit.js";
import type { Database } from "../store/schema.js";
import { actorLabel, STAFF_ROLES, type Actor, type StaffRole } from "./actor.js";
import {
  forgetGuesses,
  GUESS_LIMITS,
  recordAddressFailure,
  slowDownAddress,
  spendGuess,
} from "./guess-limits.js";
import { DUMMY_HASH, hashPassword, verifyPassword } from "./passwords.js";
import { readCacheOf } from "../store/read-cache.js";

export interface PeopleDeps {
  db: Kysely<Database>;
  clock: Clock;
  sessionHours: number;
}

export interface SignUpInput extends HandlerInput {
  organisationName: string;
  uscc: string;
  address?: string | undefined;
}

const MIN_PASSWORD = 8;

function ensure<T extends { valid: boolean }>(
  result: T,
  field: string,
): asserts result is T & { valid: true } {
  if (!result.valid) {
    const failure = result as unknown as { reason: string; params?: Record<string, string | number> };
    throw new DomainError(failure.reason, { field, ...(failure.params ?? {}) });
  }
}

/** The rule every new password meets (sign-up, a new handler, staff, a reset). */
export function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD || !/[A-Za-z]/.test(password) || !/\d/.test(password)) {
    throw new DomainError("auth.password_weak", { min: MIN_PASSWORD });
  }
}

/** An organisation signs up with its handler, who becomes the portal login (by mobile number). */
export async function signUp(
  deps: PeopleDeps,
  input: SignUpInput,
): Promise<{ userId: string; organisationId: string }> {
  const uscc = validateUscc(input.uscc);
  ensure(uscc, "uscc");
  const organisationName = input.organisationName.trim();
  if (!organisationName) throw new DomainError("auth.organisation_name_required");
  const handler = checkHandler(input, shanghaiDate(deps.clock.now()));
  const passwordHash = await hashPassword(input.password);
  const now = deps.clock.now();

  return deps.db.transaction().execute(async (tx) => {
    const existingOrg = await tx
      .selectFrom("organisations")
      .select("id")
      .where("uscc", "=", uscc.value)
      .executeTakeFirst();
    if (existingOrg) throw new DomainError("auth.organisation_exists", { uscc: uscc.value });
    const organisationId = randomUUID();
    await tx
      .insertInto("organisations")
      .values({
        id: organisationId,
        name: organisationName,
        uscc: uscc.value,
        uscc_override_reason: null,
        address: input.address ?? null,
        created_at: now,
      })
      .execute();
    const userId = await insertHandler(tx, organisationId, handler, passwordHash, now);
    await appendAudit(
      tx,
      {
        actor: `applicant:${userId}`,
        action: "organisation.sign_up",
        subjectType: "organisation",
        subjectId: organisationId,
        data: { uscc: uscc.value, name: organisationName },
      },
      now,
    );
    return { userId, organisationId };
  });
}

export interface HandlerInput {
  handlerName: string;
  idNumber: string;
  mobile: string;
  password: string;
}

/** A handler's name, ID number and mobile, checked and normalised; the password's strength too. */
function checkHandler(input: HandlerInput, today: CalendarDate) {
  const id = validateResidentId(input.idNumber, today);
  ensure(id, "idNumber");
  const mobile = validateMobile(input.mobile);
  ensure(mobile, "mobile");
  const name = input.handlerName.trim();
  if (!name) throw new DomainError("auth.handler_name_required");
  checkPassword(input.password);
  return { name, idNumber: id.value, mobile: mobile.value };
}

/** A handler logs in with the mobile number, which must be free. */
async function insertHandler(
  tx: Transaction<Database>,
  organisationId: string,
  handler: ReturnType<typeof checkHandler>,
  passwordHash: string,
  now: Date,
): Promise<string> {
  const taken = await tx
    .selectFrom("users")
    .select("id")
    .where("login", "=", handler.mobile)
    .executeTakeFirst();
  if (taken) throw new DomainError("auth.mobile_taken", { mobile: handler.mobile });
  const userId = randomUUID();
  await tx
    .insertInto("users")
    .values({
      id: userId,
      kind: "applicant",
      login: handler.mobile,
      password_hash: passwordHash,
      name: handler.name,
      mobile: handler.mobile,
      id_number: handler.idNumber,
      organisation_id: organisationId,
      created_at: now,
    })
    .execute();
  return userId;
}

/**
 * Staff register an organisation whose credit code fails its check digit (some real early codes
 * do), recording why; any other defect is still refused.
 */
export async function registerOrganisationWithOverride(
  deps: Pick<PeopleDeps, "db" | "clock">,
  actor: Actor,
  input: { name: string; uscc: string; reason: string; address?: string },
): Promise<{ organisationId: string }> {
  requireRole(actor, "reviewer", "admin");
  const check = validateUscc(input.uscc);
  if (!check.valid && check.reason !== "validation.uscc.check_digit") ensure(check, "uscc");
  if (!input.reason.trim()) throw new DomainError("auth.override_reason_required");
  const uscc = input.uscc.trim().toUpperCase();
  const now = deps.clock.now();
  return deps.db.transaction().execute(async (tx) => {
    const organisationId = randomUUID();
    await tx
      .insertInto("organisations")
      .values({
        id: organisationId,
        name: input.name.trim(),
        uscc,
        uscc_override_reason: check.valid ? null : input.reason.trim(),
        address: input.address ?? null,
        created_at: now,
      })
      .execute();
    await appendAudit(
      tx,
      {
        actor: actorLabel(actor),
        action: "organisation.register",
        subjectType: "organisation",
        subjectId: organisationId,
        reason: check.valid ? null : input.reason.trim(),
        data: { uscc, checkDigitOverridden: !check.valid },
      },
      now,
    );
    return { organisationId };
  });
}

/**
 * Another person of the organisation becomes a handler (added by a handler, or by staff for an
 * organisation registered at the desk). Unlocks by someone who is not the latest handler go to review.
 */
export async function addHandler(
  deps: Pick<PeopleDeps, "db" | "clock">,
  actor: Actor,
  organisationId: string,
  input: HandlerInput,
): Promise<{ userId: string }> {
  if (actor.kind === "applicant" && actor.organisationId !== organisationId)
    throw new DomainError("auth.forbidden");
  if (actor.kind === "staff") requireRole(actor, "reviewer", "admin");
  const handler = checkHandler(input, shanghaiDate(deps.clock.now()));
  const passwordHash = await hashPassword(input.password);
  const now = deps.clock.now();
  return deps.db.transaction().execute(async (tx) => {
    const userId = await insertHandler(tx, organisationId, handler, passwordHash, now);
    await appendAudit(
      tx,
      {
        actor: actorLabel(actor),
        action: "user.create",
        subjectType: "user",
        subjectId: userId,
        data: { organisationId },
      },
      now,
    );
    return { userId };
  });
}

export async function createStaff(
  deps: Pick<PeopleDeps, "db" | "clock">,
  input: { login: string; name: string; password: string; roles: StaffRole[] },
): Promise<{ userId: string }> {
  if (!/^[a-z][a-z0-9._-]{2,31}$/.test(input.login)) throw new DomainError("auth.staff_login_format");
  checkPassword(input.password);
  for (const r of input.roles)
    if (!STAFF_ROLES.includes(r)) throw new DomainError("auth.unknown_role", { role: r });
  const userId = randomUUID();
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (tx) => {
    await tx
      .insertInto("users")
      .values({
        id: userId,
        kind: "staff",
        login: input.login,
        password_hash: await hashPassword(input.password),
        name: input.name,
        mobile: null,
        id_number: null,
        organisation_id: null,
        roles: input.roles,
        created_at: now,
      })
      .execute();
    await appendAudit(
      tx,
      {
        actor: "system:setup",
        action: "user.create",
        subjectType: "user",
        subjectId: userId,
        data: { roles: input.roles },
      },
      now,
    );
  });
  return { userId };
}

// ---- login, throttling, sessions --------------------------------------------------------------

export interface Session {
  token: string;
  expiresAt: Date;
  actor: Actor;
}

/**
 * Password login. Wrong login and wrong password answer the same. The attempt is counted against
 * the login name before the password is checked (src/people/guess-limits.ts), so parallel
 * guesses get no more tries; an address with many failures is slowed, never locked.
 */
export async function login(
  deps: PeopleDeps,
  input: { login: string; password: string; address: string },
): Promise<Session> {
  const now = deps.clock.now();
  const loginName = input.login.trim();
  const accountKey = `login:${loginName.toLowerCase()}`;
  const { perAccount, windowMinutes } = GUESS_LIMITS.password;
  await spendGuess(deps.db, {
    key: accountKey,
    limit: perAccount,
    windowMinutes,
    now,
    errorCode: "auth.throttled",
  });
  await slowDownAddress(deps.db, input.address, now);
  const user = await deps.db
    .selectFrom("users")
    .selectAll()
    .where("login", "=", loginName)
    .executeTakeFirst();
  const ok = await verifyPassword(input.password, user?.password_hash ?? DUMMY_HASH);
  if (!user || !ok || user.disabled) {
    await recordAddressFailure(deps.db, input.address, now);
    throw new DomainError("auth.bad_credentials");
  }
  await forgetGuesses(deps.db, accountKey);
  const token = randomBytes(32).toString("base64url");
  const expiresAt = new Date(now.getTime() + deps.sessionHours * 3_600_000);
  await deps.db
    .insertInto("sessions")
    .values({ token_hash: tokenHash(token), user_id: user.id, created_at: now, expires_at: expiresAt })
    .execute();
  return { token, expiresAt, actor: actorOf(user) };
}

/**
 * A session for a user who proved who they are another way than a password: a USB key's login
 * signature over a desk challenge (keys/keys.ts checks it).
 */
export async function startSession(deps: PeopleDeps, userId: string): Promise<Session> {
  const user = await deps.db.selectFrom("users").selectAll().where("id", "=", userId).executeTakeFirst();
  if (!user || user.disabled) throw new DomainError("auth.bad_credentials");
  const now = deps.clock.now();
  const token = randomBytes(32).toString("base64url");
  const expiresAt = new Date(now.getTime() + deps.sessionHours * 3_600_000);
  await deps.db
    .insertInto("sessions")
    .values({ token_hash: tokenHash(token), user_id: user.id, created_at: now, expires_at: expiresAt })
    .execute();
  return { token, expiresAt, actor: actorOf(user) };
}

export async function resolveSession(
  deps: Pick<PeopleDeps, "db" | "clock">,
  token: string,
): Promise<Actor | undefined> {
  const hash = tokenHash(token);
  const load = async () => {
    const row = await deps.db
      .selectFrom("sessions")
      .innerJoin("users", "users.id", "sessions.user_id")
      .selectAll("users")
      .select("sessions.expires_at")
      .where("sessions.token_hash", "=", hash)
      .executeTakeFirst();
    return row && { expiresAt: row.expires_at, disabled: row.disabled, actor: actorOf(row) };
  };
  // Kept in memory until a session or user changes anywhere (store/read-cache.ts): a logout is
  // seen by the next request, also in another process on the same database.
  const cache = readCacheOf(deps.db);
  const session = cache ? await cache.get("session", hash, load) : await load();
  if (!session || session.expiresAt <= deps.clock.now() || session.disabled) return undefined;
  return session.actor;
}

export async function logout(deps: Pick<PeopleDeps, "db">, token: string): Promise<void> {
  await deps.db.deleteFrom("sessions").where("token_hash", "=", tokenHash(token)).execute();
}

function tokenHash(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

function actorOf(user: {
  id: string;
  kind: string;
  name: string;
  organisation_id: string | null;
  roles: string[];
}): Actor {
  return user.kind === "staff"
    ? { kind: "staff", userId: user.id, roles: user.roles as StaffRole[], name: user.name }
    : { kind: "applicant", userId: user.id, organisationId: user.organisation_id!, name: user.name };
}

/** Staff with any of the roles (admin may do everything). */
export function requireRole(
  actor: Actor,
  ...roles: StaffRole[]
): asserts actor is Exclude<Actor, { kind: "applicant" }> {
  if (actor.kind === "system") return;
  if (actor.kind !== "staff") throw new DomainError("auth.forbidden");
  if (!actor.roles.includes("admin") && !roles.some((r) => actor.roles.includes(r))) {
    throw new DomainError("auth.forbidden");
  }
}
