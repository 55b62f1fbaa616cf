/**
 * How the Deno adapter reads API requests for less, over real sockets: bodies Deno holds in full
 * are read at once (`heldBody`, installed by its `serve` for `readBody`), and headers are read
 * without making the request's `Headers` (`innerRequestHeader`, for `requestHeader`). The
 * requests are written by hand, so that a body can come with its request or well after it.
 */

import assert from "node:assert/strict";
import { heldBody, innerRequestHeader, serve } from "../lib/runtime/serve_deno.ts";
import { requestHeader } from "../lib/api/request_header.ts";
import { readBody } from "../lib/api/body.ts";
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
  parts: string[],
  pauseMs = 0,
): Promise<string> {
  const server = serve(handle, { port: 0, hostname: "127.0.0.1" });
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
    try {
      for (const [i, part] of parts.entries()) {
        if (i > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
        await conn.write(new TextEncoder().encode(part));
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

Deno.test("serve installs heldBody: readBody answers at once, and refuses a body over the limit unread", async () => {
  const results: string[] = [];
  const handle = async (req: Request) => {
    const limit = Number(new URL(req.url).searchParams.get("limit"));
    const read = readBody(req, limit);
    const kind = read instanceof Uint8Array ? "at once" : "promise";
    const outcome = await Promise.resolve(read).then(
      (bytes) => new TextDecoder().decode(bytes),
      (error) => error instanceof HttpError ? `HttpError ${error.status}` : String(error),
    );
    results.push(`${kind}: ${outcome}${req.bodyUsed ? "" : " (left unread)"}`);
    return new Response("done\n");
  };
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
