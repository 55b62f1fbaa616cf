/**
 * How the Deno adapter reads API requests for less, over real sockets: bodies Deno holds in full
 * are read at once (`heldBody` and `heldText`, installed by its `serve` for `readBody` and
 * `readUtf8`), and headers are read without making the request's `Headers` (`innerRequestHeader`,
 * for `requestHeader`). The requests are written by hand, byte by byte where a body is not UTF-8,
 * so that a body can come with its request or well after it.
 */

import assert from "node:assert/strict";
import { heldBody, heldText, innerRequestHeader, serve } from "../lib/runtime/serve_deno.ts";
import { requestHeader } from "../lib/api/request_header.ts";
import { readBody, readUtf8 } from "../lib/api/body.ts";
import { HttpError } from "../lib/api/errors.ts";

/** What the handler saw of one request. */
interface Seen {
  held: string | undefined;
  bodyUsed: boolean;
  readAgain: string;
}

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

/** A handler that records what `heldBody` gives and whether the body can be read after. */
function recorder(seen: Seen[]) {
  return async (req: Request) => {
    const held = heldBody(req);
    const entry: Seen = {
      held: held && new TextDecoder().decode(held),
      bodyUsed: req.bodyUsed,
      readAgain: "",
    };
    seen.push(entry);
    entry.readAgain = await req.text().then((text) => `read: ${text}`, (e) => e.constructor.name);
    return new Response("done\n");
  };
}

const post = (body: string) =>
  `POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;

Deno.test("heldBody takes a body that came with its request, and marks it read", async () => {
  const seen: Seen[] = [];
  const body = '{"hello": "world"}';
  const answer = await exchange(recorder(seen), [post(body) + body]);
  assert.match(answer, /^HTTP\/1.1 200/);
  assert.deepEqual(seen, [{ held: body, bodyUsed: true, readAgain: "TypeError" }]);
});

Deno.test("heldBody leaves a body still arriving to be read as it comes", async () => {
  const seen: Seen[] = [];
  const body = '{"late": true}';
  const answer = await exchange(recorder(seen), [post(body), body], 200);
  assert.match(answer, /^HTTP\/1.1 200/);
  assert.deepEqual(seen, [{ held: undefined, bodyUsed: false, readAgain: `read: ${body}` }]);
});

Deno.test("heldBody takes nothing from a request without a body", async () => {
  const seen: Seen[] = [];
  await exchange(recorder(seen), ["GET /x HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"]);
  assert.deepEqual(seen, [{ held: undefined, bodyUsed: false, readAgain: "read: " }]);
});

/**
 * A handler that reads each request's body with `read`, up to the limit in its `limit` query
 * parameter, and records how it came (at once or as a promise), what came (`show`n, or the
 * error), and whether the body was left unread.
 */
function limitedReads<T>(
  results: string[],
  read: (req: Request, maxBytes: number) => T | Promise<T>,
  show: (value: T) => string,
) {
  return async (req: Request) => {
    const limit = Number(new URL(req.url).searchParams.get("limit"));
    const reading = read(req, limit);
    const kind = reading instanceof Promise ? "promise" : "at once";
    const outcome = await Promise.resolve(reading).then(
      show,
      (error) => error instanceof HttpError ? `HttpError ${error.status}` : String(error),
    );
    results.push(`${kind}: ${outcome}${req.bodyUsed ? "" : " (left unread)"}`);
    return new Response("done\n");
  };
}

Deno.test("serve installs heldBody: readBody answers at once, and refuses a body over the limit unread", async () => {
  const results: string[] = [];
  const handle = limitedReads(results, readBody, (bytes) => new TextDecoder().decode(bytes));
  const body = "0123456789";
  const request = (limit: number) =>
    `POST /x?limit=${limit} HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\nConnection: close\r\n\r\n`;
  await exchange(handle, [request(10) + body]);
  await exchange(handle, [request(9) + body]);
  await exchange(handle, [request(10), body], 200);
  assert.deepEqual(results, [
    "at once: 0123456789",
    "promise: HttpError 413 (left unread)",
    "promise: 0123456789",
  ]);
});

Deno.test("innerRequestHeader answers what Headers.get does, without making the Headers", async () => {
  const answers: unknown[] = [];
  const kept: Request[] = [];
  const handle = (req: Request) => {
    const names = ["X-Thunder-Secret-Key", "x-thunder-secret-key", "X-Spaced", "X-Missing"];
    answers.push(names.map((name) => innerRequestHeader(req, name)));
    answers.push(names.map((name) => requestHeader(req, name))); // serve installed it
    kept.push(req);
    return new Response("done\n");
  };
  await exchange(handle, [
    "GET /x HTTP/1.1\r\nHost: h\r\nX-Thunder-Secret-Key: one\r\nX-Spaced:  a b  \r\n" +
    "x-thunder-secret-key: two\r\nConnection: close\r\n\r\n",
  ]);
  const expected = ["one, two", "one, two", "a b", null];
  assert.deepEqual(answers, [expected, expected]);
  // Deno keeps a request's headers readable after its answer only when the handler made them:
  // these were never made, so the closed request cannot tell them any more.
  assert.throws(() => kept[0].headers.get("X-Spaced"), /closed/);
});

Deno.test("innerRequestHeader asks the Headers of a request not from Deno.serve", () => {
  const req = new Request("http://h/", { headers: [["X-A", "1"], ["x-a", "2"]] });
  assert.equal(innerRequestHeader(req, "X-A"), "1, 2");
  assert.equal(innerRequestHeader(req, "X-B"), null);
});

Deno.test("heldText takes, as text, a body that came with its request, and marks it read", async () => {
  const seen: unknown[] = [];
  const handle = async (req: Request) => {
    const text = heldText(req);
    const bodyUsed = req.bodyUsed;
    const readAgain = await req.text().then((t) => `read: ${t}`, (e) => e.constructor.name);
    seen.push({ text, bodyUsed, readAgain });
    return new Response("done\n");
  };
  const body = '{"héllo": "wörld 😀"}';
  const bytes = new TextEncoder().encode(body);
  const head = (n: number) => `POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: ${n}\r\n\r\n`;
  await exchange(handle, [concat(head(bytes.length), bytes)]);
  await exchange(handle, [head(bytes.length), bytes], 200);
  await exchange(handle, ["GET /x HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"]);
  assert.deepEqual(seen, [
    { text: body, bodyUsed: true, readAgain: "TypeError" },
    { text: undefined, bodyUsed: false, readAgain: `read: ${body}` },
    { text: "", bodyUsed: false, readAgain: "read: " },
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

Deno.test("serve installs heldText: readUtf8 takes UTF-8 at once, and refuses what is not, as the strict decoder does", async () => {
  const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  const lossy = new TextDecoder("utf-8", { ignoreBOM: true });
  const got: Record<string, unknown> = {};
  const expected: Record<string, unknown> = {};
  const deno: Record<string, unknown> = {};
  for (const [name, list] of Object.entries(UTF8_CASES)) {
    const bytes = new Uint8Array(list);
    const handle = (req: Request) => {
      const read = readUtf8(req, 1_000);
      got[name] = read instanceof Promise ? "promise" : read;
      return new Response("done\n");
    };
    const head = `POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: ${bytes.length}\r\n\r\n`;
    await exchange(handle, [concat(head, bytes)]);
    let decoded: string | null;
    try {
      decoded = strict.decode(bytes);
    } catch {
      decoded = null;
    }
    expected[name] = decoded;
    // What Deno hands over is the lossy decoder's text, which readUtf8 checks.
    await exchange((req) => {
      deno[name] = heldText(req);
      return new Response("done\n");
    }, [concat(head, bytes)]);
    assert.equal(deno[name], lossy.decode(bytes), name);
  }
  // The one kind of bytes that are not UTF-8 and cannot be told from a U+FFFD written, from the
  // text and the length alone: it is taken as a U+FFFD written (see readUtf8).
  const cut = "a four-byte character cut after three bytes";
  assert.equal(expected[cut], null);
  assert.equal(got[cut], '"\uFFFD"');
  got[cut] = null;
  assert.deepEqual(got, expected);
  assert.equal(Object.values(expected).filter((text) => text === null).length, 8);
});

Deno.test("readUtf8: a body still arriving comes as a promise and is decoded strictly; limits hold", async () => {
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
    "promise: null",
    "promise: HttpError 413 (left unread)",
    'promise: "0123456789"',
    "promise: HttpError 413",
  ]);
});
