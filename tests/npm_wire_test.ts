/**
 * The Node adapter puts the same answers on the wire as `Deno.serve`: the same raw HTTP requests
 * go to Thunderpush served in-process by Deno and to the npm build run by Node, and the raw
 * answers are compared: the status line, each header's value, and the body with its framing
 * (`content-length` or chunked) byte for byte. Header names are compared without case and in no
 * order (no client can tell), `date`, `Connection` and `Keep-Alive` are left out (Node says
 * `keep-alive` where Deno says nothing), and the values of `Expires` and the `/info` entropy are
 * masked. The differences that remain are spelled out below, as in docs/runtimes.md.
 */

import assert from "node:assert/strict";
import { inProcess, KEY, SECRET, type Target } from "./helpers/target.ts";
import { nodeBuild } from "./helpers/node_target.ts";

const encoder = new TextEncoder();

/** Whether `text` holds one complete HTTP response. */
function complete(text: string, head: boolean): boolean {
  const end = text.indexOf("\r\n\r\n");
  if (end < 0) return false;
  const lines = text.slice(0, end).toLowerCase();
  const body = text.slice(end + 4);
  if (head || /^http\/1\.[01] (1\d\d|204|304) /.test(lines)) return true;
  const length = /\r\ncontent-length: *(\d+)/.exec(lines);
  if (length) return body.length >= Number(length[1]);
  if (/\r\ntransfer-encoding: *chunked/.test(lines)) return /(^|\r\n)0\r\n\r\n$/.test(body);
  return false; // the body ends with the connection
}

/** Sends a raw request on a new connection and returns the raw response (latin1). */
async function exchange(port: number, request: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const timer = setTimeout(() => conn.close(), 3_000);
  let text = "";
  try {
    await conn.write(encoder.encode(request));
    const buffer = new Uint8Array(65_536);
    while (!complete(text, request.startsWith("HEAD "))) {
      const n = await conn.read(buffer).catch(() => null);
      if (n === null) break;
      text += String.fromCharCode(...buffer.subarray(0, n));
    }
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch { /* closed by the timer */ }
  }
  return text;
}

/** Left out of the comparison: when the answer was made, and how the connection is kept. */
const UNCOMPARED = new Set(["date", "connection", "keep-alive"]);

/**
 * An answer made comparable: the status line, the header lines with lower-case names and in
 * sorted order (without `UNCOMPARED`), then the body; times and the random `/info` entropy
 * masked.
 */
function mask(response: string): string {
  const end = response.indexOf("\r\n\r\n");
  if (end < 0) return response;
  const [status, ...lines] = response.slice(0, end).split("\r\n");
  let body = response.slice(end + 4);
  const entropy = /"entropy":\d+/.test(body);
  body = body.replace(/"entropy":\d+/, '"entropy":0');
  const headers = lines.map((line) => {
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).toLowerCase();
    let value = line.slice(colon + 1).trim();
    if (name === "expires" || (entropy && name === "content-length")) value = "X";
    return [name, value] as const;
  }).filter(([name]) => !UNCOMPARED.has(name))
    .map(([name, value]) => `${name}: ${value}`).sort();
  return [status, ...headers].join("\r\n") + "\r\n\r\n" + body;
}

const KEYED = `X-Thunder-Secret-Key: ${SECRET}\r\n`;
const API = `/api/1.0.0/${KEY}`;
const HANDSHAKE = "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n";

/** Raw requests, each on its own connection, in this order on both servers. */
const REQUESTS: readonly (readonly [string, string])[] = [
  ["greeting", "GET /connect HTTP/1.1\r\nHost: h\r\n\r\n"],
  ["greeting, client closes", "GET /connect/ HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"],
  ["info with an origin", "GET /connect/info HTTP/1.1\r\nHost: h\r\nOrigin: http://a.test\r\n\r\n"],
  [
    "info preflight",
    "OPTIONS /connect/info HTTP/1.1\r\nHost: h\r\nOrigin: http://a.test\r\n" +
    "Access-Control-Request-Headers: x-a\r\n\r\n",
  ],
  ["HEAD on the greeting", "HEAD /connect HTTP/1.1\r\nHost: h\r\n\r\n"],
  ["users", `GET ${API}/users/ HTTP/1.1\r\nHost: h\r\n${KEYED}\r\n`],
  ["wrong secret", `GET ${API}/users/ HTTP/1.1\r\nHost: h\r\nX-Thunder-Secret-Key: no\r\n\r\n`],
  [
    "push to a channel",
    `POST ${API}/channels/a/ HTTP/1.1\r\nHost: h\r\n${KEYED}Content-Length: 8\r\n\r\n{"x": 1}`,
  ],
  [
    "chunked push",
    `POST ${API}/users/u/ HTTP/1.1\r\nHost: h\r\n${KEYED}Transfer-Encoding: chunked\r\n\r\n` +
    `3\r\n"h"\r\n0\r\n\r\n`,
  ],
  [
    "bad JSON",
    `POST ${API}/channels/a/ HTTP/1.1\r\nHost: h\r\n${KEYED}Content-Length: 3\r\n\r\n{x}`,
  ],
  [
    "too large",
    `POST ${API}/channels/a/ HTTP/1.1\r\nHost: h\r\n${KEYED}Content-Length: 70000\r\n\r\n`,
  ],
  ["delete a user", `DELETE ${API}/users/x/ HTTP/1.1\r\nHost: h\r\n${KEYED}\r\n`],
  ["API preflight", `OPTIONS ${API}/users/ HTTP/1.1\r\nHost: h\r\n\r\n`],
  ["not found", "GET /nothing HTTP/1.1\r\nHost: h\r\n\r\n"],
  ["websocket: wrong method", "POST /connect/0/a/websocket HTTP/1.1\r\nHost: h\r\n\r\n"],
  ["websocket: no upgrade", "GET /connect/0/a/websocket HTTP/1.1\r\nHost: h\r\n\r\n"],
  ["xhr: a session opens", "POST /connect/0/xhrsession/xhr HTTP/1.1\r\nHost: h\r\n\r\n"],
  [
    "handshake refused: no key",
    `GET /connect/websocket HTTP/1.1\r\nHost: h\r\n${HANDSHAKE}\r\n`,
  ],
  [
    "websocket handshake",
    `GET /connect/websocket HTTP/1.1\r\nHost: h\r\n${HANDSHAKE}` +
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
  ],
];

/**
 * The known difference, as a function from Deno's answer to Node's: Node's status line always
 * says HTTP/1.1 (what RFC 9110 asks for); Deno echoes HTTP/1.0.
 */
const DIFFERENCES: readonly (readonly [string, string, (deno: string) => string])[] = [
  [
    "HTTP/1.0",
    "GET /connect HTTP/1.0\r\nHost: h\r\n\r\n",
    (deno) => deno.replace(/^HTTP\/1\.0/, "HTTP/1.1"),
  ],
  [
    "HTTP/1.0 keep-alive",
    "GET /connect HTTP/1.0\r\nHost: h\r\nConnection: keep-alive\r\n\r\n",
    (deno) => deno.replace(/^HTTP\/1\.0/, "HTTP/1.1"),
  ],
];

async function answers(target: Target, requests: readonly (readonly [string, string])[]) {
  const port = Number(new URL(target.base).port);
  const out: string[] = [];
  for (const [, request] of requests) out.push(mask(await exchange(port, request)));
  return out;
}

Deno.test("node build: answers as Deno.serve does", async () => {
  const deno = await inProcess();
  const node = await nodeBuild();
  try {
    const expected = await answers(deno, REQUESTS);
    const actual = await answers(node, REQUESTS);
    REQUESTS.forEach(([name], i) => {
      assert.ok(expected[i].startsWith("HTTP/1.1 "), `${name}: ${expected[i]}`);
      assert.equal(actual[i], expected[i], name);
    });
    const pairs = DIFFERENCES.map(([, request]) => ["", request] as const);
    const denoOdd = await answers(deno, pairs);
    const nodeOdd = await answers(node, pairs);
    DIFFERENCES.forEach(([name, , fromDeno], i) => {
      assert.ok(/^HTTP\/1\.[01] /.test(denoOdd[i]), `${name}: ${denoOdd[i]}`);
      assert.equal(nodeOdd[i], fromDeno(denoOdd[i]), name);
    });
  } finally {
    await Promise.all([deno.close(), node.close()]);
  }
});
