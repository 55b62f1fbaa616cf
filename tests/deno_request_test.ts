/**
 * How API request bodies are read on Deno, over real sockets: `readBody` and `readUtf8` through
 * the standard `Request` API, for a body sent with its request and one sent well after it, with
 * the limit checked before anything is read. The requests are written by hand, byte by byte where
 * a body is not UTF-8.
 */

import assert from "node:assert/strict";
import { serve } from "../lib/adapters/serve_deno.ts";
import { readBody, readUtf8 } from "../lib/http/body.ts";
import { HttpError } from "../lib/http/errors.ts";

/** Serves `handle`, sends `parts` on one raw connection (`pauseMs` apart), returns the answer. */
async function exchange(
  handle: (req: Request) => Response | Promise<Response>,
  parts: (string | Uint8Array)[],
  pauseMs = 0,
): Promise<string> {
  const server = serve(handle, { port: 0, hostname: "127.0.0.1" });
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
    try {
      for (const [i, part] of parts.entries()) {
        if (i > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
        await conn.write(typeof part === "string" ? new TextEncoder().encode(part) : part);
      }
      let text = "";
      const buffer = new Uint8Array(4096);
      while (!text.includes("\r\n\r\n") || !/\r\n\r\n[\s\S]*\n$/.test(text)) {
        const n = await conn.read(buffer);
        if (n === null) break;
        text += new TextDecoder().decode(buffer.subarray(0, n));
      }
      return text;
    } finally {
      conn.close();
    }
  } finally {
    await server.close();
  }
}

/**
 * A handler that reads each request's body with `read`, up to the limit in its `limit` query
 * parameter, and records what came (`show`n, or the error) and whether the body was left unread.
 */
function limitedReads<T>(
  results: string[],
  read: (req: Request, maxBytes: number) => Promise<T>,
  show: (value: T) => string,
) {
  return async (req: Request) => {
    const limit = Number(new URL(req.url).searchParams.get("limit"));
    const outcome = await read(req, limit).then(
      show,
      (error) => error instanceof HttpError ? `HttpError ${error.status}` : String(error),
    );
    results.push(`${outcome}${req.bodyUsed ? "" : " (left unread)"}`);
    return new Response("done\n");
  };
}

Deno.test("readBody reads a body sent with its request or after it, and refuses one over the limit unread", async () => {
  const results: string[] = [];
  const handle = limitedReads(results, readBody, (bytes) => new TextDecoder().decode(bytes));
  const body = "0123456789";
  const request = (limit: number) =>
    `POST /x?limit=${limit} HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\nConnection: close\r\n\r\n`;
  await exchange(handle, [request(10) + body]);
  await exchange(handle, [request(9) + body]);
  await exchange(handle, [request(10), body], 200);
  await exchange(handle, ["GET /x?limit=10 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"]);
  assert.deepEqual(results, [
    "0123456789",
    "HttpError 413 (left unread)",
    "0123456789",
    " (left unread)",
  ]);
});

/** A request head and body as one chunk of bytes. */
function concat(head: string, body: Uint8Array): Uint8Array {
  const headBytes = new TextEncoder().encode(head);
  const all = new Uint8Array(headBytes.length + body.length);
  all.set(headBytes);
  all.set(body, headBytes.length);
  return all;
}

/** Bodies, as bytes, that are UTF-8 and that are not. */
const UTF8_CASES: Record<string, number[]> = {
  "ASCII": [...new TextEncoder().encode('{"a": 1}')],
  "two-, three- and four-byte characters": [...new TextEncoder().encode('"é€😀"')],
  "a byte order mark first": [0xef, 0xbb, 0xbf, ...new TextEncoder().encode('"a"')],
  "a U+FFFD written": [0x22, 0xef, 0xbf, 0xbd, 0x22],
  "U+FFFD written twice, and a four-byte character": [
    ...new TextEncoder().encode('"\uFFFD\uFFFD😀"'),
  ],
  "a lone 0xFF": [0x22, 0xff, 0x22],
  "only lone bytes, as many as its characters": [0x80, 0xff],
  "a two-byte character cut after one byte": [0x22, 0xc3, 0x22],
  "a three-byte character cut after two bytes": [0x22, 0xe2, 0x82, 0x22],
  "an overlong slash": [0x22, 0xc0, 0xaf, 0x22],
  "a surrogate encoded": [0x22, 0xed, 0xa0, 0x80, 0x22],
  "a cut character and a U+FFFD written": [0x22, 0xc3, 0xef, 0xbf, 0xbd, 0x22],
  "a four-byte character cut after three bytes": [0x22, 0xf0, 0x9f, 0x98, 0x22],
};

Deno.test("readUtf8 answers what the strict decoder does, for every body sent with its request", async () => {
  const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  const got: Record<string, unknown> = {};
  const expected: Record<string, unknown> = {};
  for (const [name, list] of Object.entries(UTF8_CASES)) {
    const bytes = new Uint8Array(list);
    const handle = async (req: Request) => {
      got[name] = await readUtf8(req, 1_000);
      return new Response("done\n");
    };
    const head = `POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: ${bytes.length}\r\n\r\n`;
    await exchange(handle, [concat(head, bytes)]);
    try {
      expected[name] = strict.decode(bytes);
    } catch {
      expected[name] = null;
    }
  }
  assert.deepEqual(got, expected);
  assert.equal(Object.values(expected).filter((text) => text === null).length, 8);
});

Deno.test("readUtf8: a body still arriving is decoded strictly; limits hold", async () => {
  const results: string[] = [];
  const handle = limitedReads(results, readUtf8, (text) => JSON.stringify(text));
  const cut = new Uint8Array([0x22, 0xf0, 0x9f, 0x98, 0x22]);
  const head = (limit: number, n: number) =>
    `POST /x?limit=${limit} HTTP/1.1\r\nHost: h\r\nContent-Length: ${n}\r\nConnection: close\r\n\r\n`;
  await exchange(handle, [head(5, 5), cut], 200);
  await exchange(handle, [concat(head(4, 5), cut)]);
  await exchange(handle, [head(10, 10), "0123456789"], 200);
  await exchange(handle, [
    "POST /x?limit=4 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n" +
    "Connection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
  ]);
  assert.deepEqual(results, [
    "null",
    "HttpError 413 (left unread)",
    '"0123456789"',
    "HttpError 413",
  ]);
});
