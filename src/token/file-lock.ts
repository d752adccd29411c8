/**
 * Atomic writes and a lock file, so that two processes using one software key never interleave.
 */
import { randomBytes as nodeRandomBytes } from "node:crypto";
import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { hostname } from "node:os";
import { basename, dirname, join } from "node:path";
import { DomainError } from "../domain/errors.js";
export const LOCK_WAIT_MS = 10_000;
export const LOCK_STALE_MS = 60_000;

// ---------------------------------------------------------------------------------------------
// Files: atomic writes and a lock between processes

export function writeAtomic(path: string, text: string): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${nodeRandomBytes(4).toString("hex")}`);
  const fd = openSync(temp, "wx", 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temp, path);
  } catch (e) {
    try {
      unlinkSync(temp);
    } catch {
      // gone already
    }
    throw e;
  }
  // The rename itself survives a power loss only once the folder is synced.
  let dir: number | undefined;
  try {
    dir = openSync(dirname(path), "r");
    fsyncSync(dir);
  } catch {
    // some file systems (and Windows) cannot fsync a folder; the rename is still atomic
  } finally {
    if (dir !== undefined) closeSync(dir);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The lock's holder ("pid host") was a process of this host that is no longer there. */
export function lockHolderGone(holder: string): boolean {
  const [pid, host] = holder.trim().split(" ");
  if (!pid || !/^\d+$/.test(pid) || (host !== undefined && host !== hostname())) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/** Serialises read-modify-write between processes (the agent and a CLI command on one key). */
export async function withFileLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const lock = `${path}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const fd = openSync(lock, "wx", 0o600);
      writeSync(fd, `${process.pid} ${hostname()}`);
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      try {
        // A lock left by a killed process goes at once when its pid is gone from this host, else
        // after a minute (nobody holds a key file that long). Read twice: a lock taken afresh
        // in between is left alone.
        const holder = readFileSync(lock, "utf8");
        const stale = lockHolderGone(holder) || Date.now() - statSync(lock).mtimeMs > LOCK_STALE_MS;
        if (stale && readFileSync(lock, "utf8") === holder) unlinkSync(lock);
      } catch {
        // released meanwhile
      }
      if (Date.now() > deadline) throw new DomainError("token.busy", { path });
      await sleep(25);
    }
  }
  try {
    return await fn();
  } finally {
    try {
      unlinkSync(lock);
    } catch {
      // already removed as stale by someone else
    }
  }
}
