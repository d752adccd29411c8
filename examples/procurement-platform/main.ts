/**
 * Runs the demo procurement platform against a running certdesk:
 *
 *   npm run demo                                  # certdesk, in another terminal
 *   npm run platform-demo                         # this platform, in another
 *
 * The first time, it registers itself with certdesk as platform "procurement-demo" (signing in as
 * the demo admin; --admin login:password for another) and keeps the credential in its data
 * folder. Options: --port (18080), --tls-port (18443), --data (.data/procurement-platform),
 * --login-mode desk|local.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startProcurementPlatform } from "./platform.js";

const { values } = parseArgs({
  options: {
    certdesk: { type: "string", default: "http://127.0.0.1:8080" },
    admin: { type: "string", default: "admin:admin-demo-1" },
    port: { type: "string", default: "18080" },
    "tls-port": { type: "string", default: "18443" },
    data: { type: "string", default: ".data/procurement-platform" },
    "login-mode": { type: "string", default: "desk" },
  },
});

const certdesk = values.certdesk!;
const port = Number(values.port);
const dataDir = values.data!;
mkdirSync(dataDir, { recursive: true });
const credentialFile = join(dataDir, "credential.json");

async function register(): Promise<{ keyId: string; secret: string }> {
  const [login, password] = values.admin!.split(":");
  const signIn = await fetch(new URL("/api/auth/login", certdesk), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ login, password }),
  });
  if (!signIn.ok) throw new Error(`signing in to certdesk as ${login} failed: ${await signIn.text()}`);
  const { token } = (await signIn.json()) as { token: string };
  const res = await fetch(new URL("/api/platforms", certdesk), {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({
      id: "procurement-demo",
      programmeId: "procurement",
      name: "示例采购平台 Procurement platform demo",
      webhookUrl: `http://127.0.0.1:${port}/webhooks`,
    }),
  });
  if (!res.ok) throw new Error(`registering with certdesk failed: ${await res.text()}`);
  const { credential } = (await res.json()) as { credential: { keyId: string; secret: string } };
  writeFileSync(credentialFile, JSON.stringify(credential), { mode: 0o600 });
  return credential;
}

const credential = existsSync(credentialFile)
  ? (JSON.parse(readFileSync(credentialFile, "utf8")) as { keyId: string; secret: string })
  : await register();
const platform = await startProcurementPlatform({
  certdeskUrl: certdesk,
  ...credential,
  dataDir,
  port,
  tlsPort: Number(values["tls-port"]),
  loginMode: values["login-mode"] === "local" ? "local" : "desk",
  log: (line) => process.stdout.write(`${line}\n`),
});
process.stdout.write(
  [
    `Open ${platform.url} and sign in as supplier-001 / bid-demo-1.`,
    `The security client's agent must allow this site: certdesk-client agent --portal-origin ${certdesk} --platform-origin ${platform.url}`,
    "",
  ].join("\n"),
);
const stop = async () => {
  await platform.close();
  process.exit(0);
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
