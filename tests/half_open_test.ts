/**
 * Half-open connections: a WebSocket client that stops answering (its process frozen with
 * SIGSTOP, its TCP connection still open) is dropped within twice the heartbeat delay, and
 * presence stops reporting it; on Deno and on the npm build under Node.
 */

import assert from "node:assert/strict";
import { apiClient, eventually, KEY, type Runtime, SECRET, startCli } from "./helpers/target.ts";
import { ensureNpmBuild } from "./helpers/node_target.ts";

const FIXTURE = new URL("./fixtures/sockjs_client.cjs", import.meta.url).pathname;

for (const runtime of ["deno", "node"] as Runtime[]) {
  Deno.test(`half-open (${runtime}): a frozen client is reaped within twice the heartbeat delay`, async () => {
    if (runtime === "node") await ensureNpmBuild();
    const server = await startCli(runtime, ["--heartbeat-delay", "1000", KEY, SECRET]);
    const api = apiClient(server.base);
    const client = new Deno.Command("node", {
      args: [FIXTURE, server.base, "websocket", "frozen", KEY, "news", "99"],
      stdout: "piped",
      stderr: "null",
    }).spawn();
    try {
      const reader = client.stdout.pipeThrough(new TextDecoderStream()).getReader();
      assert.equal((await reader.read()).value, "open websocket\n");
      reader.releaseLock();
      await eventually(async () => (await api("GET", "/users/frozen/")).text.includes("true"));
      client.kill("SIGSTOP");
      const frozenAt = Date.now();
      await eventually(
        async () => (await api("GET", "/users/frozen/")).text === '{"online": false}\n',
        10_000,
      );
      const took = Date.now() - frozenAt;
      assert.ok(took <= 2 * 1000 + 1500, `reaped after ${took} ms`);
      assert.equal((await api("GET", "/channels/news/")).text, '{"users": []}\n');
    } finally {
      client.kill("SIGKILL");
      await client.status;
      await client.stdout.cancel().catch(() => {});
      assert.equal((await server.stop()).code, 0, server.stderr());
      await Deno.remove(server.pidPath).catch(() => {});
    }
  });
}
