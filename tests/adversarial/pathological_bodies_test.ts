/**
 * Pathological requests: publish bodies, paths and header values built to make a validator or a
 * regular expression backtrack. Each must be answered in milliseconds, through the real HTTP API
 * of the CLI (Deno, and the Node build), while a concurrent `/healthz` keeps answering: work
 * linear in the request's size, never a blocked event loop.
 *
 * The publish-body validator is also checked against the scanner it replaced (a regular
 * expression that took exponential time on a long string ending in a raw control character),
 * kept here as the oracle of the accepted language on short inputs, and against `JSON.parse`.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { isJsonText, scanJsonText } from "../../lib/json.ts";
import { decodeSegment, matchRoute } from "../../lib/api/routes.ts";
import { ensureNpmBuild } from "../helpers/node_target.ts";
import { KEY, type Runtime, SECRET, startCli } from "../helpers/target.ts";

/** The largest body the default `--max-message-size` (64 KiB) lets through. */
const LIMIT = 65_536;
/** How long any one pathological request, or a `/healthz` beside it, may take. */
const BUDGET_MS = 500;

/** `text` repeated to fill `size` characters, cut there. */
const fill = (text: string, size: number) =>
  text.repeat(Math.ceil(size / text.length)).slice(0, size);
const utf8Length = (text: string) => new TextEncoder().encode(text).length;
/** A body of `head`, `filler` repeated, `tail`, as close to the limit as whole repeats go. */
const body = (head: string, filler: string, tail: string) =>
  head +
  filler.repeat(Math.floor((LIMIT - utf8Length(head + tail)) / utf8Length(filler))) +
  tail;

/** Bodies, each with the status it must get: 400 not JSON, 200 published. */
const BODIES: [name: string, body: string, status: number][] = [
  ["the issue's 44 bytes", '{"text": "' + "a".repeat(31) + '\t"}', 400],
  ["a long string ending in a raw tab", body('{"text": "', "a", '\t"}'), 400],
  ["a long string with raw control characters", body('{"text": "', "aaaa\u0001", '"}'), 400],
  ["an unterminated string", body('{"text": "', "ab", ""), 400],
  ["many escapes, then a raw newline", body('"', 'a\\n\\"\\u00e9', '\n"'), 400],
  ["a bad \\u escape at the end", body('"', "ab\\/", '\\u12"'), 400],
  ["non-ASCII, lone surrogates and U+2028", body('["', "é\ud800\u2028a", '\u0000"]'), 400],
  ["deep nesting, unclosed", body("", "[", ""), 400],
  ["deep nesting around NaN", "[".repeat(32_000) + "NaN" + "]".repeat(32_000), 200],
  ["deep objects, unclosed", body("", '{"a":', ""), 400],
  ["a long run of digits, then junk", body("[", "1", "x]"), 400],
  ["a long fraction without exponent digits", body("[1.", "0", "e]"), 400],
  ["many NaNs then a string with a raw tab", body("[", "NaN, ", '"a\t"]'), 400],
  ["near-JSON: NaN, then a long string", body('{"a": NaN, "text": "', "a", '"}'), 200],
  ["near-JSON: NaN, then a long string with a tab", body('{"a": NaN, "t": "', "a", '\t"}'), 400],
  ["many keys, one missing its colon", body("{", '"k": 1, ', '"x" 1}'), 400],
  ["whitespace, then junk", body("", " \t\r\n", "x"), 400],
  ["many commas", body("[1", ",", "]"), 400],
];

/** Paths built for routes matched by greedy groups (each `/users/` a place to backtrack to). */
const PATHS: [name: string, path: string, status: number][] = [
  ["`/users/` repeated", "/api/1.0.0/" + KEY + fill("/users/", 60_000) + "x", 404],
  ["`/channels/` repeated", "/api/1.0.0/" + KEY + fill("/channels/", 60_000) + "x", 404],
  // A user route, whose key (all but the last `/users/x/`) is unknown.
  ["`/users/` repeated, then `x/`", "/api/1.0.0/" + KEY + fill("/users/", 60_000) + "x/", 401],
];

/** Watches `/healthz` until stopped: the slowest answer, in ms. */
function watchHealthz(base: string): { stop(): Promise<number> } {
  let running = true;
  let slowest = 0;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(10_000) });
      await res.body?.cancel();
      assert.equal(res.status, 200);
      slowest = Math.max(slowest, performance.now() - started);
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return slowest;
    },
  };
}

/**
 * Runs `requests` while `/healthz` is watched, then asserts that every request `requests` reports
 * through `took` and the slowest `/healthz` answer came within `BUDGET_MS`.
 */
async function withinBudget(
  base: string,
  requests: (took: (what: string, ms: number) => void) => Promise<void>,
): Promise<void> {
  const healthz = watchHealthz(base);
  const slow: string[] = [];
  const took = (what: string, ms: number) => {
    if (ms > BUDGET_MS) slow.push(`${what}: ${ms.toFixed(0)} ms`);
  };
  try {
    await requests(took);
  } finally {
    took("/healthz", await healthz.stop());
  }
  assert.deepEqual(slow, []);
}

/** Sends one request and answers its status and how long it took. */
async function timed(url: string, init: RequestInit): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(5_000) });
  await res.body?.cancel();
  return { status: res.status, ms: performance.now() - started };
}

/** Starts the CLI on `runtime`, runs `test` against its base URL, and always stops it. */
async function withCli(runtime: Runtime, test: (base: string) => Promise<void>): Promise<void> {
  if (runtime === "node") await ensureNpmBuild();
  const proc = await startCli(runtime, [KEY, SECRET]);
  let passed = false;
  try {
    await test(proc.base);
    passed = true;
  } finally {
    // A server stuck in a loop cannot take SIGTERM's way out.
    if (!passed) proc.child.kill("SIGKILL");
    await proc.stop();
    await Deno.remove(proc.pidPath).catch(() => {});
  }
}

for (const runtime of ["deno", "node"] as const) {
  Deno.test(`publish bodies built to backtrack are answered in milliseconds (${runtime})`, async () => {
    await withCli(runtime, async (base) => {
      const url = `${base}/api/1.0.0/${KEY}/channels/adversarial/`;
      const headers = { "X-Thunder-Secret-Key": SECRET, "Content-Type": "application/json" };
      await withinBudget(base, async (took) => {
        for (const [name, text, status] of BODIES) {
          assert.ok(utf8Length(text) <= LIMIT, name);
          const res = await timed(url, { method: "POST", body: text, headers });
          assert.equal(res.status, status, name);
          took(name, res.ms);
        }
      });
    });
  });

  Deno.test(`header values built to backtrack are answered in milliseconds (${runtime})`, async () => {
    await withCli(runtime, async (base) => {
      await withinBudget(base, async (took) => {
        // A run of inner whitespace in a header the server reads, in a head under Node's 16 KiB;
        // ten at once, as an attacker would send them.
        const headers = { "X-Thunder-Secret-Key": "a" + " \t".repeat(7_500) + "b" };
        const answers = await Promise.all(
          Array.from({ length: 10 }, () => timed(`${base}/api/1.0.0/${KEY}/users/`, { headers })),
        );
        for (const res of answers) assert.equal(res.status, 401);
        took("requests", Math.max(...answers.map((res) => res.ms)));
      });
    });
  });

  Deno.test(`API paths built to backtrack are answered in milliseconds (${runtime})`, async () => {
    await withCli(runtime, async (base) => {
      await withinBudget(base, async (took) => {
        // Node refuses request heads over 16 KiB (431), so there the paths are cut to fit; each
        // path three times at once, as an attacker would send them.
        const size = runtime === "node" ? 15_000 : 60_000;
        const headers = { "X-Thunder-Secret-Key": SECRET };
        await Promise.all([...PATHS, ...PATHS, ...PATHS].map(async ([name, path, status]) => {
          const res = await timed(base + path.slice(0, size - 2) + path.slice(-2), { headers });
          assert.equal(res.status, status, name);
          took(name, res.ms);
        }));
      });
    });
  });
}

// The scanner `isJsonText` fell back to before, as it was: the oracle of the accepted language.
// Its STRING pattern backtracks exponentially on a string that does not end, so it is only ever
// given short texts here.
const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
// deno-lint-ignore no-control-regex -- JSON strings exclude raw control characters
const STRING = /"(?:[^"\\\u0000-\u001f]+|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const LITERAL = /true|false|null|NaN|Infinity|-Infinity/y;

function oldScanJsonText(text: string): boolean {
  const stack: number[] = [];
  const n = text.length;
  let i = 0;
  const skip = () => {
    while (i < n && WS.has(text.charCodeAt(i))) i++;
  };
  const token = (re: RegExp): boolean => {
    re.lastIndex = i;
    if (!re.test(text)) return false;
    i = re.lastIndex;
    return true;
  };
  const key = (): boolean => {
    skip();
    if (!token(STRING)) return false;
    skip();
    return text.charCodeAt(i++) === 0x3a;
  };
  let expectValue = true;
  for (;;) {
    skip();
    const c = text.charCodeAt(i);
    if (expectValue) {
      if (c === 0x7b || c === 0x5b) {
        stack.push(c);
        i++;
        skip();
        if (text.charCodeAt(i) === c + 2) {
          stack.pop();
          i++;
          expectValue = false;
        } else if (c === 0x7b && !key()) return false;
        continue;
      }
      if (!(c === 0x22 ? token(STRING) : token(NUMBER) || token(LITERAL))) return false;
      expectValue = false;
      continue;
    }
    const top = stack[stack.length - 1];
    if (top === undefined) return i === n;
    if (c === 0x2c) {
      i++;
      if (top === 0x7b && !key()) return false;
      expectValue = true;
    } else if (c === top + 2) {
      stack.pop();
      i++;
    } else return false;
  }
}

/** Whether `JSON.parse` takes a text. */
function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Pieces of near-JSON: tokens, their broken halves, and the characters that end strings. */
const PIECE = fc.constantFrom(
  ...'{ } [ ] , : " "a" "k": \\ \\" \\n \\u \\u00 \\u00e9 \\uD83D \\x fF g G 0 1 - 01 1. .5 1e e5'
    .split(" "),
  ..."E+ -0 12.5e-3 true tru false null nul NaN -NaN Infinity -Infinity Inf é a /".split(" "),
  ...[" ", "\t", "\n", "\r", "\u0000", "\u001f", "\u007f", "\u2028", "\ud800", "\udc00", "\ufeff"],
);

/** JSON texts with Python's words among their values. */
const PY_JSON = fc.letrec<{ value: string; array: string; object: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.constantFrom("NaN", "Infinity", "-Infinity", "0", "-1.5e3", '"a"', '""', "true", "null"),
    tie("array"),
    tie("object"),
  ),
  array: fc.array(tie("value"), { maxLength: 3 }).map((items) => "[" + items.join(", ") + "]"),
  object: fc.array(tie("value"), { maxLength: 3 })
    .map((items) => "{" + items.map((item, i) => `"${i}": ${item}`).join(", ") + "}"),
})).value;

/** A text with a piece inserted at some place, and maybe a character removed there. */
const mutated = (text: fc.Arbitrary<string>) =>
  fc.tuple(text, fc.nat(), fc.string({ unit: PIECE, maxLength: 2 })).map(([text, at, insert]) => {
    const cut = at % (text.length + 1);
    return text.slice(0, cut) + insert + text.slice(cut + (at & 1));
  });

/** Strings of escapes, right and wrong. */
const ESCAPES = fc.array(
  fc.oneof(
    fc.string({ unit: fc.constantFrom(...'09afAFgG"'), maxLength: 5 }).map((hex) => "\\u" + hex),
    fc.constantFrom(...'"\\/bfnrtgux0 '.split("")).map((c) => "\\" + c),
  ),
  { maxLength: 3 },
).map((parts) => '"' + parts.join("") + '"');

/** Short near-JSON texts (the oracle is exponential only in a string's length). */
const NEAR_JSON = fc.oneof(
  fc.array(PIECE, { maxLength: 10 }).map((pieces) => pieces.join("")),
  fc.string({ unit: "binary", maxLength: 12 }),
  ESCAPES,
  PY_JSON,
  mutated(PY_JSON),
  mutated(fc.json({ maxDepth: 2 })),
).filter((text) => text.length <= 20);

Deno.test("isJsonText() accepts exactly what the scanner it replaced accepted", () => {
  fc.assert(
    fc.property(NEAR_JSON, (text) => {
      const expected = oldScanJsonText(text);
      assert.equal(scanJsonText(text), expected, JSON.stringify(text));
      assert.equal(isJsonText(text), expected, JSON.stringify(text));
    }),
    { numRuns: 20_000 },
  );
});

Deno.test("isJsonText() agrees with JSON.parse on JSON and on texts without Python's words", () => {
  fc.assert(
    fc.property(fc.json({ maxDepth: 6 }), fc.boolean(), (json, pretty) => {
      const text = pretty ? JSON.stringify(JSON.parse(json), null, "\t") : json;
      assert.equal(scanJsonText(text), true, text);
      assert.equal(isJsonText(text), true, text);
    }),
    { numRuns: 2_000 },
  );
  const noWords = fc.array(PIECE, { maxLength: 40 }).map((pieces) => pieces.join(""))
    .filter((text) => !/NaN|Infinity/.test(text));
  fc.assert(
    fc.property(noWords, (text) => {
      assert.equal(scanJsonText(text), parses(text), JSON.stringify(text));
    }),
    { numRuns: 20_000 },
  );
});

Deno.test("scanJsonText() takes time linear in the text's length", () => {
  // A few pathological shapes at 64 KiB and 4x that: the time may grow about 4x, not 16x.
  for (const [head, filler, tail] of [['"', "a", "\t"], ["[", "[", ""], ['"', "a\\n", "\\u12"]]) {
    const time = (size: number) => {
      const text = head + fill(filler, size) + tail;
      const started = performance.now();
      for (let i = 0; i < 5; i++) scanJsonText(text);
      return performance.now() - started;
    };
    time(LIMIT);
    const small = Math.max(time(LIMIT), 1);
    assert.ok(time(4 * LIMIT) < 10 * small, `${JSON.stringify(head + filler + tail)}`);
  }
});

// The route patterns `matchRoute` used before, as the oracle of what it matches.
const OLD_ROUTES = [
  ["users", /^\/api\/1\.0\.0\/(.+)\/users\/$/],
  ["user", /^\/api\/1\.0\.0\/(.+)\/users\/(.+)\/$/],
  ["channel", /^\/api\/1\.0\.0\/(.+)\/channels\/(.+)\/$/],
] as const;

function oldMatchRoute(path: string): unknown {
  for (const [kind, pattern] of OLD_ROUTES) {
    const m = pattern.exec(path);
    if (!m) continue;
    const publicKey = decodeSegment(m[1]);
    if (kind === "users") return { kind, publicKey };
    if (kind === "user") return { kind, publicKey, userId: decodeSegment(m[2]) };
    return { kind, publicKey, channel: decodeSegment(m[2]) };
  }
  return undefined;
}

Deno.test("matchRoute() matches what the original's patterns matched", () => {
  const segment = fc.constantFrom(
    ..."users channels users/ channels/ / // k x %2F %FF %e2%80%a8 api 1.0.0 .. .".split(" "),
    ...["\n", "\u2028", "\r", " ", "é"],
  );
  const path = fc.tuple(
    fc.constantFrom("/api/1.0.0/", "/api/1.0.0", "/api/1.0.1/", "api/1.0.0/", ""),
    fc.array(segment, { maxLength: 8 }),
  ).map(([prefix, parts]) => prefix + parts.join("/"));
  const outcome = (match: (path: string) => unknown, path: string) => {
    try {
      return match(path);
    } catch (error) {
      return (error as Error).message;
    }
  };
  fc.assert(
    fc.property(path, (path) => {
      assert.deepEqual(outcome(matchRoute, path), outcome(oldMatchRoute, path), path);
    }),
    { numRuns: 20_000 },
  );
});
