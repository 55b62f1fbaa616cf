/**
 * Presence webhooks in a cluster of real processes (a Deno node and a node of the npm build on
 * Node) on a real redis-server: events follow cluster-wide presence and each is sent once, by
 * one node: a user on two nodes leaving one is no event, a user moving between nodes within the
 * grace is none, concurrent first connections on two nodes are one event, and a node killed with
 * SIGKILL has its users' removals sent once its presence expires.
 */

import assert from "node:assert/strict";
import { apiClient, KEY, SECRET, startCli } from "./helpers/target.ts";
import { ensureNpmBuild } from "./helpers/node_target.ts";
import { SockjsWs } from "./helpers/sockjs_ws.ts";
import { startRedis } from "./helpers/redis.ts";
import { startReceiver, verifySignature } from "./helpers/webhook_receiver.ts";
import { until } from "./helpers/server.ts";

const TTL = 1500;
const GRACE = 400;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("webhooks cluster: Deno and Node nodes send each event once", async () => {
  await ensureNpmBuild();
  const redis = await startRedis();
  const receiver = startReceiver();
  const flags = [
    "--redis",
    redis.url,
    "--presence-ttl",
    String(TTL),
    "--webhook-url",
    receiver.url,
    "--webhook-grace",
    String(GRACE),
    KEY,
    SECRET,
  ];
  const [a, b] = await Promise.all([startCli("deno", flags), startCli("node", flags)]);
  const clients: SockjsWs[] = [];
  const connect = async (base: string, user: string, ...channels: string[]) => {
    const c = await SockjsWs.session(base);
    c.send(`CONNECT ${user}:${KEY}`, ...channels.map((ch) => `SUBSCRIBE ${ch}`));
    clients.push(c);
    return c;
  };
  // Nothing more arrives within the grace and a few sweeps.
  const settled = async (count: number) => {
    await until(() => receiver.events().length >= count, TTL + 5_000);
    await sleep(GRACE + 600);
    assert.equal(receiver.events().length, count, receiver.events().join("\n"));
  };
  try {
    // alice on both nodes: one online, one occupied.
    const aliceA = await connect(a.base, "alice", "room");
    const aliceB = await connect(b.base, "alice", "room");
    await settled(2);
    assert.deepEqual(receiver.events(), ["user_online:alice", "channel_occupied:room"]);

    // alice leaves node A: still on B, no event. Then she moves from B to A within the grace.
    await aliceA.close();
    await sleep(GRACE + 300);
    await aliceB.close();
    await connect(a.base, "alice", "room");
    await settled(2);

    // bob connects to both nodes at once: one online, one occupied.
    await Promise.all([connect(a.base, "bob", "lobby"), connect(b.base, "bob", "lobby")]);
    await settled(4);
    assert.deepEqual(receiver.events().slice(2).sort(), [
      "channel_occupied:lobby",
      "user_online:bob",
    ]);
    assert.deepEqual(receiver.presence(), { users: ["alice", "bob"], channels: ["lobby", "room"] });

    // carol on node B only; B is killed: her removals come once B's presence expires.
    await connect(b.base, "carol", "solo");
    await settled(6);
    b.child.kill("SIGKILL");
    await b.child.status;
    const killedAt = Date.now();
    await until(() => receiver.events().length >= 8, TTL + 5_000);
    assert.ok(Date.now() - killedAt >= TTL - 200, "removals before the presence expired");
    await settled(8);
    assert.deepEqual(receiver.events().slice(6).sort(), [
      "channel_vacated:solo",
      "user_offline:carol",
    ]);
    // The record kept from the events alone is the cluster's presence.
    assert.deepEqual(receiver.presence(), { users: ["alice", "bob"], channels: ["lobby", "room"] });
    assert.equal((await apiClient(a.base)("GET", "/users/")).text, '{"count": 2}\n');

    // Everyone leaves the surviving node.
    await Promise.all(clients.map((c) => c.close()));
    await settled(12);
    assert.deepEqual(receiver.events().slice(8).sort(), [
      "channel_vacated:lobby",
      "channel_vacated:room",
      "user_offline:alice",
      "user_offline:bob",
    ]);
    assert.deepEqual(receiver.presence(), { users: [], channels: [] });
    for (const r of receiver.requests) {
      assert.equal(r.headers.get("x-thunder-key"), KEY);
      assert.ok(verifySignature(r.body, r.headers.get("x-thunder-signature")!, SECRET));
    }
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    for (const [i, n] of [a, b].entries()) {
      const status = await n.stop();
      if (i === 0) assert.equal(status.code, 0, n.stderr());
      await Deno.remove(n.pidPath).catch(() => {});
    }
    await redis.stop();
    await receiver.close();
  }
});
