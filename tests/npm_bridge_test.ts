/**
 * The request the Node adapter hands the handler (srvx's `NodeRequest`, lib/adapters/node_bridge.ts)
 * reads a body with `arrayBuffer()` straight from Node's request, and answers `headers.get()` and
 * `headers.has()` from Node's parsed headers, without a real `Request` or `Headers`. Seen from the
 * handler both must behave as undici's do: the same bytes, then a used body that every other
 * reader refuses; the same header values, repeated and padded ones included. A Node server built
 * from the npm package runs the same steps on the bridged request and on real undici objects, and
 * answers both outcomes; they must be equal.
 */

import assert from "node:assert/strict";
import { ensureNpmBuild, NPM_DIR } from "./helpers/node_target.ts";

const SERVER = `
import process from "node:process";
import { serve } from "file://${NPM_DIR}/esm/lib/adapters/serve_node.js";

/** What a handler sees of a request's body, step by step. */
async function steps(req) {
  const seen = [];
  const step = async (name, run) => {
    try {
      seen.push([name, await run()]);
    } catch (error) {
      seen.push([name, error.constructor.name + ": " + error.message]);
    }
  };
  await step("bodyUsed before", () => req.bodyUsed);
  await step("arrayBuffer", async () => Array.from(new Uint8Array(await req.arrayBuffer())));
  await step("bodyUsed after", () => req.bodyUsed);
  await step("body locked", () => req.body?.locked ?? null);
  await step("arrayBuffer again", async () => (await req.arrayBuffer()).byteLength);
  await step("text", () => req.text());
  await step("clone", () => req.clone().method);
  await step("method", () => req.method);
  await step("content-length", () => req.headers.get("content-length"));
  return seen;
}

/** What \`get\` and \`has\` say for each name, or the error they throw. */
function lookups(headers, names) {
  return names.map((name) => {
    try {
      return [name, headers.get(name), headers.has(name)];
    } catch (error) {
      return [name, error.constructor.name + ": " + error.message];
    }
  });
}

const server = await serve(async (req) => {
  if (new URL(req.url).pathname === "/headers") {
    const names = JSON.parse(req.headers.get("x-names"));
    const bridged = lookups(req.headers, names);
    // Iterating materializes the real Headers behind the lazy ones.
    const reference = lookups(new Headers([...req.headers]), names);
    return new Response(JSON.stringify({ bridged, reference }));
  }
  const bridged = await steps(req);
  // As srvx does: a body (empty, if none was sent) for every method but GET and HEAD.
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  const bytes = hasBody
    ? new Uint8Array(JSON.parse(new URL(req.url).searchParams.get("body") ?? "[]"))
    : null;
  const real = new Request(req.url, { method: req.method, headers: req.headers, body: bytes });
  const reference = await steps(real);
  return new Response(JSON.stringify({ bridged, reference }));
}, { port: 0, hostname: "127.0.0.1" });
console.log(\`listening \${server.addr.port}\`);
process.on("SIGTERM", async () => {
  await server.close();
  process.exit(0);
});
`;

async function startServer(): Promise<{ port: number; stop: () => Promise<void> }> {
  await ensureNpmBuild();
  const dir = await Deno.makeTempDir({ prefix: "thunderpush-bridge-" });
  await Deno.writeTextFile(`${dir}/server.mjs`, SERVER);
  const child = new Deno.Command("node", {
    args: [`${dir}/server.mjs`],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  while (!/listening (\d+)/.test(out)) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`the bridge server did not start: ${out}`);
    out += value;
  }
  reader.releaseLock();
  const port = Number(/listening (\d+)/.exec(out)![1]);
  return {
    port,
    stop: async () => {
      child.kill("SIGTERM");
      await child.status;
      await child.stdout.cancel().catch(() => {});
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("node bridge: arrayBuffer() read directly behaves as undici's Request", async () => {
  const server = await startServer();
  try {
    const body = new TextEncoder().encode('{"x": "é"}');
    const cases: [string, RequestInit][] = [
      ["with Content-Length", { method: "POST", body }],
      [
        "chunked",
        {
          method: "POST",
          body: new ReadableStream({
            start(controller) {
              controller.enqueue(body.subarray(0, 3));
              controller.enqueue(body.subarray(3));
              controller.close();
            },
          }),
        },
      ],
      ["without a body", { method: "POST" }],
      ["GET", { method: "GET" }],
    ];
    for (const [name, init] of cases) {
      const query = init.method === "GET" || !init.body
        ? ""
        : `?body=${encodeURIComponent(JSON.stringify([...body]))}`;
      const res = await fetch(`http://127.0.0.1:${server.port}/${query}`, init);
      const { bridged, reference } = await res.json();
      assert.deepEqual(bridged, reference, name);
    }
  } finally {
    await server.stop();
  }
});

/** Sends one raw HTTP/1.1 request and returns the response body (the server closes nothing). */
async function rawBody(port: number, request: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(new TextEncoder().encode(request));
    let text = "";
    const buffer = new Uint8Array(65_536);
    for (;;) {
      const n = await conn.read(buffer);
      if (n === null) break;
      text += new TextDecoder().decode(buffer.subarray(0, n));
      const end = text.indexOf("\r\n\r\n");
      const length = /\r\ncontent-length: *(\d+)/i.exec(text);
      if (end >= 0 && length && text.length >= end + 4 + Number(length[1])) {
        return text.slice(end + 4, end + 4 + Number(length[1]));
      }
    }
    throw new Error(`no complete answer: ${text}`);
  } finally {
    conn.close();
  }
}

Deno.test("node bridge: headers.get() and has() answer as undici's Headers", async () => {
  const server = await startServer();
  try {
    const names = [
      "x-thunder-secret-key",
      "X-Thunder-Secret-Key",
      "cookie",
      "set-cookie",
      "x-padded",
      "x-empty",
      "content-length",
      "absent",
      "bad name",
      "",
    ];
    const request = "GET /headers HTTP/1.1\r\nHost: h\r\n" +
      `X-Names: ${JSON.stringify(names)}\r\n` +
      "X-Thunder-Secret-Key: one\r\nx-thunder-secret-key:   two  \r\n" +
      "Cookie: a=1\r\ncookie: b=2\r\nSet-Cookie: s=1\r\nSet-Cookie: s=2\r\n" +
      "X-Padded: \t v \t\r\nX-Empty:\r\nConnection: close\r\n\r\n";
    const { bridged, reference } = JSON.parse(await rawBody(server.port, request));
    assert.deepEqual(bridged, reference);
    assert.deepEqual(bridged[0], ["x-thunder-secret-key", "one, two", true]);
    assert.deepEqual(bridged[2], ["cookie", "a=1; b=2", true]);
  } finally {
    await server.stop();
  }
});
