/**
 * Fuzzing with fast-check: generated API requests (paths, headers, bodies: invalid UTF-8, huge
 * and deeply nested JSON, near-JSON, percent-encoding edge cases) and generated SockJS frames and
 * commands. Strings are full UTF-16 (lone surrogates, control characters, U+2028, markup) and
 * run up to and past the size limits. The server never crashes, every answer is a documented
 * status or close frame, and the hub's invariants hold afterwards.
 *
 * Three targets: the server in this process with the in-memory broker (every case), the same with
 * a real Redis broker (a tenth), and the npm build on Node with `--redis` as a subprocess (a
 * fiftieth), which must still answer `/healthz` and have logged no uncaught error at the end.
 *
 * `FUZZ_RUNS` sets the number of generated API requests (default 3,000 here; `deno task fuzz`
 * runs 100,000). The frame fuzzing runs a tenth of that over real WebSockets.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { Thunderpush } from "../lib/server.ts";
import { RedisBroker } from "../lib/broker/redis.ts";
import { serve } from "../lib/adapters/serve_deno.ts";
import * as SOCKJS_CLOSE from "../lib/sockjs/close_codes.ts";
import * as THUNDER_CLOSE from "../lib/protocol/close_codes.ts";
import { assertHubEmpty, assertHubInvariants } from "./helpers/invariants.ts";
import { SockjsWs } from "./helpers/sockjs_ws.ts";
import { eventually, startCli } from "./helpers/target.ts";
import { ensureNpmBuild } from "./helpers/node_target.ts";
import { startRedis } from "./helpers/redis.ts";

const RUNS = Number(Deno.env.get("FUZZ_RUNS") ?? "3000");
const KEY = "fuzzkey";
const SECRET = "fuzzsecret";
/** The message size limit of the fuzzed servers (frames and API bodies). */
const MAX_MESSAGE = 2_048;

const API_STATUSES = new Set([200, 204, 400, 401, 404, 405, 413, 503]);
/**
 * Every documented close code (the catalogues of lib/sockjs/close_codes.ts and
 * lib/protocol/close_codes.ts) but 1011: an internal error is a bug, whatever the input.
 */
const CLOSE_CODES = new Set(
  [...Object.values(SOCKJS_CLOSE), ...Object.values(THUNDER_CLOSE)].flatMap((v) =>
    typeof v === "object" && v !== null && "code" in v && v !== SOCKJS_CLOSE.INTERNAL_ERROR
      ? [(v as { code: number }).code]
      : []
  ),
);

// Strings: full UTF-16 code units, the characters that break escaping, and long runs.
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const tricky = fc.constantFrom(
  "\u2028",
  "\u2029",
  "\ud800",
  "\udfff",
  "\ud83d\ude00",
  "\n",
  "\r",
  "\t",
  "\u0000",
  "\u001b[31m",
  "</script>",
  "<!--",
  "&amp;",
  "%",
  "/",
  ":",
  " ",
  "\ufeff",
  "é",
  '"',
  "\\",
);
const unit = fc.oneof(codeUnit, tricky, fc.constantFrom("a", "b", "news"));
/** Mostly short strings of any UTF-16; one in eight a long run up to `max` code units. */
function anyString(max: number): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 7, arbitrary: fc.string({ unit, maxLength: 12 }) },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.string({ unit, minLength: 1, maxLength: 6 }), fc.nat(max))
        .map(([s, n]) => s.repeat(Math.ceil(n / s.length)).slice(0, n)),
    },
  );
}

const segment = fc.oneof(
  fc.constantFrom("users", "channels", KEY, "api", "1.0.0", "", "%", "%FF", "%2F", "+", "%zz"),
  anyString(400).map((s) => encodeURIComponent(s.toWellFormed())),
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
/** Valid JSON with one character inserted, removed or replaced: what a scanner trips over. */
const nearJson = fc.tuple(
  fc.json({ maxDepth: 3 }),
  fc.nat(),
  fc.constantFrom(
    "\t",
    "\n",
    "\u0000",
    '"',
    "\\",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "e",
    "-",
    "\ud800",
  ),
  fc.constantFrom("insert", "remove", "replace"),
).map(([json, at, c, how]) => {
  const i = at % (json.length + 1);
  if (how === "insert") return json.slice(0, i) + c + json.slice(i);
  if (how === "remove") return json.slice(0, i) + json.slice(i + 1);
  return json.slice(0, i) + c + json.slice(i + 1);
});
/** Long near-JSON: a long string or number run broken at its end (backtracking bait). */
const pathological = fc.tuple(
  fc.integer({ min: 16, max: 64 * 1024 }),
  fc.constantFrom("a", "\\n", "\\u0041", "1", " ", "é"),
  fc.constantFrom("\t", "\u0001", "\\x", "\\u12", '"', ""),
  fc.constantFrom('{"text": "', '["', '"', "[1, ", "-"),
).map(([n, run, end, start]) => start + run.repeat(Math.ceil(n / run.length)) + end + '"}');

const body = fc.oneof(
  fc.json(),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  anyString(MAX_MESSAGE * 2),
  fc.uint8Array({ maxLength: 64 }),
  deepJson,
  nearJson,
  pathological,
  fc.constantFrom("NaN", "-Infinity", "", " ", '{"a":1}{', "\ufeff1", '"\\ud800"'),
  fc.integer({ min: MAX_MESSAGE - 8, max: MAX_MESSAGE + 8 }).map((n) =>
    JSON.stringify("x".repeat(n))
  ),
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

const command = fc.oneof(
  fc.tuple(
    fc.constantFrom("CONNECT", "connect", " CONNECT"),
    anyString(600),
    fc.constantFrom(KEY, "x"),
  )
    .map(([c, user, key]) => `${c} ${user}:${key}`),
  fc.tuple(
    fc.constantFrom("SUBSCRIBE", "UNSUBSCRIBE"),
    fc.array(fc.oneof(fc.constantFrom("a", "b", "c", "news"), anyString(600)), { maxLength: 4 }),
  ).map(([c, chans]) => `${c} ${chans.join(":")}`),
  anyString(MAX_MESSAGE),
  fc.string({ unit: "binary" }),
);

const frame = fc.oneof(
  fc.array(command, { maxLength: 5 }).map((cmds) => JSON.stringify(cmds)),
  command.map((c) => JSON.stringify(c)),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  anyString(MAX_MESSAGE),
  nearJson,
  fc.constantFrom("", "[", '["a"', "[1,2]", "null", "{}"),
  fc.integer({ min: 1_000, max: 3_000 }).map((n) => JSON.stringify(["x".repeat(n)])),
);

/** How a fuzzed server is reached. */
interface Fuzzed {
  /** `http://127.0.0.1:PORT`. */
  readonly base: string;
  /** Answers one request (in this process: the handler; else over the network). */
  fetch(req: Request): Promise<Response>;
  /** Pushes `"ping"` to the channel `news` (for the frame cases). */
  ping(): Promise<unknown>;
  /** Checks what can be checked of the server's state after a case. */
  check(): void;
}

function checkApiAnswer(method: string, url: URL, status: number, text: string): void {
  if (url.pathname.startsWith("/connect")) return;
  assert.ok(API_STATUSES.has(status), `${method} ${url.pathname} -> ${status}`);
  if (method === "HEAD") return; // over the network a HEAD answer has no body
  if (status >= 400) {
    const parsed = JSON.parse(text);
    assert.equal(parsed.status, status);
    assert.equal(typeof parsed.message, "string");
    assert.ok(text.endsWith("}\n"));
  } else if (status === 200 && method !== "OPTIONS" && method !== "HEAD") {
    assert.ok(/^\{"(count|online|users)": /.test(text), text);
  }
}

async function fuzzApi(target: Fuzzed, runs: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(request, async (r) => {
      const headers: Record<string, string> = {};
      if (r.secret !== undefined) headers["X-Thunder-Secret-Key"] = r.secret;
      if (r.contentType) headers["Content-Type"] = r.contentType;
      let url: URL;
      try {
        url = new URL(r.path, target.base);
      } catch {
        return; // not a request a client could send
      }
      // "//host/..." is another host: only this server on loopback is ever a target.
      if (url.origin !== new URL(target.base).origin) return;
      const hasBody = r.method !== "GET" && r.method !== "HEAD";
      const res = await target.fetch(
        new Request(url, { method: r.method, headers, body: hasBody ? r.body : undefined }),
      );
      checkApiAnswer(r.method, url, res.status, await res.text());
    }),
    { numRuns: runs },
  );
  target.check();
}

async function fuzzFrames(target: Fuzzed, runs: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 8 }), async (frames) => {
      const client = await SockjsWs.session(target.base);
      for (const f of frames) client.sendRaw(f);
      // A publish after the frames: the client either got closed or is still served.
      await target.ping();
      await new Promise((r) => setTimeout(r, 5));
      target.check();
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
    { numRuns: runs },
  );
}

/** This process's server with a broker; `fetch` calls the handler directly. */
async function inProcess(
  broker?: (redisUrl: string) => (hub: ConstructorParameters<typeof RedisBroker>[0]) => RedisBroker,
  redisUrl = "",
) {
  let redis: RedisBroker | undefined;
  const thunder = new Thunderpush({
    apps: [{ publicKey: KEY, secret: SECRET }],
    maxMessageSize: MAX_MESSAGE,
    ...(broker ? { broker: (hub) => redis = broker(redisUrl)(hub) } : {}),
  });
  await redis?.whenReady();
  const server = serve(thunder.fetch, { port: 0, hostname: "127.0.0.1" });
  const app = thunder.hub.app(KEY)!;
  const target: Fuzzed = {
    base: `http://127.0.0.1:${server.addr.port}`,
    fetch: (req) => thunder.fetch(req),
    ping: async () => await thunder.broker.publishToChannel(app, "news", '"ping"'),
    check: () => assertHubInvariants(thunder.hub),
  };
  return {
    target,
    async close() {
      await eventually(() => Promise.resolve(app.connectionCount === 0));
      assertHubEmpty(thunder.hub);
      assert.equal(thunder.sockjs.connectionCount, 0);
      await thunder.close();
      await server.close();
    },
  };
}

Deno.test("fuzz: generated API requests get documented statuses and JSON bodies", async () => {
  const { target, close } = await inProcess();
  try {
    await fuzzApi(target, RUNS);
  } finally {
    await close();
  }
});

Deno.test("fuzz: generated SockJS frames and commands; close frames are documented, the hub stays consistent", async () => {
  const { target, close } = await inProcess();
  try {
    await fuzzFrames(target, Math.max(50, Math.floor(RUNS / 10)));
  } finally {
    await close();
  }
});

Deno.test("fuzz: a share of the cases against a real Redis broker", async () => {
  const redis = await startRedis();
  const { target, close } = await inProcess(
    (url) => (hub) => new RedisBroker(hub, { url, presenceTtl: 15_000 }),
    redis.url,
  );
  try {
    await fuzzApi(target, Math.max(100, Math.floor(RUNS / 10)));
    await fuzzFrames(target, Math.max(30, Math.floor(RUNS / 50)));
  } finally {
    await close();
    await redis.stop();
  }
});

Deno.test("fuzz: a share of the cases against the Node build with --redis", async () => {
  await ensureNpmBuild();
  const redis = await startRedis();
  const proc = await startCli("node", [
    "--max-message-size",
    String(MAX_MESSAGE),
    "--redis",
    redis.url,
    KEY,
    SECRET,
  ]);
  const secretHeaders = { "X-Thunder-Secret-Key": SECRET };
  const target: Fuzzed = {
    base: proc.base,
    fetch: (req) => fetch(req),
    ping: () =>
      fetch(`${proc.base}/api/1.0.0/${KEY}/channels/news/`, {
        method: "POST",
        headers: secretHeaders,
        body: '"ping"',
      }).then((r) => r.body?.cancel()),
    check: () => {},
  };
  try {
    await fuzzApi(target, Math.max(60, Math.floor(RUNS / 50)));
    await fuzzFrames(target, Math.max(30, Math.floor(RUNS / 50)));
    const health = await fetch(`${proc.base}/healthz`);
    assert.equal(health.status, 200, await health.text());
    // Every session is gone: nobody is online any more.
    await eventually(async () => {
      const users = await fetch(`${proc.base}/api/1.0.0/${KEY}/users/`, {
        headers: secretHeaders,
      });
      return (await users.text()) === '{"count": 0}\n';
    }, 15_000);
  } finally {
    const status = await proc.stop();
    await Deno.remove(proc.pidPath).catch(() => {});
    await redis.stop();
    assert.ok(!/Uncaught|ERROR/.test(proc.stderr()), proc.stderr().slice(-2_000));
    assert.ok(status.success || status.signal === "SIGTERM", proc.stderr().slice(-2_000));
  }
});
