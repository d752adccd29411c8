/**
 * The OCSP workers' HTTP/1.x front on raw sockets: framing, keep-alive and pipelining as clients
 * do them, and the refusals for what it does not take. The handler echoes what it was given.
 */
import { connect, type AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ocspFront, type FrontHandler } from "./ocsp-front.js";

const BODY_LIMIT = 64;
const seen: string[] = [];
const echo: FrontHandler = async (method, target, body) => {
  seen.push(`${method} ${target}`);
  // The first of a pipelined pair is the slow one: answers must still come in order.
  if (target === "/slow") await new Promise((r) => setTimeout(r, 50));
  const text = `${method} ${target} ${body === "too large" ? "too large" : Buffer.from(body).toString()}`;
  return { status: 200, headers: { "content-type": "text/plain" }, body: Buffer.from(text) };
};
const server = ocspFront(echo, { bodyLimit: BODY_LIMIT, idleMs: 300 });
let port: number;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Writes the pieces (a pause between them), then reads until the server closes the connection. */
function exchange(...pieces: (string | Buffer)[]): Promise<{ text: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    const started = Date.now();
    socket.on("data", (d: Buffer) => chunks.push(d));
    socket.on("error", reject);
    socket.on("close", () =>
      resolve({ text: Buffer.concat(chunks).toString("latin1"), closedAfterMs: Date.now() - started }),
    );
    void (async () => {
      for (const piece of pieces) {
        socket.write(piece);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
  });
}

const post = (target: string, body: string, extra = "", version = "1.1") =>
  `POST ${target} HTTP/${version}\r\nHost: x\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;

/** Status lines and bodies of the answers in a byte stream, in order. */
function answers(text: string): { status: number; headers: string; body: string }[] {
  const out: { status: number; headers: string; body: string }[] = [];
  let rest = text;
  while (rest.length) {
    const end = rest.indexOf("\r\n\r\n");
    const head = rest.slice(0, end);
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
    const length = Number(/\r\ncontent-length: (\d+)/.exec(head)?.[1] ?? 0);
    out.push({ status, headers: head, body: rest.slice(end + 4, end + 4 + length) });
    rest = rest.slice(end + 4 + length);
  }
  return out;
}

describe("the OCSP front (HTTP/1.x on a raw socket)", () => {
  it("keeps an HTTP/1.1 connection open and answers pipelined requests in order, with Date and Content-Length", async () => {
    const r = await exchange(
      post("/slow", "one") + post("/ocsp", "two") + "GET /ocsp/abc HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    const got = answers(r.text);
    expect(got.map((a) => a.body)).toEqual(["POST /slow one", "POST /ocsp two", "GET /ocsp/abc "]);
    expect(got[0]!.headers).toMatch(/\r\ndate: \w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT/);
    expect(got[0]!.headers).not.toMatch(/connection:/i);
    // Closed by the idle timeout, not after an answer.
    expect(r.closedAfterMs).toBeGreaterThanOrEqual(250);
  });

  it("reads a request that arrives a few bytes at a time", async () => {
    const whole = post("/ocsp", "in pieces");
    const pieces = whole.match(/[\s\S]{1,7}/g)!;
    const got = answers((await exchange(...pieces)).text);
    expect(got.map((a) => a.body)).toEqual(["POST /ocsp in pieces"]);
  });

  it("HTTP/1.0 closes after the answer unless asked to keep alive; HTTP/1.1 closes on Connection: close", async () => {
    const plain = await exchange(post("/ocsp", "a", "", "1.0"));
    expect(answers(plain.text)[0]!.headers).toContain("connection: close");
    expect(plain.closedAfterMs).toBeLessThan(250);

    const kept = await exchange(
      post("/ocsp", "b", "Connection: Keep-Alive\r\n", "1.0") + post("/ocsp", "c", "", "1.0"),
    );
    const two = answers(kept.text);
    expect(two[0]!.headers).toContain("connection: keep-alive");
    expect(two.map((a) => a.body)).toEqual(["POST /ocsp b", "POST /ocsp c"]);

    const closing = await exchange(post("/ocsp", "d", "Connection: close\r\n") + post("/ocsp", "never", ""));
    expect(answers(closing.text).map((a) => a.body)).toEqual(["POST /ocsp d"]);
  });

  it("sends 100 Continue to a client that waits for it", async () => {
    const head = `POST /ocsp HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n`;
    const r = await exchange(head, "", "", "body");
    expect(r.text.startsWith("HTTP/1.1 100 Continue\r\n\r\n")).toBe(true);
    expect(answers(r.text.slice("HTTP/1.1 100 Continue\r\n\r\n".length))[0]!.body).toBe("POST /ocsp body");
  });

  it("a body over the limit is not read: the handler is told, and the connection ends", async () => {
    const r = await exchange(post("/ocsp", "x".repeat(BODY_LIMIT + 1)));
    const [only] = answers(r.text);
    expect(only!.body).toBe("POST /ocsp too large");
    expect(only!.headers).toContain("connection: close");
  });

  it.each([
    [
      "chunked bodies",
      "POST /ocsp HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
      411,
    ],
    ["a start line that is not HTTP/1.x", "POST /ocsp HTTP/2.0\r\n\r\n", 400],
    ["a header line without a colon", "POST /ocsp HTTP/1.1\r\nbroken\r\nContent-Length: 0\r\n\r\n", 400],
    ["folded headers", "POST /ocsp HTTP/1.1\r\nX-A: 1\r\n  2\r\nContent-Length: 0\r\n\r\n", 400],
    [
      "two Content-Lengths that differ",
      "POST /ocsp HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
      400,
    ],
    ["a negative Content-Length", "POST /ocsp HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400],
    ["headers over 8 KB", `GET /ocsp/x HTTP/1.1\r\nX-Big: ${"a".repeat(9000)}\r\n\r\n`, 431],
  ])("refuses %s with the RFC 9110 status and closes", async (_what, request, status) => {
    const before = seen.length;
    const r = await exchange(request);
    const [only, ...more] = answers(r.text);
    expect(only!.status).toBe(status);
    expect(only!.headers).toContain("connection: close");
    expect(more).toEqual([]);
    expect(seen.length).toBe(before);
  });

  it("node's own HTTP client (fetch) gets its answers on a reused connection", async () => {
    for (const body of ["first", "second"]) {
      const res = await fetch(`http://127.0.0.1:${port}/ocsp`, { method: "POST", body });
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(`POST /ocsp ${body}`);
    }
  });
});
