/**
 * Fuzzing the token field of `CONNECT user:key:TOKEN` on servers with `--require-token`:
 * random text, valid tokens with one character changed, random JSON claims signed with the
 * right secret, and headers naming any algorithm. Every session either joins as the token's own
 * user or is closed with 9004, 9005 or 1009; nothing else, never a crash, and the hub stays
 * consistent. In this process (`FUZZ_RUNS`, default 3,000, a tenth of it here) and a share on
 * the Node build.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { Thunderpush } from "../../lib/server.ts";
import { serve } from "../../lib/adapters/serve_deno.ts";
import { assertHubEmpty, assertHubInvariants } from "../helpers/invariants.ts";
import { SockjsWs } from "../helpers/sockjs_ws.ts";
import { eventually, startCli } from "../helpers/target.ts";
import { ensureNpmBuild } from "../helpers/node_target.ts";
import { now, token } from "../helpers/tokens.ts";

const RUNS = Math.max(100, Math.floor(Number(Deno.env.get("FUZZ_RUNS") ?? "3000") / 10));
const KEY = "fuzzkey";
const SECRET = "fuzzsecret";
const MAX_MESSAGE = 4_096;
const ACCEPTED_CLOSES = new Set([9004, 9005, 1009]);

const encoder = new TextEncoder();

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** A JWT with any header and claims, HMAC-SHA256 signed with `secret` whatever `alg` says. */
async function rawToken(header: unknown, claims: unknown, secret: string): Promise<string> {
  const input = `${base64url(encoder.encode(JSON.stringify(header)))}.${
    base64url(encoder.encode(JSON.stringify(claims)))
  }`;
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(input)));
  return `${input}.${base64url(mac)}`;
}

const unit = fc.oneof(
  fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  fc.constantFrom(":", " ", ".", "=", "-", "_", "\u2028", "\ud800", "e", "A"),
);

/** A claim value: mostly plausible, sometimes anything JSON. */
const claim = (plausible: fc.Arbitrary<unknown>) =>
  fc.oneof({ weight: 8, arbitrary: plausible }, { weight: 1, arbitrary: fc.jsonValue() }, {
    weight: 1,
    arbitrary: fc.constant(undefined),
  });

/** A generated token, as an async recipe (signing is async). */
const tokenCase: fc.Arbitrary<() => Promise<string>> = fc.oneof(
  fc.string({ unit, maxLength: 300 }).map((s) => () => Promise.resolve(s)),
  fc.tuple(fc.nat(), fc.constantFrom("insert", "remove", "replace"), unit).map(
    ([at, how, c]) => async () => {
      const t = await token({ sub: "alice", secret: SECRET });
      const i = at % (t.length + 1);
      if (how === "insert") return t.slice(0, i) + c + t.slice(i);
      if (how === "remove") return t.slice(0, i) + t.slice(i + 1);
      return t.slice(0, i) + c + t.slice(i + 1);
    },
  ),
  {
    weight: 3,
    arbitrary: fc.record({
      sub: claim(fc.constantFrom("alice", "bob", "", "alice ")),
      exp: claim(fc.integer({ min: -30, max: 100 }).map((d) => now() + d)),
      nbf: claim(fc.integer({ min: -100, max: 30 }).map((d) => now() + d)),
      iat: claim(fc.integer({ min: -100, max: 100 }).map((d) => now() + d)),
      channels: claim(fc.array(fc.constantFrom("private-a", "news", ""), { maxLength: 3 })),
      alg: fc.oneof(
        { weight: 4, arbitrary: fc.constant("HS256") },
        { weight: 1, arbitrary: fc.constantFrom("none", "HS512", "RS256", "hs256", "") },
      ),
      crit: fc.option(fc.constant(["exp"]), { nil: undefined, freq: 8 }),
    }).map(({ alg, crit, ...claims }) => () =>
      rawToken({ alg, typ: "JWT", ...(crit ? { crit } : {}) }, claims, SECRET)
    ),
  },
);

/** A server reached over the network, and what can be checked of it. */
interface Target {
  readonly base: string;
  /** Whether alice is online. */
  online(): Promise<boolean>;
  /** Checks the hub (in this process). */
  check(): void;
}

async function fuzzTokens(target: Target, runs: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(tokenCase, async (make) => {
      const t = await make();
      const ws = await SockjsWs.session(target.base);
      try {
        ws.send(`CONNECT alice:${KEY}:${t}`);
        // Either a close frame comes, or alice is online (and her token was signed for her).
        let closed: string | undefined;
        await eventually(async () => {
          closed = ws.frames.slice(1).find((f) => f.startsWith("c"));
          return closed !== undefined || await target.online();
        }, 5_000);
        if (closed !== undefined) {
          const [code] = JSON.parse(closed.slice(1));
          assert.ok(ACCEPTED_CLOSES.has(code), `undocumented close ${closed} for ${t}`);
        } else {
          const [, payload] = t.split(".");
          const sub = JSON.parse(atob(payload!.replaceAll("-", "+").replaceAll("_", "/"))).sub;
          assert.equal(sub, "alice", `accepted a token for ${sub}`);
        }
        target.check();
      } finally {
        await ws.close();
      }
      await eventually(async () => !(await target.online()));
    }),
    { numRuns: runs },
  );
}

Deno.test("fuzz tokens: every CONNECT token joins its own user or closes with 9004/9005", async () => {
  const thunder = new Thunderpush({
    apps: [{ publicKey: KEY, secret: SECRET }],
    requireToken: true,
    maxMessageSize: MAX_MESSAGE,
  });
  const server = serve(thunder.fetch, { port: 0, hostname: "127.0.0.1" });
  const app = thunder.hub.app(KEY)!;
  try {
    await fuzzTokens({
      base: `http://127.0.0.1:${server.addr.port}`,
      online: () => Promise.resolve(app.isOnline("alice")),
      check: () => assertHubInvariants(thunder.hub),
    }, RUNS);
    await eventually(() => Promise.resolve(app.connectionCount === 0));
    assertHubEmpty(thunder.hub);
  } finally {
    await thunder.close();
    await server.close();
  }
});

Deno.test("fuzz tokens: a share of the cases against the Node build", async () => {
  await ensureNpmBuild();
  const proc = await startCli("node", [
    "--require-token",
    "--max-message-size",
    String(MAX_MESSAGE),
    KEY,
    SECRET,
  ]);
  try {
    await fuzzTokens({
      base: proc.base,
      online: async () => {
        const res = await fetch(`${proc.base}/api/1.0.0/${KEY}/users/alice/`, {
          headers: { "X-Thunder-Secret-Key": SECRET },
        });
        return (await res.text()).includes("true");
      },
      check: () => {},
    }, Math.max(20, Math.floor(RUNS / 15)));
    assert.equal((await fetch(`${proc.base}/healthz`)).status, 200);
  } finally {
    const status = await proc.stop();
    await Deno.remove(proc.pidPath).catch(() => {});
    assert.ok(!/Uncaught|ERROR/.test(proc.stderr()), proc.stderr().slice(-2_000));
    assert.ok(status.success || status.signal === "SIGTERM", proc.stderr().slice(-2_000));
  }
});
