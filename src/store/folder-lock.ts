/**
 * An exclusive lock on the embedded database folder. Two processes on one PGlite folder corrupt it,
 * so the second must get a clear error. The lock is a listening unix socket, owned by the kernel,
 * so a process killed with -9 releases it at once and no stale file can lock the folder forever:
 *
 *   - a socket in the abstract namespace, named after the folder: exclusive without any race among
 *     processes in one network namespace;
 *   - a socket file inside the folder: seen by processes in other network namespaces too (two
 *     containers on one volume). Binding it fails while a live holder listens; a file left by a
 *     dead holder refuses connections and is replaced.
 *
 * Elsewhere than Linux a pid file created with O_EXCL stands in.
 */
import { createHash } from "node:crypto";
import { closeSync, mkdirSync, openSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer, type Server } from "node:net";
import { join, relative } from "node:path";
import { DomainError } from "../domain/errors.js";

export interface FolderLock {
  release(): Promise<void>;
}

export async function lockFolder(folder: string): Promise<FolderLock> {
  mkdirSync(folder, { recursive: true });
  const real = realpathSync(folder);
  const pidFile = join(real, "certdesk.pid");
  if (process.platform !== "linux") return pidFileLock(real, pidFile);

  const abstract = await listenOrNull(
    "\0certdesk-" + createHash("sha256").update(real).digest("hex").slice(0, 32),
  );
  if (!abstract) throw folderInUse(real, pidFile);
  const socketFile = join(real, "certdesk.lock");
  const file = await listenOnFile(socketFile);
  if (!file) {
    await closeServer(abstract);
    throw folderInUse(real, pidFile);
  }
  writeFileSync(pidFile, String(process.pid));
  return {
    release: async () => {
      await closeServer(file);
      await closeServer(abstract);
    },
  };
}

/** Listens on the socket file; a file left by a dead holder (nobody answers) is replaced once. */
async function listenOnFile(path: string): Promise<Server | null> {
  // Socket paths are limited to 107 bytes; a relative path from here is often shorter.
  const rel = relative(process.cwd(), path);
  const name = rel.length < path.length ? rel : path;
  const first = await listenOrNull(name);
  if (first) return first;
  if (await answers(name)) return null;
  rmSync(path, { force: true });
  return listenOrNull(name);
}

function listenOrNull(name: string): Promise<Server | null> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EADDRINUSE") resolve(null);
      else reject(err);
    });
    server.listen(name, () => {
      server.unref();
      resolve(server);
    });
  });
}

function answers(name: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(name);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

function pidFileLock(folder: string, pidFile: string): FolderLock {
  try {
    closeSync(openSync(pidFile, "wx"));
  } catch {
    const holder = Number(readFileSync(pidFile, "utf8"));
    if (holder && isAlive(holder)) throw folderInUse(folder, pidFile);
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
