/**
 * The stats endpoint and the paged users list over real sockets: the secret, the figures as
 * clients come and go and pushes flow, paging during churn, the original's answers unchanged, and
 * the dashboard's files with their security headers (or 404 with `dashboard: false`).
 *
 * @module
 */

import assert from "node:assert/strict";
import { KEY, SECRET, startServer, type TestServer, until } from "./helpers/server.ts";
import { SockjsWs } from "./helpers/sockjs_ws.ts";
import { busiest, pageAfter } from "../lib/stats/select.ts";
import { mergeHistory } from "../lib/stats/service.ts";
import { decodeCursor, encodeCursor } from "../lib/api/stats.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

async function stats(server: TestServer, secret = SECRET): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${server.base}/api/1.0.0/${KEY}/stats/`, {
    headers: { "X-Thunder-Secret-Key": secret },
  });
  return { status: res.status, body: JSON.parse(await res.text()) };
}

async function connect(server: TestServer, user: string, ...channels: string[]) {
  const c = await SockjsWs.session(server.base);
  c.send(`CONNECT ${user}:${KEY}`, ...channels.map((ch) => `SUBSCRIBE ${ch}`));
  return c;
}

/** Reads frames until `n` messages came (pushes in a burst may share a frame). */
async function readMessages(c: SockjsWs, n: number): Promise<void> {
  let seen = 0;
  while (seen < n) seen += JSON.parse((await c.next()).slice(1)).length;
}

Deno.test("GET /stats/ answers 401 without the secret, in the API's error shape", async () => {
  const server = startServer();
  try {
    const headerSets: Record<string, string>[] = [{}, { "X-Thunder-Secret-Key": "nope" }];
    for (const headers of headerSets) {
      const res = await fetch(`${server.base}/api/1.0.0/${KEY}/stats/`, { headers });
      assert.equal(res.status, 401);
      assert.equal(await res.text(), '{"message": "Wrong API key/secret.", "status": 401}\n');
    }
    const unknown = await fetch(`${server.base}/api/1.0.0/other/stats/`, {
      headers: { "X-Thunder-Secret-Key": SECRET },
    });
    assert.equal(unknown.status, 401);
    await unknown.body?.cancel();
    const post = await fetch(`${server.base}/api/1.0.0/${KEY}/stats/`, { method: "POST" });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get("Allow"), "GET, OPTIONS");
    await post.body?.cancel();
  } finally {
    await server.close();
  }
});

Deno.test("GET /stats/ follows connections, users, channels, pushes and their rates", async () => {
  const server = startServer();
  const clients: SockjsWs[] = [];
  try {
    const empty = await stats(server);
    assert.equal(empty.status, 200);
    assert.deepEqual(
      [empty.body.connections, empty.body.users, empty.body.channels, empty.body.top_channels],
      [0, 0, 0, []],
    );
    assert.deepEqual(empty.body.nodes.map((n: Json) => n.id), ["local"]);
    clients.push(await connect(server, "alice", "news", "sport"));
    clients.push(await connect(server, "alice", "news"));
    clients.push(await connect(server, "bob", "news", "weather", "sport"));
    await until(() => server.thunder.hub.app(KEY)!.channelSize("news") === 3);
    for (let i = 0; i < 4; i++) await server.api("POST", "/channels/news/", `${i}`);
    assert.equal((await server.api("POST", "/users/bob/", '"hi"')).text, '{"count": 1}\n');
    for (const [i, c] of clients.entries()) await readMessages(c, i === 2 ? 5 : 4);
    await new Promise((r) => setTimeout(r, 1_100)); // past the 1 s cache
    const { body } = await stats(server);
    assert.equal(body.connections, 3);
    assert.equal(body.users, 2);
    assert.equal(body.channels, 3);
    assert.equal(body.published, 5);
    assert.equal(body.delivered, 13); // 4 x 3 subscribers + 1
    assert.ok(body.published_per_second > 0, JSON.stringify(body));
    assert.ok(body.delivered_per_second > body.published_per_second);
    assert.deepEqual(body.top_channels, [
      { channel: "news", connections: 3 },
      { channel: "sport", connections: 2 },
      { channel: "weather", connections: 1 },
    ]);
    assert.equal(body.nodes.length, 1);
    assert.equal(body.nodes[0].connections, 3);
    assert.ok(body.history.time.length >= 1);
    assert.equal(body.history.step, 2);
    await clients.pop()!.close();
    await until(() => server.thunder.hub.app(KEY)!.connectionCount === 2);
    await new Promise((r) => setTimeout(r, 1_100));
    const after = (await stats(server)).body;
    assert.deepEqual([after.connections, after.users, after.channels], [2, 1, 2]);
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await server.close();
  }
});

Deno.test("GET /users/?limit&cursor pages the online users; without them the original's answer", async () => {
  const server = startServer();
  const clients: SockjsWs[] = [];
  const get = async (query: string) => {
    const res = await fetch(`${server.base}/api/1.0.0/${KEY}/users/${query}`, {
      headers: { "X-Thunder-Secret-Key": SECRET },
    });
    return { status: res.status, text: await res.text() };
  };
  try {
    for (const user of ["erin", "bob", "dave", "alice", "carol", "é"]) {
      clients.push(await connect(server, user));
    }
    await until(() => server.thunder.hub.app(KEY)!.userCount === 6);
    assert.deepEqual(await get(""), { status: 200, text: '{"count": 6}\n' });
    assert.deepEqual(await get("?other=1"), { status: 200, text: '{"count": 6}\n' });
    const first = await get("?limit=2");
    assert.equal(
      first.text,
      `{"count": 6, "users": ["alice", "bob"], "cursor": "${encodeCursor("bob")}"}\n`,
    );
    // Churn between pages: a user before the cursor joins, one after it leaves.
    clients.push(await connect(server, "aaron"));
    await clients[0].close(); // erin
    await until(() => server.thunder.hub.app(KEY)!.isOnline("aaron"));
    await until(() => !server.thunder.hub.app(KEY)!.isOnline("erin"));
    const seen: string[] = ["alice", "bob"];
    let cursor: string | null = JSON.parse(first.text).cursor;
    while (cursor !== null) {
      const page = JSON.parse((await get(`?limit=2&cursor=${cursor}`)).text);
      assert.equal(page.count, 6);
      seen.push(...page.users);
      cursor = page.cursor;
    }
    assert.deepEqual(seen, ["alice", "bob", "carol", "dave", "é"]);
    const all = JSON.parse((await get("?cursor=")).text);
    assert.deepEqual(all.users, ["aaron", "alice", "bob", "carol", "dave", "é"]);
    assert.equal(all.cursor, null);
    for (const bad of ["?limit=0", "?limit=1001", "?limit=x", "?limit=1.5", "?limit=-1"]) {
      assert.deepEqual(await get(bad), {
        status: 400,
        text: '{"message": "limit must be an integer from 1 to 1000.", "status": 400}\n',
      }, bad);
    }
    for (const bad of ["?cursor=%%", "?cursor=a", "?cursor=_w"]) {
      assert.deepEqual(await get(bad), {
        status: 400,
        text: '{"message": "Invalid cursor.", "status": 400}\n',
      }, bad);
    }
    const res = await fetch(`${server.base}/api/1.0.0/${KEY}/users/?limit=1`);
    assert.equal(res.status, 401);
    await res.body?.cancel();
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await server.close();
  }
});

Deno.test("/stats/ comes after the original's routes: a path they matched names the same", async () => {
  const server = startServer();
  try {
    assert.deepEqual(await server.api("GET", "/users/x/stats/"), {
      status: 200,
      text: '{"online": false}\n',
    });
    assert.deepEqual(await server.api("GET", "/channels/stats/"), {
      status: 200,
      text: '{"users": []}\n',
    });
  } finally {
    await server.close();
  }
});

Deno.test("/dashboard/ is served with a strict CSP and no framing; dashboard: false answers 404", async () => {
  const server = startServer();
  const off = startServer({ dashboard: false });
  try {
    const page = await fetch(`${server.base}/dashboard/`);
    const html = await page.text();
    assert.equal(page.status, 200);
    assert.match(page.headers.get("Content-Type")!, /^text\/html/);
    const csp = page.headers.get("Content-Security-Policy")!;
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self';/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.ok(!csp.includes("unsafe-inline"));
    assert.equal(page.headers.get("X-Frame-Options"), "DENY");
    assert.match(html, /<input name="key"/);
    assert.match(html, /<input name="secret" type="password"/);
    assert.ok(!/<script>|<script [^>]*>[^<]/.test(html), "no inline script");
    assert.ok(!/(src|href)="(https?:)?\/\//.test(html), "nothing from another origin");
    for (const [path, type] of [["dashboard.js", /javascript/], ["dashboard.css", /text\/css/]]) {
      const res = await fetch(`${server.base}/dashboard/${path}`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get("Content-Type")!, type as RegExp);
      const etag = res.headers.get("ETag")!;
      await res.body?.cancel();
      const again = await fetch(`${server.base}/dashboard/${path}`, {
        headers: { "If-None-Match": etag },
      });
      assert.equal(again.status, 304);
    }
    const bare = await fetch(`${server.base}/dashboard`, { redirect: "manual" });
    assert.equal(bare.status, 301);
    assert.equal(bare.headers.get("Location"), "dashboard/");
    for (const path of ["/dashboard/", "/dashboard/dashboard.js", "/dashboard"]) {
      const res = await fetch(`${off.base}${path}`, { redirect: "manual" });
      assert.equal(res.status, 404, path);
      await res.body?.cancel();
    }
    assert.equal((await stats(off)).status, 200, "the stats endpoint stays");
  } finally {
    await server.close();
    await off.close();
  }
});

Deno.test("pageAfter() keeps the smallest ids after the cursor; busiest() the largest channels", () => {
  const ids = Array.from(
    { length: 500 },
    (_, i) => `u${String((i * 7919) % 500).padStart(3, "0")}`,
  );
  assert.deepEqual(pageAfter(ids, undefined, 3), { ids: ["u000", "u001", "u002"], more: true });
  assert.deepEqual(pageAfter(ids, "u497", 3), { ids: ["u498", "u499"], more: false });
  assert.deepEqual(pageAfter([], undefined, 3), { ids: [], more: false });
  assert.deepEqual(
    busiest([["a", 1], ["b", 5], ["c", 5], ["d", 2], ["e", 9]], 3).map((c) => c.channel),
    ["e", "b", "c"],
  );
  for (const id of ["alice", "é", "a/b c", "\u{1F600}"]) {
    assert.equal(decodeCursor(encodeCursor(id)), id);
  }
});

Deno.test("mergeHistory() adds up the nodes' points step by step, up to the last complete one", () => {
  const merged = mergeHistory([
    [{ time: 1_000, connections: 1, published: 1, delivered: 2 }, {
      time: 3_000,
      connections: 2,
      published: 0,
      delivered: 0,
    }],
    [{ time: 3_400, connections: 5, published: 2, delivered: 4 }, {
      time: 5_400,
      connections: 6,
      published: 0,
      delivered: 0,
    }],
  ], 2_000);
  // The step at 5.4 s is left out: the first node has not reported it yet.
  assert.deepEqual(merged, [
    { time: 1_000, connections: 1, published: 1, delivered: 2 },
    { time: 3_400, connections: 7, published: 2, delivered: 4 },
  ]);
  // A node whose timer drifted past a step (two points in one, none in the next) counts with its
  // point before: no dip, no spike.
  const point = (time: number, connections: number) => ({
    time,
    connections,
    published: 0,
    delivered: 0,
  });
  const drifted = mergeHistory([
    [point(2_000, 10), point(3_900, 11), point(8_000, 12)],
    [point(2_500, 5), point(4_500, 5), point(6_500, 5), point(8_500, 5)],
  ], 2_000);
  assert.deepEqual(drifted.map((p) => p.connections), [15, 16, 16, 17]);
});
