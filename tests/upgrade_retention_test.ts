/**
 * An upgraded WebSocket does not keep its handshake request alive on Deno. With idle pings on,
 * Deno 2.9's `upgradeWebSocket` keeps the request it is given for the socket's lifetime (header
 * list, inner request, aborted signal); the adapter hands it a stand-in instead
 * (`lib/runtime/serve_deno.ts`). Checked with real sockets and forced collections in a
 * subprocess (`tests/fixtures/upgrade_retention.ts`).
 */

import assert from "node:assert/strict";

const FIXTURE = new URL("./fixtures/upgrade_retention.ts", import.meta.url).pathname;

Deno.test("Deno adapter: upgraded requests are collectable, and their sockets keep working", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--v8-flags=--expose-gc", "-A", FIXTURE, "20"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  const result = JSON.parse(new TextDecoder().decode(out.stdout));
  assert.deepEqual(result, { upgraded: 20, echoes: 20, alive: 0, after: 20 }, stderr);
});
