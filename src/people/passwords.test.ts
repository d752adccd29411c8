/**
 * Passwords hashed on the password pool's threads: the same keys as scrypt on libuv's pool (the
 * in-thread path and the fallback), the same stored format, so a hash made before the pool still
 * verifies; a pool whose threads stop mid-work still answers, by the fallback.
 */
import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { PasswordPool, passwordPool } from "./password-pool.js";
import { hashPassword, scryptInThread, setPasswordPool, verifyPassword } from "./passwords.js";

const PARAMS = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

/** Made with scryptSync before the pool existed (the format of every stored hash). */
const STORED = "scrypt$32768$8$1$Y2VydGRlc2stZml4dHVyZQ==$GaFB2Nh+H0aS+ZkMJXkWf5/eUgD4zxLaFwRz4hNwtpg=";
const STORED_PASSWORD = "门户密码 correct horse";

afterAll(() => setPasswordPool(true));

describe("password hashing on the password pool", () => {
  it("derives the same key on a pool thread as scrypt on libuv's pool, for several salts and passwords", async () => {
    for (const password of ["", "hunter2", "门户密码", "é".normalize("NFC")]) {
      const salt = randomBytes(16);
      const before = passwordPool().stats.pooled;
      const pooled = await passwordPool().scrypt({ password, salt, keylen: 32, params: PARAMS }, () =>
        Promise.reject(new Error("the fallback ran")),
      );
      expect(passwordPool().stats.pooled).toBe(before + 1);
      expect(pooled.equals(await scryptInThread(password, salt, 32, PARAMS))).toBe(true);
    }
  });

  it("verifies a hash stored before the pool, and refuses a wrong password", async () => {
    expect(await verifyPassword(STORED_PASSWORD, STORED)).toBe(true);
    expect(await verifyPassword("wrong", STORED)).toBe(false);
    setPasswordPool(false);
    try {
      expect(await verifyPassword(STORED_PASSWORD, STORED)).toBe(true);
    } finally {
      setPasswordPool(true);
    }
  });

  it("hashes in the stored format; a pool hash verifies in-thread and an in-thread hash on the pool", async () => {
    const pooledHash = await hashPassword("s3cret-pw");
    expect(pooledHash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/);
    setPasswordPool(false);
    let threadHash: string;
    try {
      expect(await verifyPassword("s3cret-pw", pooledHash)).toBe(true);
      threadHash = await hashPassword("s3cret-pw");
    } finally {
      setPasswordPool(true);
    }
    expect(await verifyPassword("s3cret-pw", threadHash)).toBe(true);
    expect(await verifyPassword("s3cret-pW", threadHash)).toBe(false);
  });

  it("answers every job, by the fallback, when its threads are stopped with work waiting", async () => {
    const pool = new PasswordPool(1);
    const salt = randomBytes(16);
    const expected = await scryptInThread("pw", salt, 32, PARAMS);
    const jobs = Array.from({ length: 3 }, () =>
      pool.scrypt({ password: "pw", salt, keylen: 32, params: PARAMS }, () =>
        scryptInThread("pw", salt, 32, PARAMS),
      ),
    );
    await pool.close();
    for (const key of await Promise.all(jobs)) expect(key.equals(expected)).toBe(true);
    expect(pool.stats.fallback).toBeGreaterThan(0);
  });
});
