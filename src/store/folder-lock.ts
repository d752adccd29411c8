/**
 * An exclusive lock on the embedded database folder. Two processes on one PGlite folder corrupt it,
 * so the second must get a clear error. On Linux the lock is a listening socket in the abstract
 * namespace: the kernel owns it, so a process killed with -9 releases it at once and no stale file
 * can lock the folder forever. Elsewhere a pid file created with O_EXCL stands in.
 */
import { createHash } from "node:crypto";
import { closeSync, mkdirSync, openSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { DomainError } from "../domain/errors.js";

export interface FolderLock {
  release(): Promise<void>;
}

export async function lockFolder(folder: string): Promise<FolderLock> {
  mkdirSync(folder, { recursive: true });
  const real = realpathSync(folder);
  const pidFile = join(real, "certdesk.pid");
  if (process.platform === "linux") {
    const name = "\0certdesk-" + createHash("sha256").update(real).digest("hex").slice(0, 32);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", (err: NodeJS.ErrnoException) => {
        if (err.code === "EADDRINUSE") reject(folderInUse(real, pidFile));
        else reject(err);
      });
      server.listen(name, () => resolve());
    });
    server.unref();
    writeFileSync(pidFile, String(process.pid));
    return { release: () => closeServer(server) };
  }
  try {
    closeSync(openSync(pidFile, "wx"));
  } catch {
    const holder = Number(readFileSync(pidFile, "utf8"));
    if (holder && isAlive(holder)) throw folderInUse(real, pidFile);
    rmSync(pidFile, { force: true });
    closeSync(openSync(pidFile, "wx"));
  }
  writeFileSync(pidFile, String(process.pid));
  return { release: async () => rmSync(pidFile, { force: true }) };
}

function folderInUse(folder: string, pidFile: string): DomainError {
  let pid = "?";
  try {
    pid = readFileSync(pidFile, "utf8").trim() || "?";
  } catch {
    // The holder may not have written its pid yet.
  }
  return new DomainError("store.folder_locked", { folder, pid });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
