/**
 * Hung and missing dependencies, on the CLI under Deno and the npm build under Node: a Redis that
 * stops answering (SIGSTOP) while the API is used, one that wants another password, and one that
 * is not there yet. API calls must answer 503 within `--redis-timeout`, `/readyz` must say not
 * ready while Redis does not answer, a publish answered 503 must not be delivered when Redis
 * resumes, presence and pub/sub must come back, and an outage must be logged once, not per retry.
 */

import assert from "node:assert/strict";
import { eventually, KEY, type Runtime, SECRET, startCli } from "../helpers/target.ts";
import { ensureNpmBuild } from "../helpers/node_target.ts";
import { SockjsWs } from "../helpers/sockjs_ws.ts";
import { type RedisServer, startRedis } from "../helpers/redis.ts";
import { freePort } from "../helpers/inspector.ts";

const TIMEOUT = 500;
const TTL = 1_000;
const UNAVAILABLE = '{"message": "Cluster broker unavailable.", "status": 503}\n';

type Cli = Awaited<ReturnType<typeof startCli>>;

/** An API call that fails the test instead of hanging it. */
async function api(
  node: Cli,
  method: string,
  path: string,
  body?: string,
): Promise<{ status: number; text: string; ms: number }> {
  const started = performance.now();
  const res = await fetch(`${node.base}/api/1.0.0/${KEY}${path}`, {
    method,
    body,
    headers: { "X-Thunder-Secret-Key": SECRET },
    signal: AbortSignal.timeout(5_000),
  });
  const text = await res.text();
  return { status: res.status, text, ms: performance.now() - started };
}

async function readyz(node: Cli): Promise<number> {
  const res = await fetch(`${node.base}/readyz`, { signal: AbortSignal.timeout(5_000) });
  await res.body?.cancel();
  return res.status;
}

const says = (node: Cli, path: string, text: string, timeoutMs = 5_000) =>
  eventually(async () => (await api(node, "GET", path)).text === text, timeoutMs);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Stops the CLI processes and checks that each exited cleanly (none crashed meanwhile). */
async function stopAll(nodes: Cli[]): Promise<void> {
  const statuses = await Promise.all(nodes.map((n) => n.stop()));
  await Promise.all(nodes.map((n) => Deno.remove(n.pidPath).catch(() => {})));
  for (const [i, status] of statuses.entries()) {
    assert.equal(status.code, 0, `node ${i} exited with ${status.code}:\n${nodes[i].stderr()}`);
  }
}

for (const runtime of ["deno", "node"] as Runtime[]) {
  Deno.test(`hung Redis (${runtime}): 503 within the timeout, not ready, no late delivery, full recovery`, async () => {
    if (runtime === "node") await ensureNpmBuild();
    const redis = await startRedis();
    const flags = ["--redis", redis.url, "--redis-timeout", String(TIMEOUT)];
    const nodes = await Promise.all(
      [0, 1].map(() => startCli(runtime, [...flags, "--presence-ttl", String(TTL), KEY, SECRET])),
    );
    const clients: SockjsWs[] = [];
    try {
      for (const node of nodes) await eventually(async () => await readyz(node) === 200);
      for (const [i, user] of [[0, "a"], [1, "b"]] as const) {
        const client = await SockjsWs.session(nodes[i].base);
        client.send(`CONNECT ${user}:${KEY}`, "SUBSCRIBE news");
        clients.push(client);
      }
      for (const node of nodes) await says(node, "/users/", '{"count": 2}\n');

      redis.pause();
      // The first call finds Redis hung: it is given up on at the timeout.
      const lost = await api(nodes[0], "POST", "/channels/news/", '"lost"');
      assert.deepEqual([lost.status, lost.text], [503, UNAVAILABLE]);
      assert.ok(lost.ms < TIMEOUT + 1_000, `answered in ${lost.ms.toFixed(0)} ms`);
      const lostToUser = await api(nodes[1], "POST", "/users/a/", '"lost"');
      assert.deepEqual([lostToUser.status, lostToUser.text], [503, UNAVAILABLE]);
      assert.ok(lostToUser.ms < TIMEOUT + 1_000, `answered in ${lostToUser.ms.toFixed(0)} ms`);
      for (const node of nodes) await eventually(async () => await readyz(node) === 503, 3_000);
      // While Redis is known to be away, calls are refused at once instead of waiting.
      const refused = await api(nodes[0], "GET", "/users/");
      assert.deepEqual([refused.status, refused.text], [503, UNAVAILABLE]);
      assert.ok(refused.ms < TIMEOUT, `refused in ${refused.ms.toFixed(0)} ms`);
      // Hung past the presence TTL: when Redis resumes, the nodes take each other for dead.
      await sleep(TTL + 500);
      redis.resume();

      for (const node of nodes) await eventually(async () => await readyz(node) === 200, 5_000);
      // Presence comes back on both nodes, and is still there a TTL later.
      for (const node of nodes) await says(node, "/users/", '{"count": 2}\n');
      await sleep(TTL * 1.5);
      for (const node of nodes) await says(node, "/users/", '{"count": 2}\n');
      // Pushes resume both ways (each node's pub/sub connection still listens).
      assert.equal(
        (await api(nodes[1], "POST", "/channels/news/", '"back"')).text,
        '{"count": 2}\n',
      );
      for (const c of clients) {
        assert.equal(await c.next(), 'a[{"payload":"\\"back\\"","channel":"news"}]');
      }
      assert.equal((await api(nodes[0], "POST", "/users/b/", '"hi b"')).text, '{"count": 1}\n');
      assert.equal(await clients[1].next(), 'a[{"payload":"\\"hi b\\""}]');
      assert.equal((await api(nodes[1], "POST", "/users/a/", '"hi a"')).text, '{"count": 1}\n');
      assert.equal(await clients[0].next(), 'a[{"payload":"\\"hi a\\""}]');
      // The publishes answered 503 were never delivered, late or not.
      await sleep(200);
      for (const c of clients) {
        assert.deepEqual(c.frames.filter((f) => f.includes("lost")), [], "a 503 was delivered");
        assert.deepEqual(c.unread, []);
      }
      for (const node of nodes) {
        assert.equal(node.stderr().match(/is unavailable/g)?.length, 1, node.stderr());
        assert.match(node.stderr(), /Redis at 127\.0\.0\.1:\d+ answers again/);
      }
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      await stopAll(nodes).finally(() => redis.stop());
    }
  });

  Deno.test(`a node frozen past the presence TTL (${runtime}) writes its presence again`, async () => {
    if (runtime === "node") await ensureNpmBuild();
    const redis = await startRedis();
    const flags = ["--redis", redis.url, "--redis-timeout", String(TIMEOUT)];
    const nodes = await Promise.all(
      [0, 1].map(() => startCli(runtime, [...flags, "--presence-ttl", String(TTL), KEY, SECRET])),
    );
    const clients: SockjsWs[] = [];
    try {
      for (const [i, user] of [[0, "a"], [1, "b"]] as const) {
        await eventually(async () => await readyz(nodes[i]) === 200);
        const client = await SockjsWs.session(nodes[i].base);
        client.send(`CONNECT ${user}:${KEY}`, "SUBSCRIBE news");
        clients.push(client);
      }
      for (const node of nodes) await says(node, "/users/", '{"count": 2}\n');
      // Node 0 stops (a long pause, a frozen VM): node 1 takes it for dead and removes its users.
      nodes[0].child.kill("SIGSTOP");
      try {
        await says(nodes[1], "/users/", '{"count": 1}\n', 3 * TTL);
        await eventually(() => Promise.resolve(/Removed the presence/.test(nodes[1].stderr())));
      } finally {
        nodes[0].child.kill("SIGCONT");
      }
      // It was not told: it finds out, and writes its presence again.
      for (const node of nodes) await says(node, "/users/", '{"count": 2}\n', 3 * TTL);
      assert.equal((await api(nodes[1], "POST", "/channels/news/", "1")).text, '{"count": 2}\n');
      for (const c of clients) assert.equal(await c.next(), 'a[{"payload":"1","channel":"news"}]');
      assert.match(nodes[0].stderr(), /presence was removed by another node; writing it again/);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      await stopAll(nodes).finally(() => redis.stop());
    }
  });

  Deno.test(`Redis with another password or not there (${runtime}): logged once, not ready, recovers`, async () => {
    if (runtime === "node") await ensureNpmBuild();
    const redis = await startRedis({ password: "right" });
    const port = freePort();
    let later: RedisServer | undefined;
    const common = ["--redis-timeout", String(TIMEOUT), KEY, SECRET];
    const nodes = await Promise.all([
      startCli(runtime, ["--redis", `redis://:wrong@127.0.0.1:${redis.port}`, ...common], {}, {
        waitReady: false,
      }),
      startCli(runtime, ["--redis", `redis://127.0.0.1:${port}`, ...common], {}, {
        waitReady: false,
      }),
    ]);
    const [wrongPassword, nobody] = nodes;
    try {
      const logged = (node: Cli, pattern: RegExp) =>
        eventually(() => Promise.resolve(pattern.test(node.stderr())), 3_000);
      await logged(wrongPassword, /ERROR Redis at 127\.0\.0\.1:\d+ is unavailable: .*WRONGPASS/);
      await logged(nobody, new RegExp(`ERROR Redis at 127\\.0\\.0\\.1:${port} is unavailable: .*`));
      for (const node of nodes) {
        assert.equal(await readyz(node), 503);
        const down = await api(node, "POST", "/channels/news/", "1");
        assert.deepEqual([down.status, down.text], [503, UNAVAILABLE]);
        assert.ok(down.ms < TIMEOUT, `refused in ${down.ms.toFixed(0)} ms`);
      }
      // Several retries later: still one line each, and no password in them.
      await sleep(2_500);
      for (const node of nodes) {
        assert.equal(node.stderr().match(/is unavailable/g)?.length, 1, node.stderr());
        assert.ok(!node.stderr().includes("wrong@"), node.stderr());
      }

      // The operator fixes the password; the missing Redis starts.
      assert.equal(await redis.command("CONFIG", "SET", "requirepass", "wrong"), "+OK");
      later = await startRedis({ port });
      for (const node of nodes) {
        await eventually(async () => await readyz(node) === 200, 8_000);
        assert.match(node.stderr(), /INFO Redis at 127\.0\.0\.1:\d+ answers again/);
        assert.equal((await api(node, "POST", "/channels/news/", "1")).text, '{"count": 0}\n');
      }
    } finally {
      await stopAll(nodes).finally(() => Promise.all([redis.stop(), later?.stop()]));
    }
  });
}
