/**
 * Real certdesk server processes for crash tests: `node --import tsx src/main.ts` (or, with
 * `compiled`, the built `node dist/main.js`) on a free
 * loopback port, ready once GET /api/health answers. Every child is kept in a fleet so afterAll
 * can kill whatever a failed test left running; every wait is bounded in time.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export type ServerStore = { kind: "embedded"; dataDir: string } | { kind: "postgres"; url: string };

export interface ServerOptions {
  store: ServerStore;
  demo?: boolean;
  /** How long a start may take before it counts as failed. */
  readyWithinMs?: number;
  /** Start the compiled product (`npm run build`'s dist/main.js) instead of the sources. */
  compiled?: boolean;
  /** More settings for the child (CERTDESK_SMTP_URL and the like). */
  env?: Record<string, string>;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServerProcess {
  readonly url: string;
  readonly pid: number;
  readonly exited: Promise<Exit>;
  stdout(): string;
  stderr(): string;
  /** Sends the signal and waits (bounded) for the process to be gone. */
  kill(signal: NodeJS.Signals, withinMs?: number): Promise<Exit>;
  /** SIGTERM (a clean shutdown that releases the store), then SIGKILL if it lingers. */
  stop(withinMs?: number): Promise<Exit>;
}

export interface Fleet {
  /** Spawns a server and waits until it answers /api/health; retries on a port taken meanwhile. */
  start(options: ServerOptions): Promise<ServerProcess>;
  /** Spawns a server that is expected to fail, and waits (bounded) for it to exit. */
  runToExit(options: ServerOptions, withinMs: number): Promise<Exit & { stderr: string; stdout: string }>;
  /** Kills every child still alive; for afterAll. */
  killAll(): Promise<void>;
}

const OUTPUT_CAP = 64 * 1024;
const START_ATTEMPTS = 3;

/** A port nobody listens on right now (the child may still lose a race for it: start() retries). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no TCP port was assigned");
  return address.port;
}

export function serverFleet(): Fleet {
  const alive = new Set<Spawned>();

  const spawnOne = (options: ServerOptions, port: number): Spawned => {
    const spawned = spawnServer(options, port);
    alive.add(spawned);
    void spawned.exited.then(() => alive.delete(spawned));
    return spawned;
  };

  return {
    async start(options) {
      let lastError: Error | undefined;
      for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
        const spawned = spawnOne(options, await freePort());
        try {
          // A server from the TypeScript sources starts in 10–30 s on a busy 2-core machine.
          await waitReady(spawned, options.readyWithinMs ?? 60_000);
          return spawned;
        } catch (e) {
          await spawned.kill("SIGKILL");
          lastError = e instanceof Error ? e : new Error(String(e));
          if (!spawned.stderr().includes("EADDRINUSE")) break;
        }
      }
      throw lastError ?? new Error("the server did not start");
    },

    async runToExit(options, withinMs) {
      const spawned = spawnOne(options, await freePort());
      const exit = await Promise.race([spawned.exited, delay(withinMs).then(() => undefined)]);
      if (!exit) {
        await spawned.kill("SIGKILL");
        throw new Error(
          `the server was expected to exit within ${withinMs} ms but kept running; stderr:\n${spawned.stderr()}`,
        );
      }
      return { ...exit, stderr: spawned.stderr(), stdout: spawned.stdout() };
    },

    async killAll() {
      await Promise.all([...alive].map((s) => s.kill("SIGKILL")));
    },
  };
}

interface Spawned extends ServerProcess {
  readonly child: ChildProcess;
}

function spawnServer(options: ServerOptions, port: number): Spawned {
  const env: NodeJS.ProcessEnv = {};
  // Only what node needs from the parent: never a DATABASE_URL or CERTDESK_* setting of the test run.
  for (const [k, v] of Object.entries(process.env)) {
    if (
      k === "DATABASE_URL" ||
      k.startsWith("CERTDESK_") ||
      k === "PORT" ||
      k === "HOST" ||
      k === "NODE_OPTIONS"
    )
      continue;
    env[k] = v;
  }
  Object.assign(env, {
    HOST: "127.0.0.1",
    PORT: String(port),
    CERTDESK_LOG_LEVEL: "silent",
    CERTDESK_MODE: "development",
  });
  Object.assign(env, options.env ?? {});
  if (options.store.kind === "embedded") env.CERTDESK_DATA_DIR = options.store.dataDir;
  else env.DATABASE_URL = options.store.url;

  const entry = options.compiled ? ["dist/main.js"] : ["--import", "tsx", "src/main.ts"];
  const args = [...entry, ...(options.demo ? ["--demo"] : [])];
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout?.setEncoding("utf8").on("data", (s: string) => (out = (out + s).slice(-OUTPUT_CAP)));
  child.stderr?.setEncoding("utf8").on("data", (s: string) => (err = (err + s).slice(-OUTPUT_CAP)));
  // "close" rather than "exit": the output pipes are drained by then.
  const exited = new Promise<Exit>((resolve) => {
    child.once("close", (code, signal) => resolve({ code, signal }));
    child.once("error", () => resolve({ code: null, signal: null }));
  });
  let exit: Exit | undefined;
  void exited.then((e) => (exit = e));

  const kill = async (signal: NodeJS.Signals, withinMs = 10_000): Promise<Exit> => {
    if (exit) return exit;
    child.kill(signal);
    const done = await Promise.race([exited, delay(withinMs).then(() => undefined)]);
    if (done) return done;
    if (signal !== "SIGKILL") return kill("SIGKILL", withinMs);
    throw new Error(`pid ${child.pid} survived SIGKILL for ${withinMs} ms`);
  };

  if (child.pid === undefined) throw new Error("the server process could not be spawned");
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    pid: child.pid,
    exited,
    stdout: () => out,
    stderr: () => err,
    kill,
    stop: (withinMs = 10_000) => kill("SIGTERM", withinMs),
  };
}

async function waitReady(server: Spawned, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  let exit: Exit | undefined;
  void server.exited.then((e) => (exit = e));
  while (Date.now() < deadline) {
    if (exit) {
      throw new Error(
        `the server exited before it was ready (code ${exit.code}, signal ${exit.signal}); stderr:\n${server.stderr()}`,
      );
    }
    try {
      const res = await fetch(`${server.url}/api/health`, { signal: AbortSignal.timeout(1_000) });
      // The banner proves the answer came from this child, not from whoever won the port race.
      if (res.ok && server.stdout().includes(`running at ${server.url}`)) return;
    } catch {
      // Not listening yet.
    }
    await delay(100);
  }
  throw new Error(`the server was not ready within ${withinMs} ms; stderr:\n${server.stderr()}`);
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** JSON over HTTP to a spawned server, as an API client would send it. */
export interface HttpResult {
  status: number;
  body: unknown;
}

export async function http(
  url: string,
  init: {
    method?: string;
    token?: string;
    headers?: Record<string, string>;
    json?: unknown;
    timeoutMs?: number;
  } = {},
): Promise<HttpResult> {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.json !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(url, {
    method: init.method ?? "GET",
    headers,
    ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
    signal: AbortSignal.timeout(init.timeoutMs ?? 10_000),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: keep the text for the failure message.
  }
  return { status: res.status, body };
}

export async function login(
  server: Pick<ServerProcess, "url">,
  loginName: string,
  password: string,
): Promise<string> {
  const res = await http(`${server.url}/api/auth/login`, {
    method: "POST",
    json: { login: loginName, password },
  });
  const token = (res.body as { token?: unknown } | null)?.token;
  if (res.status !== 200 || typeof token !== "string")
    throw new Error(`login ${loginName} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return token;
}
