/**
 * The history suite against every target (in-process, the Deno CLI, the npm build on Node), and
 * a cluster of a Deno node and a Node node on one Redis: a client away from the Deno node comes
 * back on the Node node and recovers what it missed.
 */

import assert from "node:assert/strict";
import { defineHistorySuite } from "./e2e/history_suite.ts";
import { apiClient, denoCli, inProcess, KEY, startCli } from "./helpers/target.ts";
import { ensureNpmBuild, nodeBuild } from "./helpers/node_target.ts";
import { startRedis } from "./helpers/redis.ts";
import { SockjsWs } from "./helpers/sockjs_ws.ts";
import { Elements } from "./helpers/history.ts";

defineHistorySuite("deno in-process", inProcess);
defineHistorySuite("deno cli", denoCli);
defineHistorySuite("node build", nodeBuild);

Deno.test("cluster history: away from a Deno node, back on a Node node, nothing lost", async () => {
  await ensureNpmBuild();
  const redis = await startRedis();
  const flags = ["--redis", redis.url, "--history-size", "100", KEY, "secretkey"];
  const nodes = await Promise.all([startCli("deno", flags), startCli("node", flags)]);
  const [deno, node] = nodes.map((n) => apiClient(n.base));
  try {
    const alice = await SockjsWs.session(nodes[0].base);
    alice.send(`CONNECT alice:${KEY}`, "SUBSCRIBE news");
    const deadline = Date.now() + 5_000;
    while ((await node("GET", "/channels/news/")).text !== '{"users": ["alice"]}\n') {
      if (Date.now() > deadline) throw new Error("alice never subscribed");
      await new Promise((r) => setTimeout(r, 20));
    }
    await node("POST", "/channels/news/", "1");
    const first = await new Elements(alice).next();
    assert.equal(first.offset, 1);
    await alice.close();
    for (let i = 2; i <= 9; i++) await (i % 2 ? deno : node)("POST", "/channels/news/", String(i));
    const back = await SockjsWs.session(nodes[1].base);
    back.send(`CONNECT alice:${KEY}`, `RECOVER news ${first.epoch} 1`);
    const elements = new Elements(back);
    assert.deepEqual(
      (await elements.take(8)).map((e) => e.offset),
      [2, 3, 4, 5, 6, 7, 8, 9],
    );
    await deno("POST", "/channels/news/", "10");
    assert.equal((await elements.next(5_000)).payload, "10");
    assert.deepEqual(await elements.rest(), []);
    await back.close();
  } finally {
    for (const n of nodes) {
      await n.stop();
      await Deno.remove(n.pidPath).catch(() => {});
    }
    await redis.stop();
  }
});
