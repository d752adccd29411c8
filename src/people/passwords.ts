/**
 * Password hashing with scrypt (memory-hard, in node:crypto): slow on purpose, salted,
 * self-describing. It runs off the event loop on the password pool's threads (password-pool.ts),
 * one hash per core but one at a time: a burst of logins queues there instead of taking every core
 * (and libuv's threads, which file reads and SM2 signatures need) from the requests the event loop
 * is serving. Where the pool cannot run, the same key is derived on libuv's threadpool, as many at
 * once.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from "node:crypto";
import { availableParallelism } from "node:os";
import { passwordPool } from "./password-pool.js";

const HASHES_AT_ONCE = Math.max(1, availableParallelism() - 1);
let running = 0;
const waiting: (() => void)[] = [];

/** The pool's fallback (and the reference its test compares with): scrypt on libuv's threadpool. */
export async function scryptInThread(
  password: string,
  salt: Buffer,
  keylen: number,
  opts: ScryptOptions,
): Promise<Buffer> {
  if (running >= HASHES_AT_ONCE) await new Promise<void>((resolve) => waiting.push(resolve));
  else running++;
  try {
    return await new Promise<Buffer>((resolve, reject) =>
      scryptCb(password, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key))),
    );
  } finally {
    // The slot passes straight to the next in line, or is given back.
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

let pooled = true;

/** Derives on libuv's threadpool instead of the pool (its tests, a comparison in the portal bench). */
export function setPasswordPool(on: boolean): void {
  pooled = on;
}

function scrypt(password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  const inThread = () => scryptInThread(password, salt, keylen, opts);
  if (!pooled) return inThread();
  return passwordPool().scrypt({ password, salt, keylen, params: opts }, inThread);
}

const PARAMS = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password.normalize("NFC"), salt, 32, PARAMS);
  return `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${salt.toString("base64")}$${key.toString("base64")}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split("$");
  if (scheme !== "scrypt" || !n || !r || !p || !salt || !key) return false;
  const expected = Buffer.from(key, "base64");
  const actual = await scrypt(password.normalize("NFC"), Buffer.from(salt, "base64"), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: PARAMS.maxmem,
  });
  return timingSafeEqual(actual, expected);
}

/** A hash that never matches, verified against when the login is unknown so timing tells nothing. */
export const DUMMY_HASH = `scrypt$${PARAMS.N}$8$1$${Buffer.alloc(16).toString("base64")}$${Buffer.alloc(32).toString("base64")}`;
