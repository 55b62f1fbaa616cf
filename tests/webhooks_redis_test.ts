/**
 * The Redis presence ledger in process, on a real redis-server: after Redis comes back empty, a
 * node writes what it holds again, so that users who came meanwhile get `user_online` and users
 * who leave afterwards get `user_offline`; and the record kept from the events is presence.
 */

import assert from "node:assert/strict";
import { KEY, SECRET, startServer, until } from "./helpers/server.ts";
import { SockjsWs } from "./helpers/sockjs_ws.ts";
import { startRedis } from "./helpers/redis.ts";
import { startReceiver } from "./helpers/webhook_receiver.ts";
import { RedisBroker } from "../lib/broker/redis.ts";
import { RedisLedger } from "../lib/webhooks/redis_ledger.ts";

const TTL = 1000;

Deno.test("RedisLedger writes its presence again after Redis restarts empty", async () => {
  const redis = await startRedis();
  const receiver = startReceiver();
  let broker: RedisBroker | undefined;
  const server = startServer({
    apps: [{ publicKey: KEY, secret: SECRET, webhookUrl: receiver.url }],
    broker: (hub) => broker = new RedisBroker(hub, { url: redis.url, presenceTtl: TTL }),
    webhooks: {
      grace: 200,
      batchDelay: 10,
      ledger: (context) => new RedisLedger(context, { url: redis.url, presenceTtl: TTL }),
    },
  });
  const clients: SockjsWs[] = [];
  const connect = async (user: string) => {
    const c = await SockjsWs.session(server.base);
    c.send(`CONNECT ${user}:${KEY}`);
    clients.push(c);
  };
  try {
    await broker!.whenReady();
    await connect("alice");
    await until(() => receiver.events().length === 1);
    await redis.stop();
    await connect("bob"); // while Redis is away
    await redis.restart();
    await until(() => receiver.events().includes("user_online:bob"), TTL + 5_000);
    assert.deepEqual(receiver.presence(), { users: ["alice", "bob"], channels: [] });
    await Promise.all(clients.map((c) => c.close()));
    await until(() => receiver.presence().users.length === 0, 5_000);
    const offline = receiver.events().filter((e) => e.startsWith("user_offline"));
    assert.deepEqual(offline.sort(), ["user_offline:alice", "user_offline:bob"]);
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await server.close();
    await receiver.close();
    await redis.stop();
  }
});
