/**
 * `thunderpush token` on Deno and on the Node build, and the token suite against the Deno CLI
 * with `requireToken` per app in an `--apps` file.
 */

import assert from "node:assert/strict";
import { decodeJwt } from "npm:jose@6.2.19";
import { defineTokenSuite } from "./e2e/tokens_suite.ts";
import { now, tokensCli } from "./helpers/tokens.ts";
import { cliCommand, type Runtime } from "./helpers/target.ts";
import { ensureNpmBuild } from "./helpers/node_target.ts";
import { importSecret, verifyToken } from "../lib/auth/verify.ts";
import { TOKEN_HELP } from "../lib/cli/token.ts";

defineTokenSuite("deno cli, requireToken per app", tokensCli("deno", true));

const decoder = new TextDecoder();

async function token(runtime: Runtime, args: string[], env: Record<string, string> = {}) {
  if (runtime === "node") await ensureNpmBuild();
  const [cmd, ...prefix] = cliCommand(runtime);
  const { code, stdout, stderr } = await new Deno.Command(cmd!, {
    args: [...prefix, "token", ...args],
    env,
    stdin: "null",
  }).output();
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}

for (const runtime of ["deno", "node"] as const) {
  Deno.test(`${runtime}: thunderpush token USER --secret S --channels a,b --ttl 15m prints a token the server accepts`, async () => {
    const out = await token(runtime, [
      "alice",
      "--secret",
      "s3cret",
      "--channels",
      "private-a,private-b",
      "--ttl",
      "15m",
    ]);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const jwt = out.stdout.trim();
    const verdict = await verifyToken(jwt, await importSecret("s3cret"), "alice");
    assert.deepEqual(verdict, { ok: true, grants: new Set(["private-a", "private-b"]) });
    const claims = decodeJwt(jwt);
    assert.ok(Math.abs(claims.exp! - (now() + 900)) <= 2, String(claims.exp));
    // The secret from the environment, and the default ttl of an hour.
    const fromEnv = await token(runtime, ["bob"], { THUNDERPUSH_SECRET: "envsecret" });
    assert.equal(fromEnv.code, 0, fromEnv.stderr);
    const bob = decodeJwt(fromEnv.stdout.trim());
    assert.deepEqual([bob.sub, bob.channels], ["bob", undefined]);
    assert.ok(Math.abs(bob.exp! - (now() + 3600)) <= 2);
    assert.equal(
      (await verifyToken(fromEnv.stdout.trim(), await importSecret("envsecret"), "bob")).ok,
      true,
    );
  });

  Deno.test(`${runtime}: thunderpush token -h, and usage errors exit 2 with a clear message`, async () => {
    const help = await token(runtime, ["-h"]);
    assert.deepEqual([help.code, help.stdout], [0, TOKEN_HELP]);
    for (
      const [args, message] of [
        [["alice"], /error: --secret \(or THUNDERPUSH_SECRET\) is required/],
        [[], /error: the following arguments are required: USER/],
        [["a", "b", "--secret", "s"], /error: unrecognized arguments: b/],
        [["alice", "--secret", "s", "--ttl", "soon"], /error: Invalid duration "soon"/],
        [["alice", "--secret", "s", "--ttl", "0"], /error: Invalid duration "0"/],
        [["alice", "--secret", "s", "--nope"], /error: Unknown option '--nope'/],
      ] as const
    ) {
      const out = await token(runtime, [...args]);
      assert.equal(out.code, 2, args.join(" "));
      assert.match(out.stderr, /^usage: thunderpush token/);
      assert.match(out.stderr, message);
      assert.equal(out.stdout, "");
    }
  });
}
