/**
 * Drives the SMTP server process (smtp-server.ts): start it, read what arrived, stop it. Messages
 * are decoded as nodemailer writes them (base64 text, RFC 2047 subjects), bounded waits only.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { REPO_ROOT } from "./process.js";

export interface ReceivedMail {
  from: string | null;
  to: string[];
  messageId: string;
  subject: string;
  text: string;
}

export interface SmtpServer {
  port: number;
  url: string;
  received(): ReceivedMail[];
  /** Waits until `count` messages match, or throws after withinMs. */
  waitFor(match: (m: ReceivedMail) => boolean, count?: number, withinMs?: number): Promise<ReceivedMail[]>;
  stop(): Promise<void>;
}

function decodeWords(value: string): string {
  return value.replace(
    /=\?([^?]+)\?([BbQq])\?([^?]*)\?=\s*/g,
    (_all, _charset: string, enc: string, text: string) =>
      enc.toUpperCase() === "B"
        ? Buffer.from(text, "base64").toString("utf8")
        : Buffer.from(
            text
              .replace(/_/g, " ")
              .replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
            "latin1",
          ).toString("utf8"),
  );
}

export function parseMail(raw: Buffer, envelope: { from: string | null; to: string[] }): ReceivedMail {
  const text = raw.toString("utf8");
  const split = text.indexOf("\r\n\r\n");
  const head = text.slice(0, split).replace(/\r\n[ \t]+/g, " ");
  const body = text.slice(split + 4);
  const headers = new Map<string, string>();
  for (const line of head.split("\r\n")) {
    const i = line.indexOf(":");
    if (i > 0) headers.set(line.slice(0, i).toLowerCase(), line.slice(i + 1).trim());
  }
  const encoding = (headers.get("content-transfer-encoding") ?? "7bit").toLowerCase();
  const decoded =
    encoding === "base64"
      ? Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8")
      : encoding === "quoted-printable"
        ? Buffer.from(
            body
              .replace(/=\r\n/g, "")
              .replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
            "latin1",
          ).toString("utf8")
        : body;
  return {
    from: envelope.from,
    to: envelope.to,
    messageId: headers.get("message-id") ?? "",
    subject: decodeWords(headers.get("subject") ?? ""),
    text: decoded,
  };
}

export async function startSmtpServer(withinMs = 15_000): Promise<SmtpServer> {
  const script = fileURLToPath(new URL("./smtp-server.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const mails: ReceivedMail[] = [];
  let buffered = "";
  let stderr = "";
  let resolvePort!: (port: number) => void;
  const portPromise = new Promise<number>((resolve) => (resolvePort = resolve));
  child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
  child.stdout.setEncoding("utf8").on("data", (s: string) => {
    buffered += s;
    let nl: number;
    while ((nl = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (line.startsWith("listening ")) resolvePort(Number(line.slice(10)));
      else if (line.startsWith("{")) {
        const m = JSON.parse(line) as { from: string | null; to: string[]; raw: string };
        mails.push(parseMail(Buffer.from(m.raw, "base64"), m));
      }
    }
  });
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const port = await Promise.race([
    portPromise,
    new Promise<number>((_, reject) =>
      setTimeout(() => reject(new Error(`the SMTP server did not start: ${stderr}`)), withinMs),
    ),
  ]);
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    received: () => [...mails],
    async waitFor(match, count = 1, waitMs = 15_000) {
      const deadline = Date.now() + waitMs;
      for (;;) {
        const found = mails.filter(match);
        if (found.length >= count) return found;
        if (Date.now() > deadline)
          throw new Error(
            `${found.length} of ${count} messages arrived within ${waitMs} ms; got ${mails.length}: ${mails.map((m) => m.subject).join(" | ")}`,
          );
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
    },
  };
}
