/**
 * Upgraded WebSockets keep working through forced collections on Deno, whatever Deno keeps of
 * their handshake requests. With idle pings on, Deno 2.9's `upgradeWebSocket` keeps the request
 * it is given for the socket's lifetime (about 1.1 KB of live heap per client, measured with
 * `deno task bench:heap`); the adapter passes the request itself, since letting go of it would
 * take Deno's private request state. Checked with real sockets and forced collections in a
 * subprocess (`tests/fixtures/upgrade_retention.ts`), which also says how many requests are alive.
 */

import assert from "node:assert/strict";

const FIXTURE = new URL("./fixtures/upgrade_retention.ts", import.meta.url).pathname;

Deno.test("Deno adapter: upgraded sockets keep working after forced collections", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--v8-flags=--expose-gc", "-A", FIXTURE, "20"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  const { upgraded, echoes, alive, after } = JSON.parse(new TextDecoder().decode(out.stdout));
  assert.deepEqual({ upgraded, echoes, after }, { upgraded: 20, echoes: 20, after: 20 }, stderr);
  assert.ok(alive >= 0 && alive <= upgraded, `alive: ${alive}`);
});
