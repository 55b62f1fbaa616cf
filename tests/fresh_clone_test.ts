/**
 * The README's commands from a copy of the repository with no `node_modules/`, as a new user runs
 * them on a fresh clone: `deno task start` with `--redis` and `--metrics-port` (both load npm
 * packages at run time) and `deno task build:npm` (TypeScript from npm). Catches a task that works
 * only where someone ran an install step by hand.
 *
 * @module
 */

import assert from "node:assert/strict";
import { startRedis } from "./helpers/redis.ts";
import { freePort } from "./helpers/inspector.ts";
import { SockjsWs } from "./helpers/sockjs_ws.ts";
import { eventually, spawnServer } from "./helpers/target.ts";

const ROOT = new URL("../", import.meta.url).pathname;

/** The repository's files (tracked, and new ones not ignored) copied to a fresh folder. */
async function freshCopy(): Promise<string> {
  const listed = await new Deno.Command("git", {
    args: ["ls-files", "-z", "--cached", "--others", "--exclude-standard"],
    cwd: ROOT,
    stdout: "piped",
  }).output();
  assert.ok(listed.success, "git ls-files");
  const dir = await Deno.makeTempDir({ prefix: "thunderpush_fresh_" });
  for (const path of new TextDecoder().decode(listed.stdout).split("\0")) {
    if (!path) continue;
    const info = await Deno.stat(`${ROOT}${path}`).catch(() => null);
    if (!info?.isFile) continue; // deleted in the work tree and not committed yet
    await Deno.mkdir(`${dir}/${path}`.replace(/\/[^/]*$/, ""), { recursive: true });
    await Deno.copyFile(`${ROOT}${path}`, `${dir}/${path}`);
  }
  assert.ok(!await Deno.stat(`${dir}/node_modules`).catch(() => null), "no node_modules/");
  return dir;
}

Deno.test({
  name: "from a fresh copy: deno task start --redis --metrics-port, and deno task build:npm",
  // The first run installs the npm packages into the copy (from Deno's cache when warm).
  sanitizeResources: true,
  fn: async () => {
    const dir = await freshCopy();
    const redis = await startRedis();
    const metricsPort = freePort();
    try {
      const server = await spawnServer(
        Deno.execPath(),
        [
          "task",
          "start",
          "pubkey",
          "secretkey",
          "-p",
          "0",
          "-H",
          "127.0.0.1",
          "--redis",
          redis.url,
          "--metrics-port",
          String(metricsPort),
        ],
        {},
        { cwd: dir, startTimeoutMs: 120_000 },
      );
      const base = `http://127.0.0.1:${server.port}`;
      const client = await SockjsWs.session(base);
      try {
        client.send("CONNECT alice:pubkey", "SUBSCRIBE news");
        // Presence goes through Redis: the API reads it back from there.
        await eventually(async () => {
          const users = await fetch(`${base}/api/1.0.0/pubkey/users/`, {
            headers: { "X-Thunder-Secret-Key": "secretkey" },
          });
          return (await users.text()) === '{"count": 1}\n';
        });
        const pushed = await fetch(`${base}/api/1.0.0/pubkey/channels/news/`, {
          method: "POST",
          headers: { "X-Thunder-Secret-Key": "secretkey" },
          body: '{"hello": 1}',
        });
        assert.equal(pushed.status, 200, await pushed.clone().text());
        assert.equal(await pushed.text(), '{"count": 1}\n');
        assert.equal(await client.next(), 'a[{"payload":"{\\"hello\\": 1}","channel":"news"}]');

        const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
        const text = await metrics.text();
        assert.equal(metrics.status, 200, text);
        assert.match(text, /^thunderpush_sessions\{transport="websocket"\} 1$/m);
      } finally {
        await client.close();
        const status = await server.stop();
        assert.ok(!/ERROR/.test(server.stderr()), server.stderr());
        assert.ok(status.success || status.signal === "SIGTERM", server.stderr());
      }

      const build = await new Deno.Command(Deno.execPath(), {
        args: ["task", "build:npm"],
        cwd: dir,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const log = new TextDecoder().decode(build.stderr) + new TextDecoder().decode(build.stdout);
      assert.ok(build.success, `deno task build:npm failed:\n${log}`);
      const pkg = JSON.parse(await Deno.readTextFile(`${dir}/npm/package.json`));
      assert.equal(pkg.name, "thunderpush");
      await Deno.stat(`${dir}/npm/bin/thunderpush.js`);
    } finally {
      await redis.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
