/**
 * The stats endpoint of a cluster on a real redis-server, with a Deno node and a node of the npm
 * build on Node: connections and rates add up over the nodes, users and channels are distinct
 * (a user on two nodes counts once), every node has its row, a node killed with SIGKILL drops
 * out, and the Node build serves the dashboard (the Deno node runs with THUNDERPUSH_NO_DASHBOARD).
 *
 * @module
 */

import assert from "node:assert/strict";
import { apiClient, eventually, KEY, SECRET, startCli } from "./helpers/target.ts";
import { ensureNpmBuild } from "./helpers/node_target.ts";
import { SockjsWs } from "./helpers/sockjs_ws.ts";
import { startRedis } from "./helpers/redis.ts";
import { REPORT_TTL_MS } from "../lib/broker/redis_stats.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const TTL = 3_000;

async function stats(base: string): Promise<Json> {
  const res = await fetch(`${base}/api/1.0.0/${KEY}/stats/`, {
    headers: { "X-Thunder-Secret-Key": SECRET },
  });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  return JSON.parse(text);
}

/** Polls a node's stats until `check` holds; returns the last ones. */
async function statsUntil(base: string, check: (s: Json) => boolean, ms = 10_000): Promise<Json> {
  let last: Json;
  try {
    await eventually(async () => check(last = await stats(base)), ms);
  } catch {
    throw new Error(`stats never matched: ${JSON.stringify(last)}`);
  }
  return last;
}

Deno.test("stats of a cluster (Deno + Node on Redis): sums, distinct counts, nodes, a node killed", async () => {
  await ensureNpmBuild();
  const redis = await startRedis();
  const flags = ["--redis", redis.url, "--presence-ttl", String(TTL), KEY, SECRET];
  const deno = await startCli("deno", flags, { THUNDERPUSH_NO_DASHBOARD: "1" });
  const node = await startCli("node", flags);
  const clients: SockjsWs[] = [];
  try {
    for (
      const [base, user, channels] of [
        [deno.base, "alice", ["news", "deno-only"]],
        [node.base, "alice", ["news"]],
        [node.base, "bob", ["news", "node-only"]],
      ] as const
    ) {
      const c = await SockjsWs.session(base);
      c.send(`CONNECT ${user}:${KEY}`, ...channels.map((ch) => `SUBSCRIBE ${ch}`));
      clients.push(c);
    }
    for (let i = 0; i < 4; i++) {
      assert.equal(
        (await apiClient(node.base)("POST", "/channels/news/", `${i}`)).text,
        '{"count": 3}\n',
      );
    }
    // Pushes in a burst may share a frame: count the messages.
    for (const c of clients) {
      let seen = 0;
      while (seen < 4) seen += JSON.parse((await c.next()).slice(1)).length;
    }
    for (const base of [deno.base, node.base]) {
      const s = await statsUntil(base, (s) => s.nodes.length === 2 && s.delivered === 12);
      assert.equal(s.connections, 3);
      assert.equal(s.users, 2, "alice on two nodes is one user");
      assert.equal(s.channels, 3);
      assert.equal(s.published, 4);
      assert.deepEqual(s.top_channels[0], { channel: "news", connections: 3 });
      assert.deepEqual(
        s.nodes.map((n: Json) => n.connections).sort(),
        [1, 2],
      );
      assert.equal(s.nodes[0].id, s.node, "this node first");
    }
    const page = JSON.parse((await apiClient(deno.base)("GET", "/users/?limit=1")).text);
    assert.deepEqual(page.users, ["alice"]);
    const next = JSON.parse(
      (await apiClient(deno.base)("GET", `/users/?cursor=${page.cursor}`)).text,
    );
    assert.deepEqual(next, { count: 2, users: ["bob"], cursor: null });

    // The Node build serves the dashboard; the Deno node was told not to.
    const served = await fetch(`${node.base}/dashboard/`);
    assert.equal(served.status, 200);
    assert.match(await served.text(), /<input name="secret"/);
    assert.match(served.headers.get("Content-Security-Policy")!, /frame-ancestors 'none'/);
    const off = await fetch(`${deno.base}/dashboard/`);
    assert.equal(off.status, 404);
    await off.body?.cancel();
    const denied = await fetch(`${node.base}/api/1.0.0/${KEY}/stats/`);
    assert.equal(denied.status, 401);
    await denied.body?.cancel();

    // The Deno node dies: its row goes within the report TTL, its users and channels with the
    // presence TTL.
    deno.child.kill("SIGKILL");
    await deno.child.status;
    const killed = Date.now();
    await statsUntil(node.base, (s) => s.nodes.length === 1, REPORT_TTL_MS + 3_000);
    assert.ok(Date.now() - killed <= REPORT_TTL_MS + 2_500, "the dead node's row lingered");
    const after = await statsUntil(node.base, (s) => s.channels === 2, TTL + 5_000);
    assert.deepEqual([after.connections, after.users], [2, 2]);

    // Redis away: 503 in the API's shape, not figures of this node alone passed off as the cluster's.
    await redis.stop();
    await eventually(async () => {
      const res = await fetch(`${node.base}/api/1.0.0/${KEY}/stats/`, {
        headers: { "X-Thunder-Secret-Key": SECRET },
      });
      const text = await res.text();
      return res.status === 503 &&
        text === '{"message": "Cluster broker unavailable.", "status": 503}\n';
    }, 10_000);
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    for (const n of [deno, node]) {
      await n.stop();
      await Deno.remove(n.pidPath).catch(() => {});
    }
    await redis.stop();
  }
});
