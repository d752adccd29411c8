/**
 * The peers the CA benchmark runs beside certdesk on the same machine: cfssl 1.2 (`cfssl serve`,
 * `cfssl ocspserve`, `cfssl gencert`, `cfssl ocspsign`), ApacheBench and `openssl speed`. Every
 * child is kept in a set so that the benchmark can stop whatever it started, also on error; every
 * wait is bounded in time and every server listens on 127.0.0.1 only.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { delay, freePort } from "../../test/support/process.js";

const OUTPUT_CAP = 64 * 1024;

export interface Child {
  readonly name: string;
  readonly pid: number;
  output(): string;
  stop(withinMs?: number): Promise<void>;
}

/** The children of one benchmark run. */
export class Children {
  readonly #alive = new Set<Child>();

  spawn(name: string, command: string, args: readonly string[], cwd: string): Child {
    const child: ChildProcess = spawn(command, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    if (child.pid === undefined) throw new Error(`${name} could not be started`);
    let out = "";
    const keep = (s: string) => (out = (out + s).slice(-OUTPUT_CAP));
    child.stdout?.setEncoding("utf8").on("data", keep);
    child.stderr?.setEncoding("utf8").on("data", keep);
    let exited = false;
    const gone = new Promise<void>((resolve) => {
      child.once("close", () => resolve());
      child.once("error", () => resolve());
    });
    void gone.then(() => {
      exited = true;
      this.#alive.delete(handle);
    });
    const handle: Child = {
      name,
      pid: child.pid,
      output: () => out,
      stop: async (withinMs = 5_000) => {
        if (exited) return;
        child.kill("SIGTERM");
        if (await Promise.race([gone.then(() => true), delay(withinMs).then(() => false)])) return;
        child.kill("SIGKILL");
        await Promise.race([gone, delay(withinMs)]);
      },
    };
    this.#alive.add(handle);
    return handle;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.#alive].map((c) => c.stop()));
  }
}

/** Runs a program to its end (bounded), failing with its output when it fails; stdout then stderr. */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; timeoutMs?: number; input?: string; stdoutOnly?: boolean },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      args,
      {
        cwd: options.cwd,
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 64 * 1024 * 1024,
        encoding: "utf8",
      },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${command} ${args.join(" ")} failed: ${String(err)}\n${stderr}${stdout}`));
        else resolve(options.stdoutOnly ? stdout : `${stdout}${stderr}`);
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Waits until something accepts TCP connections on the loopback port. */
export async function waitForPort(port: number, child: Child, withinMs = 15_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: "127.0.0.1", port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    await delay(100);
  }
  throw new Error(`${child.name} did not listen on ${port} within ${withinMs} ms:\n${child.output()}`);
}

/**
 * CPU seconds a process (all its threads, or one: the main thread's id is the pid) has used so far,
 * from /proc (Linux; undefined elsewhere).
 * On a machine shared with other work, CPU per request says what a server costs when wall-clock
 * rates swing with the neighbours.
 */
export function cpuSeconds(pid: number, thread?: number): number | undefined {
  try {
    // pid (comm) state ppid ... field 14 utime, 15 stime, in clock ticks (100 per second on Linux)
    const stat = readFileSync(
      thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`,
      "utf8",
    );
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** CPU seconds of a process and every process under it (a desk with its OCSP workers). */
export function treeCpuSeconds(pid: number): number | undefined {
  const own = cpuSeconds(pid);
  if (own === undefined) return undefined;
  let children: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`))
      children = children.concat(
        readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").split(" ").filter(Boolean).map(Number),
      );
  } catch {
    // gone meanwhile: its own time is what there is
  }
  return children.reduce((sum, child) => sum + (treeCpuSeconds(child) ?? 0), own);
}

/** The 1-minute load average (Linux), to show how busy the machine was. */
export function loadAverage(): number | undefined {
  try {
    return Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]);
  } catch {
    return undefined;
  }
}

// ---- cfssl --------------------------------------------------------------------------------------

export type PeerKey = "rsa" | "ecdsa-p256";

/** A CA made by `cfssl gencert -initca` with the key type asked for; files in dir. */
export async function cfsslCa(dir: string, key: PeerKey): Promise<{ cert: string; key: string }> {
  const name = `cfssl-${key}`;
  const csr = {
    CN: `cfssl bench CA ${key}`,
    key: key === "rsa" ? { algo: "rsa", size: 2048 } : { algo: "ecdsa", size: 256 },
    names: [{ C: "CN", O: "cfssl bench" }],
  };
  writeFileSync(join(dir, `${name}-csr.json`), JSON.stringify(csr));
  const json = await run("cfssl", ["gencert", "-initca", `${name}-csr.json`], { cwd: dir, stdoutOnly: true });
  await run("cfssljson", ["-bare", name], { cwd: dir, input: json });
  return { cert: join(dir, `${name}.pem`), key: join(dir, `${name}-key.pem`) };
}

/**
 * cfssl's certificate database on PostgreSQL, as its certdb migration for postgres
 * (certdb/pg/migrations/001_CreateCertificates.sql) makes it, in a database of its own that the
 * bench creates and drops; returns the file `cfssl serve -db-config` reads.
 */
export const CFSSL_CERTDB_SCHEMA = `
  create table certificates (
    serial_number            bytea not null,
    authority_key_identifier bytea not null,
    ca_label                 bytea,
    status                   bytea not null,
    reason                   int,
    expiry                   timestamptz,
    revoked_at               timestamptz,
    pem                      bytea not null,
    primary key (serial_number, authority_key_identifier)
  );
  create table ocsp_responses (
    serial_number            bytea not null,
    authority_key_identifier bytea not null,
    body                     bytea not null,
    expiry                   timestamptz,
    primary key (serial_number, authority_key_identifier),
    foreign key (serial_number, authority_key_identifier)
      references certificates (serial_number, authority_key_identifier)
  );`;

export function cfsslDbConfig(dir: string, url: string): string {
  const file = join(dir, "cfssl-db-config.json");
  // lib/pq wants sslmode spelled out; the loopback server has no TLS.
  const u = new URL(url);
  u.searchParams.set("sslmode", "disable");
  writeFileSync(file, JSON.stringify({ driver: "postgres", data_source: u.toString() }));
  return file;
}

/**
 * `cfssl serve` signing with that CA, client certificates for a year, logging warnings only;
 * with dbConfig, every certificate it signs is written to its certdb before the answer.
 */
export async function startCfsslServe(
  children: Children,
  dir: string,
  ca: { cert: string; key: string },
  dbConfig?: string,
): Promise<{ base: string; child: Child }> {
  const config = join(dir, "cfssl-config.json");
  writeFileSync(
    config,
    JSON.stringify({
      signing: {
        default: { expiry: "8760h", usages: ["digital signature", "non repudiation", "client auth"] },
      },
    }),
  );
  const port = await freePort();
  const child = children.spawn(
    "cfssl serve",
    "cfssl",
    [
      "serve",
      "-address",
      "127.0.0.1",
      "-port",
      String(port),
      "-ca",
      ca.cert,
      "-ca-key",
      ca.key,
      "-config",
      config,
      "-loglevel",
      "2",
      ...(dbConfig ? ["-db-config", dbConfig] : []),
    ],
    dir,
  );
  await waitForPort(port, child);
  return { base: `http://127.0.0.1:${port}`, child };
}

/** `cfssl ocspserve` answering from a file of responses signed beforehand by `cfssl ocspsign`. */
export async function startCfsslOcspServe(
  children: Children,
  dir: string,
  ca: { cert: string; key: string },
  certificate: string,
): Promise<{ base: string; child: Child }> {
  const signed = await run(
    "cfssl",
    ["ocspsign", "-ca", ca.cert, "-responder", ca.cert, "-responder-key", ca.key, "-cert", certificate],
    { cwd: dir, stdoutOnly: true },
  );
  const response = (JSON.parse(signed) as { ocspResponse: string }).ocspResponse;
  const responses = join(dir, "cfssl-ocsp-responses.txt");
  writeFileSync(responses, `${response}\n`);
  const port = await freePort();
  const child = children.spawn(
    "cfssl ocspserve",
    "cfssl",
    ["ocspserve", "-address", "127.0.0.1", "-port", String(port), "-responses", responses, "-loglevel", "2"],
    dir,
  );
  await waitForPort(port, child);
  return { base: `http://127.0.0.1:${port}`, child };
}

// ---- ab and openssl speed -----------------------------------------------------------------------

export interface AbResult {
  requests: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  failures: number;
  non2xx: number;
}

/** ApacheBench posting one body N times with C clients; keep-alive when asked. */
export async function ab(
  url: string,
  options: {
    requests: number;
    concurrency: number;
    bodyFile: string;
    contentType: string;
    keepAlive: boolean;
  },
  cwd: string,
): Promise<AbResult> {
  const out = await run(
    "ab",
    [
      "-q",
      ...(options.keepAlive ? ["-k"] : []),
      "-s",
      "30",
      "-n",
      String(options.requests),
      "-c",
      String(options.concurrency),
      "-p",
      options.bodyFile,
      "-T",
      options.contentType,
      url,
    ],
    { cwd, timeoutMs: 300_000 },
  );
  const number = (re: RegExp): number => {
    const m = re.exec(out);
    if (!m) throw new Error(`ab printed no ${re.source}:\n${out}`);
    return Number(m[1]);
  };
  return {
    requests: number(/Complete requests:\s+(\d+)/),
    perSecond: number(/Requests per second:\s+([\d.]+)/),
    p50Ms: number(/\n\s+50%\s+(\d+)/),
    p99Ms: number(/\n\s+99%\s+(\d+)/),
    failures: number(/Failed requests:\s+(\d+)/),
    non2xx: /Non-2xx responses:\s+(\d+)/.test(out) ? number(/Non-2xx responses:\s+(\d+)/) : 0,
  };
}

/** SM2 signatures per second as `openssl speed` measures them (one core). */
export async function opensslSpeedSm2(seconds: number, cwd: string): Promise<number> {
  const out = await run("openssl", ["speed", "-seconds", String(seconds), "sm2"], {
    cwd,
    timeoutMs: (seconds * 2 + 30) * 1000,
  });
  // " 256 bits SM2 (CurveSM2)   0.0003s   0.0002s   3895.7   4405.7"
  const m = /SM2 \(CurveSM2\)\s+[\d.]+s\s+[\d.]+s\s+([\d.]+)\s+([\d.]+)/.exec(out);
  if (!m) throw new Error(`openssl speed printed no sm2 line:\n${out}`);
  return Number(m[1]);
}
