/**
 * The Redis broker against a real redis-server: three nodes (in this process, each with its own
 * port and Redis connections) share channels, users and presence; Redis outages answer 503 and
 * heal.
 */

import assert from "node:assert/strict";
import { Thunderpush } from "../lib/server.ts";
import { RedisBroker } from "../lib/broker/redis.ts";
import { serve } from "../lib/adapters/serve_deno.ts";
import { apiClient, eventually, KEY, SECRET, type Target } from "./helpers/target.ts";
import { SockjsWs } from "./helpers/sockjs_ws.ts";
import { type RedisServer, startRedis } from "./helpers/redis.ts";

interface Node extends Target {
  broker: RedisBroker;
}

async function startNode(redis: RedisServer, presenceTtl = 15_000): Promise<Node> {
  let broker!: RedisBroker;
  const thunder = new Thunderpush({
    apps: [{ publicKey: KEY, secret: SECRET }],
    broker: (hub) => broker = new RedisBroker(hub, { url: redis.url, presenceTtl }),
  });
  await broker.whenReady();
  const server = serve(thunder.fetch, { port: 0, hostname: "127.0.0.1" });
  const base = `http://127.0.0.1:${server.addr.port}`;
  return {
    base,
    broker,
    api: apiClient(base),
    async close() {
      await thunder.close();
      await server.close();
    },
  };
}

const says = (node: Target, path: string, text: string) =>
  eventually(async () => (await node.api("GET", path)).text === text);

Deno.test("redis: publishes through any node reach every subscriber once; presence is exact", async () => {
  const redis = await startRedis();
  const nodes = await Promise.all([1, 2, 3].map(() => startNode(redis)));
  const clients: SockjsWs[] = [];
  try {
    // alice on nodes 0 and 1, bob on node 2, all in "news"; carol on node 2 in "other".
    const plan: [number, string, string][] = [[0, "alice", "news"], [1, "alice", "news"], [
      2,
      "bob",
      "news",
    ], [2, "carol", "other"]];
    for (const [i, user, channel] of plan) {
      const c = await SockjsWs.session(nodes[i].base);
      c.send(`CONNECT ${user}:${KEY}`, `SUBSCRIBE ${channel}`);
      clients.push(c);
    }
    for (const node of nodes) {
      await says(node, "/users/", '{"count": 3}\n');
      await eventually(async () => {
        const users = JSON.parse((await node.api("GET", "/channels/news/")).text).users;
        return users.sort().join() === "alice,bob";
      });
    }
    for (const [i, node] of nodes.entries()) {
      assert.equal((await node.api("POST", "/channels/news/", `${i}`)).text, '{"count": 3}\n');
      for (const c of clients.slice(0, 3)) {
        assert.equal(await c.next(), `a[{"payload":"${i}","channel":"news"}]`);
      }
      assert.equal((await node.api("POST", "/users/alice/", `"a${i}"`)).text, '{"count": 2}\n');
      for (const c of clients.slice(0, 2)) {
        assert.equal(await c.next(), `a[{"payload":"\\"a${i}\\""}]`);
      }
    }
    await new Promise((r) => setTimeout(r, 100));
    for (const c of clients) assert.deepEqual(c.unread, [], "a message arrived twice");
    // Forced logout from node 2 closes alice on nodes 0 and 1.
    assert.equal((await nodes[2].api("DELETE", "/users/alice/")).status, 204);
    for (const c of clients.slice(0, 2)) {
      assert.equal(await c.next(), 'c[9002,"Server closed the connection (intentionally)."]');
    }
    for (const node of nodes) {
      await says(node, "/users/alice/", '{"online": false}\n');
      await says(node, "/users/", '{"count": 2}\n');
    }
    assert.equal((await nodes[0].api("POST", "/channels/news/", "1")).text, '{"count": 1}\n');
    // A node that closes cleanly takes its presence with it.
    await nodes[2].close();
    await says(nodes[0], "/users/", '{"count": 0}\n');
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(nodes.map((n) => n.close()));
    await redis.stop();
  }
});

Deno.test("redis: while Redis is down publishes get 503 and sessions stay; after it returns, full service", async () => {
  const redis = await startRedis();
  const nodes = await Promise.all([1, 2].map(() => startNode(redis)));
  const a = await SockjsWs.session(nodes[0].base);
  const b = await SockjsWs.session(nodes[1].base);
  try {
    a.send(`CONNECT a:${KEY}`, "SUBSCRIBE news");
    b.send(`CONNECT b:${KEY}`, "SUBSCRIBE news");
    await says(nodes[0], "/users/", '{"count": 2}\n');
    await redis.stop();
    await eventually(async () =>
      (await nodes[0].api("POST", "/channels/news/", "1")).status === 503
    );
    const down = await nodes[1].api("POST", "/channels/news/", "1");
    assert.deepEqual(down, {
      status: 503,
      text: '{"message": "Cluster broker unavailable.", "status": 503}\n',
    });
    assert.equal((await nodes[0].api("GET", "/users/")).status, 503);
    await redis.restart();
    for (const node of nodes) await says(node, "/users/", '{"count": 2}\n');
    assert.equal((await nodes[1].api("POST", "/channels/news/", '"back"')).text, '{"count": 2}\n');
    assert.equal(await a.next(), 'a[{"payload":"\\"back\\"","channel":"news"}]');
    assert.equal(await b.next(), 'a[{"payload":"\\"back\\"","channel":"news"}]');
    assert.deepEqual([a.unread, b.unread], [[], []]);
  } finally {
    await Promise.all([a.close(), b.close()]);
    await Promise.all(nodes.map((n) => n.close()));
    await redis.stop();
  }
});
