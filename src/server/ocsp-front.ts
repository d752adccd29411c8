/**
 * The OCSP workers' HTTP/1.x server, read straight off the socket. node:http builds a request and
 * a response object and parses every header for each request; here a request is a start line, the
 * few headers that frame it and a body, and the answer one write. Measured on 2 cores with ab -k:
 * two workers on node:http answered about as many requests per second as cfssl ocspserve (18,900
 * against 19,300), on this about twice as many.
 *
 * Only what OCSP clients send is understood (RFC 9112 framing for a body with Content-Length,
 * keep-alive in HTTP/1.0 and 1.1, pipelined requests answered in order, Expect: 100-continue);
 * the rest is refused with the status RFC 9110 gives it and the connection closed: a start line or
 * header that does not parse 400, headers over HEAD_LIMIT 431, a body without Content-Length
 * (chunked) 411 (RFC 9112 6.3 lets a server require it).
 */
import { createServer, type Server, type Socket } from "node:net";

/** What the handler answers; the front adds Content-Length, Date and Connection. */
export interface FrontReply {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
  /** close the connection after this answer */
  close?: boolean;
}

/** A body over the limit is not read: the handler gets "too large" and the connection ends. */
export type FrontHandler = (
  method: string,
  target: string,
  body: Uint8Array | "too large",
) => Promise<FrontReply>;

export interface FrontOptions {
  bodyLimit: number;
  /** an idle keep-alive connection is closed after this (node:http's default is 5 s) */
  idleMs?: number;
}

const HEAD_LIMIT = 8 * 1024;
const HEAD_END = Buffer.from("\r\n\r\n");
const START_LINE = /^([A-Z]+) (\S+) HTTP\/1\.([01])$/;
const HEADER_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$/;
const REASONS: Record<number, string> = {
  200: "OK",
  400: "Bad Request",
  404: "Not Found",
  405: "Method Not Allowed",
  411: "Length Required",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
};

interface Head {
  method: string;
  target: string;
  http10: boolean;
  length: number;
  keepAlive: boolean;
  expectContinue: boolean;
}

/** The head at the start of data, or an HTTP status to refuse it with. */
function parseHead(text: string): Head | number {
  const lines = text.split("\r\n");
  const start = START_LINE.exec(lines[0] ?? "");
  if (!start) return 400;
  let length: number | undefined;
  let connection = "";
  let expect = "";
  for (const line of lines.slice(1)) {
    const header = HEADER_LINE.exec(line);
    if (!header) return 400; // obsolete line folding included (RFC 9112 5.2)
    const name = header[1]!.toLowerCase();
    const value = header[2]!;
    if (name === "content-length") {
      if (!/^\d{1,15}$/.test(value) || (length !== undefined && length !== Number(value))) return 400;
      length = Number(value);
    } else if (name === "transfer-encoding") {
      return 411;
    } else if (name === "connection") {
      connection += `,${value.toLowerCase()}`;
    } else if (name === "expect") {
      expect = value.toLowerCase();
    }
  }
  const http10 = start[3] === "0";
  const tokens = connection.split(",").map((t) => t.trim());
  return {
    method: start[1]!,
    target: start[2]!,
    http10,
    length: length ?? 0,
    keepAlive: http10 ? tokens.includes("keep-alive") : !tokens.includes("close"),
    expectContinue: expect === "100-continue",
  };
}

let dateSecond = 0;
let dateText = "";
/** RFC 9110 6.6.1: an origin server with a clock sends Date; one string per second. */
function httpDate(): string {
  const second = Math.floor(Date.now() / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(second * 1000).toUTCString();
  }
  return dateText;
}

function serialize(reply: FrontReply, keepAlive: boolean, http10: boolean): Buffer {
  let head = `HTTP/1.1 ${reply.status} ${REASONS[reply.status] ?? "Unknown"}\r\n`;
  for (const [name, value] of Object.entries(reply.headers)) head += `${name}: ${value}\r\n`;
  head += `content-length: ${reply.body.length}\r\ndate: ${httpDate()}\r\n`;
  if (!keepAlive) head += "connection: close\r\n";
  else if (http10) head += "connection: keep-alive\r\n";
  head += "\r\n";
  return Buffer.concat([Buffer.from(head, "latin1"), reply.body]);
}

const refusal = (status: number): FrontReply => ({
  status,
  headers: { "content-type": "text/plain; charset=utf-8" },
  body: Buffer.from(`${REASONS[status] ?? status}\n`),
  close: true,
});

function serveConnection(socket: Socket, handle: FrontHandler, options: FrontOptions): void {
  let buffered: Buffer = Buffer.alloc(0);
  let busy = false;
  let continued = false;
  /** an answer with connection: close is on its way: nothing more is read */
  let closing = false;
  const bufferLimit = HEAD_LIMIT + options.bodyLimit;
  socket.setNoDelay(true);
  socket.setTimeout(options.idleMs ?? 5_000, () => socket.destroy());
  socket.on("error", () => socket.destroy());

  const send = (reply: FrontReply, head: Pick<Head, "keepAlive" | "http10">) => {
    const keepAlive = head.keepAlive && !reply.close;
    const bytes = serialize(reply, keepAlive, head.http10);
    if (keepAlive) socket.write(bytes);
    else {
      closing = true;
      buffered = Buffer.alloc(0);
      socket.end(bytes);
    }
    return keepAlive;
  };

  const next = (): void => {
    if (busy || closing || socket.destroyed) return;
    if (socket.isPaused() && buffered.length <= bufferLimit) socket.resume();
    const end = buffered.indexOf(HEAD_END);
    if (end < 0) {
      if (buffered.length > HEAD_LIMIT) send(refusal(431), { keepAlive: false, http10: false });
      return;
    }
    if (end > HEAD_LIMIT) return void send(refusal(431), { keepAlive: false, http10: false });
    const head = parseHead(buffered.toString("latin1", 0, end));
    if (typeof head === "number") return void send(refusal(head), { keepAlive: false, http10: false });
    const bodyStart = end + HEAD_END.length;
    let body: Uint8Array | "too large";
    if (head.length > options.bodyLimit) {
      body = "too large";
      closing = true; // the body is never read
      head.keepAlive = false;
      buffered = Buffer.alloc(0);
    } else {
      if (buffered.length < bodyStart + head.length) {
        if (head.expectContinue && !continued) {
          continued = true;
          socket.write("HTTP/1.1 100 Continue\r\n\r\n");
        }
        return;
      }
      body = buffered.subarray(bodyStart, bodyStart + head.length);
      buffered = buffered.subarray(bodyStart + head.length);
    }
    continued = false;
    busy = true;
    handle(head.method, head.target, body)
      .catch((): FrontReply => refusal(500))
      .then((reply) => {
        busy = false;
        if (socket.destroyed || !send(reply, head)) return;
        // Pipelined requests wait until the client reads what it was sent.
        if (socket.writableNeedDrain) socket.once("drain", next);
        else next();
      });
  };

  socket.on("data", (chunk: Buffer) => {
    if (closing) return;
    buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
    // A client pipelining faster than it is answered waits for us, in its own buffers.
    if (buffered.length > bufferLimit) socket.pause();
    next();
  });
}

export function ocspFront(handle: FrontHandler, options: FrontOptions): Server {
  return createServer((socket) => serveConnection(socket, handle, options));
}
