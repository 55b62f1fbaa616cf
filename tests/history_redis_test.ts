/**
 * History and recovery across Redis nodes (in this process, each node with its own Redis
 * connections): a client away while pushes go out through both nodes recovers them on the other
 * node, in order; pushes from several nodes reach every client in offset order; pushes racing
 * RECOVERs on both nodes are neither lost nor doubled; history survives a node restart, and a
 * Redis restart (nothing persisted) starts a new epoch.
 */

import assert from "node:assert/strict";
import { Thunderpush } from "../lib/server.ts";
import { RedisBroker } from "../lib/broker/redis.ts";
import { serve } from "../lib/adapters/serve_deno.ts";
import { apiClient, KEY, SECRET, type Target } from "./helpers/target.ts";
import { type RedisServer, startRedis } from "./helpers/redis.ts";
import { SockjsWs } from "./helpers/sockjs_ws.ts";
import { type Element, Elements } from "./helpers/history.ts";

interface Node extends Target {
  thunder: Thunderpush;
}

async function startNode(redis: RedisServer, size = 1000): Promise<Node> {
  let broker!: RedisBroker;
  const thunder = new Thunderpush({
    apps: [{ publicKey: KEY, secret: SECRET }],
    history: { size, ttl: 60 },
    broker: (hub, history) => broker = new RedisBroker(hub, { url: redis.url, history }),
  });
  await broker.whenReady();
  const server = serve(thunder.fetch, { port: 0, hostname: "127.0.0.1" });
  const base = `http://127.0.0.1:${server.addr.port}`;
  return {
    base,
    thunder,
    api: apiClient(base),
    async close() {
      await thunder.close();
      await server.close();
    },
  };
}

async function client(node: Node, ...commands: string[]) {
  const ws = await SockjsWs.session(node.base);
  ws.send(`CONNECT u${crypto.randomUUID().slice(0, 6)}:${KEY}`, ...commands);
  return { ws, elements: new Elements(ws) };
}

async function subscribed(node: Node, channel: string, n = 1) {
  const app = node.thunder.hub.app(KEY)!;
  const deadline = Date.now() + 3_000;
  while (app.channelSize(channel) < n) {
    if (Date.now() > deadline) throw new Error("not subscribed");
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function publish(node: Node, channel: string, payload: string) {
  const res = await node.api("POST", `/channels/${channel}/`, payload);
  assert.equal(res.status, 200, res.text);
  return res;
}

const offsets = (list: Element[]) => list.map((e) => e.offset);
const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

Deno.test("redis history: away on node A, N pushes through A and B, back on B: exactly those N", async () => {
  const redis = await startRedis();
  const [a, b] = [await startNode(redis), await startNode(redis)];
  try {
    const first = await client(a, "SUBSCRIBE news");
    await subscribed(a, "news");
    await publish(b, "news", "1");
    const one = await first.elements.next();
    assert.deepEqual(one, { payload: "1", channel: "news", offset: 1, epoch: one.epoch });
    await first.ws.close();
    for (let i = 2; i <= 11; i++) await publish(i % 2 ? a : b, "news", String(i));
    const back = await client(b, `RECOVER news ${one.epoch} 1`);
    const got = await back.elements.take(10);
    assert.deepEqual(got.map((e) => e.payload), range(2, 11).map(String));
    assert.deepEqual(offsets(got), range(2, 11));
    await publish(a, "news", "12");
    assert.deepEqual(await back.elements.next(), {
      payload: "12",
      channel: "news",
      offset: 12,
      epoch: one.epoch,
    });
    assert.deepEqual(await back.elements.rest(), []);
    // The API of either node reads the same history.
    const read = JSON.parse((await a.api("GET", "/channels/news/history/?since=10")).text);
    assert.deepEqual([read.epoch, read.offset, read.messages.length], [one.epoch, 12, 2]);
    // Unknown epoch: recovered false, with the position.
    const lost = await client(a, "RECOVER news wrong 3");
    assert.deepEqual(await lost.elements.next(), {
      channel: "news",
      recovered: false,
      epoch: one.epoch,
      offset: 12,
    });
    await back.ws.close();
    await lost.ws.close();
  } finally {
    await a.close();
    await b.close();
    await redis.stop();
  }
});

Deno.test("redis history: concurrent pushes through three nodes reach every client in offset order", async () => {
  const redis = await startRedis();
  const nodes = [await startNode(redis), await startNode(redis), await startNode(redis)];
  try {
    const clients = [];
    for (const node of nodes) {
      clients.push(await client(node, "SUBSCRIBE order"));
      await subscribed(node, "order");
    }
    await new Promise((r) => setTimeout(r, 100)); // every node's SUBSCRIBE at Redis
    const N = 90;
    await Promise.all(range(1, N).map((i) => publish(nodes[i % 3], "order", String(i))));
    for (const c of clients) {
      assert.deepEqual(offsets(await c.elements.take(N, 5_000)), range(1, N));
      assert.deepEqual(await c.elements.rest(), []);
      await c.ws.close();
    }
  } finally {
    for (const node of nodes) await node.close();
    await redis.stop();
  }
});

Deno.test("redis history: pushes racing RECOVERs on two nodes are neither lost nor doubled", async () => {
  const redis = await startRedis();
  const [a, b] = [await startNode(redis, 10_000), await startNode(redis, 10_000)];
  try {
    await publish(a, "race", "0");
    const { epoch } = JSON.parse((await a.api("GET", "/channels/race/history/")).text);
    let sent = 1;
    let stop = false;
    const pushers = [a, b].map(async (node) => {
      while (!stop) {
        sent++;
        await publish(node, "race", "1");
      }
    });
    const checks = [];
    for (let round = 0; round < 30; round++) {
      await new Promise((r) => setTimeout(r, 3));
      const from = Math.max(0, sent - 40);
      checks.push({ c: await client(round % 2 ? a : b, `RECOVER race ${epoch} ${from}`), from });
    }
    stop = true;
    await Promise.all(pushers);
    const top = JSON.parse((await a.api("GET", "/channels/race/history/?limit=1")).text).offset;
    assert.equal(top, sent);
    for (const { c, from } of checks) {
      const got = await c.elements.take(top - from, 5_000);
      assert.deepEqual(offsets(got), range(from + 1, top), `from ${from}`);
      assert.deepEqual(await c.elements.rest(50), []);
      await c.ws.close();
    }
  } finally {
    await a.close();
    await b.close();
    await redis.stop();
  }
});

Deno.test("redis history: survives a node restart; a Redis restart starts a new epoch", async () => {
  const redis = await startRedis();
  let a = await startNode(redis);
  try {
    for (const p of ["1", "2", "3"]) await publish(a, "news", p);
    const before = JSON.parse((await a.api("GET", "/channels/news/history/")).text);
    await a.close();
    a = await startNode(redis);
    const back = await client(a, `RECOVER news ${before.epoch} 1`);
    assert.deepEqual((await back.elements.take(2)).map((e) => e.payload), ["2", "3"]);
    await back.ws.close();
    await a.close();
    await redis.stop();
    await redis.restart();
    a = await startNode(redis);
    const lost = await client(a, `RECOVER news ${before.epoch} 3`);
    // Nothing in Redis: no history for the channel (epoch ""), then a new epoch from 1.
    const notice = await lost.elements.next();
    assert.deepEqual(notice, { channel: "news", recovered: false, epoch: "", offset: 0 });
    await subscribed(a, "news");
    await publish(a, "news", '"new"');
    const fresh = await lost.elements.next();
    assert.match(fresh.epoch!, /^[a-zA-Z]{8}$/);
    assert.notEqual(fresh.epoch, before.epoch);
    assert.deepEqual([fresh.payload, fresh.offset], ['"new"', 1]);
    await lost.ws.close();
  } finally {
    await a.close();
    await redis.stop();
  }
});

Deno.test("redis history: RECOVER while Redis is away closes with 1011 (the client comes back)", async () => {
  const redis = await startRedis();
  const a = await startNode(redis);
  try {
    const c = await SockjsWs.session(a.base);
    c.send(`CONNECT alice:${KEY}`);
    await redis.stop();
    const deadline = Date.now() + 5_000;
    while (a.thunder.broker.ready) {
      if (Date.now() > deadline) throw new Error("the broker never noticed");
      await new Promise((r) => setTimeout(r, 20));
    }
    c.send("RECOVER news AbCdEfGh 3");
    assert.equal(await c.next(), 'c[1011,"History unavailable."]');
    await c.close();
  } finally {
    await a.close();
    await redis.stop();
  }
});
