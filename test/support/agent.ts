/**
 * The security client's local agent as a real child process (`node bin/certdesk-client.js agent`),
 * on a free loopback port: ready once it prints where it listens; the pairing codes it shows in
 * its terminal are read from its output, per site.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { freePort, REPO_ROOT } from "./process.js";

export interface AgentProcess {
  url: string;
  port: number;
  /** everything it printed */
  output(): string;
  /** the last pairing code it showed for this site ("12345678") */
  pairingCode(origin: string): string | undefined;
  stop(): Promise<void>;
}

export async function spawnAgent(input: {
  keyFile?: string;
  keyDir?: string;
  home: string;
  portal: string;
  platforms?: string[];
  server?: string;
  args?: string[];
}): Promise<AgentProcess> {
  const port = await freePort();
  const args = [
    join(REPO_ROOT, "bin/certdesk-client.js"),
    "--lang",
    "en",
    ...(input.keyFile ? ["--key", input.keyFile] : ["--key-dir", input.keyDir!]),
    "agent",
    "--portal-origin",
    input.portal,
    ...(input.platforms ?? []).flatMap((p) => ["--platform-origin", p]),
    "--port",
    String(port),
    ...(input.args ?? []),
  ];
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      CERTDESK_CLIENT_HOME: input.home,
      ...(input.server ? { CERTDESK_SERVER: input.server } : {}),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => (output += c));
  child.stderr.setEncoding("utf8").on("data", (c: string) => (output += c));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  while (!output.includes(`127.0.0.1:${port}`)) {
    if (child.exitCode !== null) throw new Error(`the agent stopped: ${output}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the agent did not start: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    output: () => output,
    pairingCode(origin) {
      const codes = [...output.matchAll(/Pairing code(?: for (\S+))?: (\d{4})-(\d{4})/g)].filter(
        (m) => m[1] === undefined || m[1] === origin,
      );
      const last = codes[codes.length - 1];
      return last ? `${last[2]}${last[3]}` : undefined;
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
