/**
 * Fuzzing with fast-check: generated API requests (paths, headers, bodies: invalid UTF-8, huge
 * and deeply nested JSON, percent-encoding edge cases) and generated SockJS frames and commands.
 * The server never crashes, every answer is a documented status or close frame, and the hub's
 * invariants hold afterwards.
 *
 * `FUZZ_RUNS` sets the number of generated API requests (default 3,000 here; `deno task fuzz`
 * runs 100,000). The frame fuzzing runs a tenth of that over real WebSockets.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { Thunderpush } from "../lib/server.ts";
import { serve } from "../lib/runtime/serve_deno.ts";
import { assertHubEmpty, assertHubInvariants } from "./helpers/invariants.ts";
import { SockjsWs } from "./helpers/sockjs_ws.ts";
import { eventually } from "./helpers/target.ts";

const RUNS = Number(Deno.env.get("FUZZ_RUNS") ?? "3000");
const KEY = "fuzzkey";
const SECRET = "fuzzsecret";

const API_STATUSES = new Set([200, 204, 400, 401, 404, 405, 413]);
const CLOSE_CODES = new Set([9000, 9001, 9003, 1002, 1008, 1009]);

const segment = fc.oneof(
  fc.constantFrom("users", "channels", KEY, "api", "1.0.0", "", "%", "%FF", "%2F", "+", "%zz"),
  fc.string({ maxLength: 12 }).map(encodeURIComponent),
  fc.uint8Array({ maxLength: 6 }).map((bytes) =>
    [...bytes].map((b) => "%" + b.toString(16).padStart(2, "0")).join("")
  ),
  fc.string({ unit: "grapheme", maxLength: 8 }),
);

const path = fc.oneof(
  fc.tuple(fc.constantFrom("users", "channels"), fc.array(segment, { maxLength: 3 }), fc.boolean())
    .map(([kind, rest, slash]) => `/api/1.0.0/${KEY}/${kind}/${rest.join("/")}${slash ? "/" : ""}`),
  fc.array(segment, { maxLength: 6 }).map((parts) => "/" + parts.join("/")),
  fc.constantFrom(`/api/1.0.0/${KEY}/users/`, `/api/1.0.0/${KEY}/channels/c/`, "/connect/info"),
);

const deepJson = fc.integer({ min: 1, max: 5_000 }).map((depth) =>
  "[".repeat(depth) + "]".repeat(depth)
);
const body = fc.oneof(
  fc.json(),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.string(),
  fc.uint8Array({ maxLength: 64 }),
  deepJson,
  fc.constantFrom("NaN", "-Infinity", "", " ", '{"a":1}{', "\ufeff1", '"\\ud800"'),
  fc.integer({ min: 60_000, max: 70_000 }).map((n) => JSON.stringify("x".repeat(n))),
);

const request = fc.record({
  method: fc.constantFrom("GET", "POST", "DELETE", "OPTIONS", "PUT", "HEAD", "PATCH"),
  path,
  secret: fc.option(fc.constantFrom(SECRET, "wrong", "", SECRET + " x"), { nil: undefined }),
  body,
  contentType: fc.option(fc.constantFrom("application/json", "text/plain", "x/y"), {
    nil: undefined,
  }),
});

Deno.test("fuzz: generated API requests get documented statuses and JSON bodies", async () => {
  const thunder = new Thunderpush({ apps: [{ publicKey: KEY, secret: SECRET }] });
  try {
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const headers: Record<string, string> = {};
        if (r.secret !== undefined) headers["X-Thunder-Secret-Key"] = r.secret;
        if (r.contentType) headers["Content-Type"] = r.contentType;
        let url: URL;
        try {
          url = new URL(r.path, "http://localhost");
        } catch {
          return; // not a request a client could send
        }
        const hasBody = r.method !== "GET" && r.method !== "HEAD";
        const res = await thunder.fetch(
          new Request(url, { method: r.method, headers, body: hasBody ? r.body : undefined }),
        );
        const text = await res.text();
        if (url.pathname.startsWith("/connect")) return;
        assert.ok(API_STATUSES.has(res.status), `${r.method} ${r.path} -> ${res.status}`);
        if (res.status >= 400) {
          const parsed = JSON.parse(text);
          assert.equal(parsed.status, res.status);
          assert.equal(typeof parsed.message, "string");
          assert.ok(text.endsWith("}\n"));
        } else if (res.status === 200 && r.method !== "OPTIONS" && r.method !== "HEAD") {
          assert.ok(/^\{"(count|online|users)": /.test(text), text);
        }
      }),
      { numRuns: RUNS },
    );
    assertHubInvariants(thunder.hub);
  } finally {
    await thunder.close();
  }
});

const command = fc.oneof(
  fc.tuple(
    fc.constantFrom("CONNECT", "connect", " CONNECT"),
    fc.string(),
    fc.constantFrom(KEY, "x"),
  )
    .map(([c, user, key]) => `${c} ${user}:${key}`),
  fc.tuple(
    fc.constantFrom("SUBSCRIBE", "UNSUBSCRIBE"),
    fc.array(fc.oneof(fc.constantFrom("a", "b", "c", "news"), fc.string()), { maxLength: 4 }),
  ).map(([c, chans]) => `${c} ${chans.join(":")}`),
  fc.string(),
  fc.string({ unit: "binary" }),
);

const frame = fc.oneof(
  fc.array(command, { maxLength: 5 }).map((cmds) => JSON.stringify(cmds)),
  command.map((c) => JSON.stringify(c)),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.string(),
  fc.constantFrom("", "[", '["a"', "[1,2]", "null", "{}"),
  fc.integer({ min: 1_000, max: 3_000 }).map((n) => JSON.stringify(["x".repeat(n)])),
);

Deno.test("fuzz: generated SockJS frames and commands; close frames are documented, the hub stays consistent", async () => {
  const thunder = new Thunderpush({
    apps: [{ publicKey: KEY, secret: SECRET }],
    maxMessageSize: 2_048,
  });
  const server = serve(thunder.fetch, { port: 0, hostname: "127.0.0.1" });
  const base = `http://127.0.0.1:${server.addr.port}`;
  const app = thunder.hub.app(KEY)!;
  try {
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 8 }), async (frames) => {
        const client = await SockjsWs.session(base);
        for (const f of frames) client.sendRaw(f);
        // A publish after the frames: the client either got closed or is still served.
        await thunder.broker.publishToChannel(app, "news", '"ping"');
        await new Promise((r) => setTimeout(r, 5));
        assertHubInvariants(thunder.hub);
        await client.close();
        for (const f of client.frames.slice(1)) {
          if (f.startsWith("c")) {
            const [code] = JSON.parse(f.slice(1));
            assert.ok(CLOSE_CODES.has(code), `undocumented close frame ${f}`);
          } else {
            assert.ok(f === "h" || f.startsWith("a["), `unexpected frame ${f}`);
          }
        }
      }),
      { numRuns: Math.max(50, Math.floor(RUNS / 10)) },
    );
    await eventually(() => Promise.resolve(app.connectionCount === 0));
    assertHubEmpty(thunder.hub);
    assert.equal(thunder.sockjs.connectionCount, 0);
  } finally {
    await thunder.close();
    await server.close();
  }
});
