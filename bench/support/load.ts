/**
 * A small HTTP load generator: a fixed number of requests sent by N concurrent clients over
 * keep-alive connections, each request timed from the first byte sent to the last byte received.
 * Bodies are prepared before the clock starts, so the generator spends its time on the wire.
 */
import { Agent, request } from "node:http";

export interface LoadRequest {
  path: string;
  body: Buffer;
  headers: Record<string, string>;
}

export interface LoadResult {
  requests: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  failures: number;
  firstFailure?: string;
}

export interface LoadOptions {
  /** http://127.0.0.1:port, loopback only */
  base: string;
  concurrency: number;
  /** request i of the run (0-based); called before the clock starts */
  request: (i: number) => LoadRequest;
  count: number;
  /** undefined when the answer is what was asked for, else why not */
  check?: (status: number, body: Buffer) => string | undefined;
  /** the whole run is abandoned after this long */
  timeoutMs?: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

function send(agent: Agent, url: URL, req: LoadRequest): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const r = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method: "POST",
        path: req.path,
        headers: { ...req.headers, "content-length": String(req.body.length) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on("error", reject);
      },
    );
    r.on("error", reject);
    r.end(req.body);
  });
}

export async function drive(options: LoadOptions): Promise<LoadResult> {
  const url = new URL(options.base);
  if (url.hostname !== "127.0.0.1") throw new Error(`loopback only, not ${url.hostname}`);
  const requests = Array.from({ length: options.count }, (_, i) => options.request(i));
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const latencies = new Float64Array(options.count);
  let next = 0;
  let failures = 0;
  let firstFailure: string | undefined;
  const deadline = Date.now() + (options.timeoutMs ?? 600_000);
  const worker = async () => {
    while (next < requests.length) {
      if (Date.now() > deadline) throw new Error(`load run exceeded ${options.timeoutMs} ms`);
      const i = next++;
      const started = performance.now();
      try {
        const res = await send(agent, url, requests[i]!);
        latencies[i] = performance.now() - started;
        const problem = options.check?.(res.status, res.body);
        if (problem) {
          failures++;
          firstFailure ??= problem;
        }
      } catch (e) {
        latencies[i] = performance.now() - started;
        failures++;
        firstFailure ??= String(e);
      }
    }
  };
  const started = performance.now();
  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  } finally {
    agent.destroy();
  }
  const seconds = (performance.now() - started) / 1000;
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    requests: options.count,
    seconds,
    perSecond: options.count / seconds,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    failures,
    ...(firstFailure ? { firstFailure } : {}),
  };
}
