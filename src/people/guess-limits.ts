/**
 * Limits on guessing: passwords, and the codes sent by SMS (activation, unlock). Each attempt is
 * counted in one statement (insert … on conflict … do update … returning) BEFORE the secret is
 * checked, so parallel requests cannot all slip in between a check and a record: of N parallel
 * guesses at most `perAccount` are ever evaluated. One row per key in login_throttle, with a
 * fixed window that starts at the first attempt. An address is never locked (a company's proxy
 * carries many users): past `slowAfter` failures in its window each further login waits a little
 * longer, up to `maxDelayMs`, and the account limits do the blocking.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { sql, type Kysely } from "kysely";
import type { Clock } from "../domain/clock.js";
import { DomainError } from "../domain/errors.js";
import type { Database } from "../store/schema.js";

export const GUESS_LIMITS = {
  /** wrong passwords per login name */
  password: { perAccount: 5, windowMinutes: 15 },
  /** code attempts per user and kind of code, over every code sent (a resend gives no new tries) */
  code: { perAccount: 10, windowMinutes: 60 },
  /** failed logins from one client address before its logins are slowed */
  address: { slowAfter: 20, stepMs: 250, maxDelayMs: 5_000, windowMinutes: 15 },
} as const;

export interface AttemptCount {
  attempts: number;
  windowEndsAt: Date;
}

/** Counts one attempt under key, atomically; a window that has ended starts again at 1. */
export async function countAttempt(
  db: Kysely<Database>,
  key: string,
  now: Date,
  windowMinutes: number,
): Promise<AttemptCount> {
  const windowMs = windowMinutes * 60_000;
  const stale = new Date(now.getTime() - windowMs);
  const ended = sql<boolean>`login_throttle.window_started_at <= ${stale}::timestamptz`;
  const row = await db
    .insertInto("login_throttle")
    .values({ key, failures: 1, window_started_at: now, blocked_until: null })
    .onConflict((oc) =>
      oc.column("key").doUpdateSet({
        failures: sql<number>`case when ${ended} then 1 else login_throttle.failures + 1 end`,
        window_started_at: sql<Date>`case when ${ended} then ${now}::timestamptz else login_throttle.window_started_at end`,
      }),
    )
    .returning(["failures", "window_started_at"])
    .executeTakeFirstOrThrow();
  return { attempts: row.failures, windowEndsAt: new Date(row.window_started_at.getTime() + windowMs) };
}

/**
 * Spends one guess of key's allowance, or throws `errorCode` with the minutes to wait. Called
 * before the secret is checked; the guess stays spent whatever the outcome.
 */
export async function spendGuess(
  db: Kysely<Database>,
  input: { key: string; limit: number; windowMinutes: number; now: Date; errorCode: string },
): Promise<void> {
  const { attempts, windowEndsAt } = await countAttempt(db, input.key, input.now, input.windowMinutes);
  if (attempts > input.limit) {
    const minutes = Math.max(1, Math.ceil((windowEndsAt.getTime() - input.now.getTime()) / 60_000));
    throw new DomainError(input.errorCode, { minutes });
  }
}

/** A right password or code: the account's count starts again. */
export async function forgetGuesses(db: Kysely<Database>, key: string): Promise<void> {
  await db.deleteFrom("login_throttle").where("key", "=", key).execute();
}

const addressKey = (address: string) => `address:${address}`;

/** How long a login from this address waits before it is evaluated: 0 until it has many failures. */
export async function addressDelayMs(db: Kysely<Database>, address: string, now: Date): Promise<number> {
  const { slowAfter, stepMs, maxDelayMs, windowMinutes } = GUESS_LIMITS.address;
  const row = await db
    .selectFrom("login_throttle")
    .select(["failures", "window_started_at"])
    .where("key", "=", addressKey(address))
    .executeTakeFirst();
  if (!row || row.window_started_at.getTime() + windowMinutes * 60_000 <= now.getTime()) return 0;
  return Math.min(maxDelayMs, Math.max(0, row.failures - slowAfter) * stepMs);
}

/** Slows a login from an address with many failures (a wait, never a refusal). */
export async function slowDownAddress(db: Kysely<Database>, address: string, now: Date): Promise<void> {
  const ms = await addressDelayMs(db, address, now);
  if (ms > 0) await sleep(ms);
}

/** A failed login from this address (only evaluated failures count: refused ones cost nothing). */
export async function recordAddressFailure(db: Kysely<Database>, address: string, now: Date): Promise<void> {
  await countAttempt(db, addressKey(address), now, GUESS_LIMITS.address.windowMinutes);
}

/**
 * Removes counts whose window has ended (they would start again at 1 anyway), so that login
 * names guessed once leave no row for good. A scheduled job (src/jobs/desk-jobs.ts).
 */
export async function forgetStaleGuesses(deps: {
  db: Kysely<Database>;
  clock: Clock;
}): Promise<{ removed: number }> {
  const now = deps.clock.now().getTime();
  const endedBefore = (minutes: number) => new Date(now - minutes * 60_000);
  const result = await deps.db
    .deleteFrom("login_throttle")
    .where((eb) =>
      eb.or([
        eb.and([
          eb("key", "like", "code:%"),
          eb("window_started_at", "<=", endedBefore(GUESS_LIMITS.code.windowMinutes)),
        ]),
        eb.and([
          eb("key", "not like", "code:%"),
          eb(
            "window_started_at",
            "<=",
            endedBefore(Math.max(GUESS_LIMITS.password.windowMinutes, GUESS_LIMITS.address.windowMinutes)),
          ),
        ]),
      ]),
    )
    .executeTakeFirst();
  return { removed: Number(result.numDeletedRows) };
}
