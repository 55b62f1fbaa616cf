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
import { Logger } from "../lib/log.ts";
import { describeError } from "../lib/broker/redis_client.ts";

const TTL = 1000;

Deno.test("RedisLedger writes its presence again after Redis restarts empty", async () => {
  const redis = await startRedis();
  const receiver = startReceiver();
  let broker: RedisBroker | undefined;
  const lines: string[] = [];
  const logger = new Logger("info", (line) => lines.push(line), "json");
  const server = startServer({
    logger,
    apps: [{ publicKey: KEY, secret: SECRET, webhookUrl: receiver.url }],
    broker: (hub) => broker = new RedisBroker(hub, { url: redis.url, presenceTtl: TTL }),
    webhooks: {
      grace: 200,
      batchDelay: 10,
      ledger: (context) => new RedisLedger(context, { url: redis.url, presenceTtl: TTL, logger }),
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
    // The outage is logged once, with a reason (it was empty for errors without a message).
    const lost = lines.map((l) => JSON.parse(l)).filter((l) => l.event === "webhook-redis-lost");
    assert.equal(lost.length, 1);
    assert.doesNotMatch(lost[0].message, /\(\)/);
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

Deno.test("describeError names errors without a message by code, or by their parts", () => {
  const refused = Object.assign(new Error(""), { code: "ECONNREFUSED" });
  // Node's connect to a name with two addresses fails with an AggregateError and no message.
  const both = new AggregateError([new Error("connect ECONNREFUSED ::1:6379"), refused], "");
  assert.equal(describeError(both), "connect ECONNREFUSED ::1:6379; ECONNREFUSED");
  assert.equal(describeError(new TypeError("")), "TypeError");
  assert.equal(describeError("down"), "down");
});
