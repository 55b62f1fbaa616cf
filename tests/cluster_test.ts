/**
 * Scale-out on a real redis-server with real processes: two nodes on Deno and one from the npm
 * build on Node. Publishes through any node reach every subscriber exactly once, presence is
 * exact across nodes, forced logout closes the user everywhere, a node killed with SIGKILL drops
 * out of presence within the TTL, and a Redis outage answers 503 and heals.
 */

import assert from "node:assert/strict";
import { apiClient, eventually, KEY, type Runtime, startCli } from "./helpers/target.ts";
import { ensureNpmBuild } from "./helpers/node_target.ts";
import { SockjsWs } from "./helpers/sockjs_ws.ts";
import { startRedis } from "./helpers/redis.ts";
import { nodeSockjsClient } from "./helpers/node_sockjs_client.ts";

const TTL = 3000;

Deno.test("cluster: three nodes (Deno, Deno, Node) on one Redis", async () => {
  await ensureNpmBuild();
  const redis = await startRedis();
  const runtimes: Runtime[] = ["deno", "deno", "node"];
  const nodes = await Promise.all(
    runtimes.map((rt) =>
      startCli(rt, ["--redis", redis.url, "--presence-ttl", String(TTL), KEY, "secretkey"])
    ),
  );
  const apis = nodes.map((n) => apiClient(n.base));
  const says = (i: number, path: string, text: string, timeoutMs = 5_000) =>
    eventually(async () => (await apis[i]("GET", path)).text === text, timeoutMs);
  const clients: SockjsWs[] = [];
  const sockjs = nodeSockjsClient(
    {
      base: nodes[2].base,
      api: apis[2],
      close: () => Promise.resolve(),
    },
    "xhr-streaming",
    "nodeuser",
    "news",
    99,
  );
  try {
    // alice on nodes 0 and 1, bob on node 2 over WebSocket, nodeuser on node 2 over xhr-streaming.
    for (const [i, user] of [[0, "alice"], [1, "alice"], [2, "bob"]] as const) {
      const c = await SockjsWs.session(nodes[i].base);
      c.send(`CONNECT ${user}:${KEY}`, "SUBSCRIBE news");
      clients.push(c);
    }
    assert.equal((await sockjs.next()).value, "open xhr-streaming");
    for (const i of [0, 1, 2]) {
      await says(i, "/users/", '{"count": 3}\n');
      await eventually(async () =>
        JSON.parse((await apis[i]("GET", "/channels/news/")).text).users.sort().join() ===
          "alice,bob,nodeuser"
      );
    }
    for (const i of [0, 1, 2]) {
      assert.equal((await apis[i]("POST", "/channels/news/", `${i}`)).text, '{"count": 4}\n');
      for (const c of clients) {
        assert.equal(await c.next(), `a[{"payload":"${i}","channel":"news"}]`);
      }
      assert.deepEqual(JSON.parse((await sockjs.next()).value!), {
        data: { payload: `${i}`, channel: "news" },
      });
    }
    assert.equal((await apis[2]("POST", "/users/alice/", '"hi"')).text, '{"count": 2}\n');
    for (const c of clients.slice(0, 2)) assert.equal(await c.next(), 'a[{"payload":"\\"hi\\""}]');
    await new Promise((r) => setTimeout(r, 200));
    for (const c of clients) assert.deepEqual(c.unread, [], "a message arrived twice");

    // Forced logout through the Node node closes alice on both Deno nodes.
    assert.equal((await apis[2]("DELETE", "/users/alice/")).status, 204);
    for (const c of clients.slice(0, 2)) {
      assert.equal(await c.next(), 'c[9002,"Server closed the connection (intentionally)."]');
    }
    for (const i of [0, 1, 2]) await says(i, "/users/alice/", '{"online": false}\n');

    // A client on node 1 again, then node 1 is killed: it drops out within the TTL.
    const carol = await SockjsWs.session(nodes[1].base);
    clients.push(carol);
    carol.send(`CONNECT carol:${KEY}`, "SUBSCRIBE news");
    await says(0, "/users/carol/", '{"online": true}\n');
    nodes[1].child.kill("SIGKILL");
    await nodes[1].child.status;
    const killedAt = Date.now();
    await says(0, "/users/carol/", '{"online": false}\n', TTL + 3_000);
    assert.ok(Date.now() - killedAt <= TTL + 2_000, "the dead node lingered past the TTL");
    await says(2, "/users/", '{"count": 2}\n');
    assert.equal((await apis[0]("POST", "/channels/news/", '"after"')).text, '{"count": 2}\n');

    // Redis goes away: 503, sessions kept; it comes back: full service, nothing lost since.
    await redis.stop();
    await eventually(async () => (await apis[0]("POST", "/channels/news/", "1")).status === 503);
    assert.deepEqual(await apis[2]("POST", "/channels/news/", "1"), {
      status: 503,
      text: '{"message": "Cluster broker unavailable.", "status": 503}\n',
    });
    assert.equal(await fetch(`${nodes[0].base}/readyz`).then((r) => r.status), 503);
    await redis.restart();
    for (const i of [0, 2]) await says(i, "/users/", '{"count": 2}\n', 10_000);
    assert.equal(await fetch(`${nodes[0].base}/readyz`).then((r) => r.status), 200);
    assert.equal((await apis[0]("POST", "/channels/news/", '"back"')).text, '{"count": 2}\n');
    assert.equal(await clients[2].next(), 'a[{"payload":"\\"after\\"","channel":"news"}]');
    assert.equal(await clients[2].next(), 'a[{"payload":"\\"back\\"","channel":"news"}]');
    const seen: string[] = [];
    for (;;) {
      const { payload } = JSON.parse((await sockjs.next()).value!).data;
      seen.push(payload);
      if (payload === '"back"') break;
    }
    assert.deepEqual(seen, ['"after"', '"back"']);
  } finally {
    await sockjs.return(undefined);
    await Promise.all(clients.map((c) => c.close()));
    for (const [i, n] of nodes.entries()) {
      const status = await n.stop();
      if (i !== 1) assert.equal(status.code, 0, n.stderr());
      await Deno.remove(n.pidPath).catch(() => {});
    }
    await redis.stop();
  }
});
