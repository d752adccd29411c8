/**
 * A forgotten password, reset by a code sent by SMS to the handler's mobile. Only an
 * organisation's handlers reset this way: staff have no mobile on file, and an administrator
 * resets theirs.
 *
 * Asking never tells whether an account exists: every request gets the same answer, and a code is
 * made and hashed even when nobody will receive it. The code is a scrypt hash at rest, lives ten
 * minutes, works once (the reset deletes it), and a new request replaces it. SMS are paced: one a
 * minute and a few an hour per account. Guesses are counted like passwords (guess-limits.ts): in
 * one statement before the code is compared, per login name whether or not it exists, so parallel
 * guesses get no more tries. A reset ends every session of the account and signs it in anew.
 */
import { randomInt, randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { Clock } from "../domain/clock.js";
import { DomainError } from "../domain/errors.js";
import { validateMobile } from "../domain/validators.js";
import { enqueue, userRecipient } from "../notify/outbox.js";
import { appendAudit } from "../store/audit.js";
import type { Database } from "../store/schema.js";
import { countAttempt, forgetGuesses, GUESS_LIMITS, spendGuess } from "./guess-limits.js";
import { DUMMY_HASH, hashPassword, verifyPassword } from "./passwords.js";
import { checkPassword, startSession, type Session } from "./people.js";

export const RESET_CODE = {
  digits: 6,
  minutes: 10,
  /** a new code is sent at most once a minute… */
  resendSeconds: 60,
  /** …and this many times an hour (the window of GUESS_LIMITS.code, which the sweep uses) */
  sendsPerWindow: 5,
} as const;

export interface PasswordResetDeps {
  db: Kysely<Database>;
  clock: Clock;
  sessionHours: number;
}

/** What every request is told, whoever it names. */
export interface ResetRequestAnswer {
  resendAfterSeconds: number;
  expiresInMinutes: number;
}

/** The login as the users table holds it: a mobile number as its 11 digits, else as typed. */
function loginOf(input: string): string {
  const mobile = validateMobile(input);
  return mobile.valid ? mobile.value : input.trim();
}

const guessKey = (login: string) => `code:password-reset:${login.toLowerCase()}`;
const sendKey = (userId: string) => `code:password-reset-sms:${userId}`;

/** Thrown inside the request's transaction to undo it: the hour's SMS are spent. */
class SendsSpent extends Error {}

export async function requestPasswordReset(
  deps: Pick<PasswordResetDeps, "db" | "clock">,
  input: { login: string; address: string },
): Promise<ResetRequestAnswer> {
  const answer = { resendAfterSeconds: RESET_CODE.resendSeconds, expiresInMinutes: RESET_CODE.minutes };
  const now = deps.clock.now();
  const login = loginOf(input.login);
  // Made and hashed for every request, so that the time taken does not tell either.
  const code = Array.from({ length: RESET_CODE.digits }, () => String(randomInt(10))).join("");
  const codeHash = await hashPassword(code);
  const user = await deps.db
    .selectFrom("users")
    .select(["id", "kind", "mobile", "disabled"])
    .where("login", "=", login)
    .executeTakeFirst();
  if (!user || user.kind !== "applicant" || user.disabled || !user.mobile) return answer;

  const id = randomUUID();
  const expiresAt = new Date(now.getTime() + RESET_CODE.minutes * 60_000);
  const pacedUntil = new Date(now.getTime() - RESET_CODE.resendSeconds * 1000);
  try {
    await deps.db.transaction().execute(async (tx) => {
      // One statement decides whether a code goes out now: parallel requests send one.
      const replaced = await tx
        .insertInto("password_reset_codes")
        .values({ user_id: user.id, id, code_hash: codeHash, sent_at: now, expires_at: expiresAt })
        .onConflict((oc) =>
          oc
            .column("user_id")
            .doUpdateSet((eb) => ({
              id: eb.ref("excluded.id"),
              code_hash: eb.ref("excluded.code_hash"),
              sent_at: eb.ref("excluded.sent_at"),
              expires_at: eb.ref("excluded.expires_at"),
            }))
            .where("password_reset_codes.sent_at", "<=", pacedUntil),
        )
        .returning("id")
        .executeTakeFirst();
      if (!replaced) return; // asked again within the minute: the code already sent stands
      const sends = await countAttempt(tx, sendKey(user.id), now, GUESS_LIMITS.code.windowMinutes);
      if (sends.attempts > RESET_CODE.sendsPerWindow) throw new SendsSpent();
      const to = await userRecipient(tx, user.id);
      if (to)
        await enqueue(
          tx,
          {
            kind: "account",
            template: "password-reset-code",
            params: { code, minutes: RESET_CODE.minutes },
            subject: { type: "user", id: user.id },
            dedupeKey: `password-reset:${id}`,
            to,
            channels: ["sms"],
          },
          now,
        );
      await appendAudit(
        tx,
        {
          actor: "system:password-reset",
          action: "user.password_reset_code",
          subjectType: "user",
          subjectId: user.id,
          data: { codeId: id, expiresAt: expiresAt.toISOString(), address: input.address },
        },
        now,
      );
    });
  } catch (e) {
    if (!(e instanceof SendsSpent)) throw e;
  }
  return answer;
}

/**
 * Sets a new password with the code sent by SMS. A wrong, expired, used or replaced code and an
 * unknown login all answer auth.reset_code_invalid; past the guessing limit, auth.reset_throttled.
 */
export async function resetPassword(
  deps: PasswordResetDeps,
  input: { login: string; code: string; password: string },
): Promise<Session> {
  // A weak password is refused before a guess is spent: it says nothing about the account.
  checkPassword(input.password);
  const now = deps.clock.now();
  const login = loginOf(input.login);
  await spendGuess(deps.db, {
    key: guessKey(login),
    limit: GUESS_LIMITS.code.perAccount,
    windowMinutes: GUESS_LIMITS.code.windowMinutes,
    now,
    errorCode: "auth.reset_throttled",
  });
  const found = await deps.db
    .selectFrom("password_reset_codes")
    .innerJoin("users", "users.id", "password_reset_codes.user_id")
    .select([
      "password_reset_codes.id",
      "password_reset_codes.user_id",
      "password_reset_codes.code_hash",
      "password_reset_codes.expires_at",
    ])
    .where("users.login", "=", login)
    .where("users.kind", "=", "applicant")
    .where("users.disabled", "=", false)
    .executeTakeFirst();
  const live = found && found.expires_at > now ? found : undefined;
  const right = await verifyPassword(input.code.trim(), live?.code_hash ?? DUMMY_HASH);
  if (!live || !right) throw new DomainError("auth.reset_code_invalid");

  const passwordHash = await hashPassword(input.password);
  await deps.db.transaction().execute(async (tx) => {
    // Deleting the code spends it: of two resets with one code, only one finds it here.
    const spent = await tx
      .deleteFrom("password_reset_codes")
      .where("id", "=", live.id)
      .returning("id")
      .executeTakeFirst();
    if (!spent) throw new DomainError("auth.reset_code_invalid");
    await tx
      .updateTable("users")
      .set({ password_hash: passwordHash })
      .where("id", "=", live.user_id)
      .execute();
    const ended = await tx.deleteFrom("sessions").where("user_id", "=", live.user_id).executeTakeFirst();
    await appendAudit(
      tx,
      {
        actor: `applicant:${live.user_id}`,
        action: "user.password_reset",
        subjectType: "user",
        subjectId: live.user_id,
        data: { codeId: live.id, sessionsEnded: Number(ended.numDeletedRows) },
      },
      now,
    );
  });
  // Proven by the code: the counts of wrong codes and wrong passwords start again.
  await forgetGuesses(deps.db, guessKey(login));
  await forgetGuesses(deps.db, `login:${login.toLowerCase()}`);
  return startSession(deps, live.user_id);
}
