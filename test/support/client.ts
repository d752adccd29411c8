/**
 * The security client run in-process (src/client/main.ts run()), against a desk listening on a real
 * port, with every HTTP answer it received kept for the tests that look through them.
 */
import { run } from "../../src/client/main.js";
import type { ClientIo } from "../../src/client/output.js";

export interface ClientRun {
  code: number;
  stdout: string;
  stderr: string;
  /** the one line of --json output */
  json<T = Record<string, unknown>>(): T;
}

export interface ClientHarness {
  (...args: string[]): Promise<ClientRun>;
  /** the bodies of every response the client received */
  readonly responses: string[];
  /** everything the client printed */
  readonly printed: string[];
}

export function clientHarness(env: Record<string, string>, extra: Partial<ClientIo> = {}): ClientHarness {
  const responses: string[] = [];
  const printed: string[] = [];
  const recording: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    responses.push(await res.clone().text());
    return res;
  };
  const harness = async (...args: string[]): Promise<ClientRun> => {
    let stdout = "";
    let stderr = "";
    const code = await run(args, {
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: (t: string) => (stderr += t) },
      env,
      fetch: recording,
      ...extra,
    });
    printed.push(stdout, stderr);
    return {
      code,
      stdout,
      stderr,
      json: <T>() => {
        const lines = stdout.trim().split("\n");
        return JSON.parse(lines[lines.length - 1]!) as T;
      },
    };
  };
  return Object.assign(harness, { responses, printed });
}

/**
 * What a holder does first with a shipped key: sign the client in to the desk as organisation A's
 * handler, change the factory PIN to `pin`, activate with the SMS code. Each step must exit 0.
 */
export async function readyHolderKey(
  client: ClientHarness,
  input: { deskUrl: string; keyFile: string; activationCode: string; pin: string },
): Promise<void> {
  const steps = [
    ["--server", input.deskUrl, "login", "--mobile", "13800138000", "--password", "supplier-demo-1"],
    ["--key", input.keyFile, "change-pin", "--pin", "12345678", "--new-pin", input.pin],
    ["--key", input.keyFile, "activate", "--code", input.activationCode, "--pin", input.pin],
  ];
  for (const step of steps) {
    const ran = await client(...step);
    if (ran.code !== 0) throw new Error(`certdesk-client ${step[2]}: exit ${ran.code}: ${ran.stderr}`);
  }
}
