/**
 * Adversarial: every kind of string a client chooses (user ids, channel names, API path segments)
 * sent into a real server with a real Redis broker, on Deno and on the Node build, over WebSocket
 * and xhr. Strings the API could never name are refused with a documented close frame; every other
 * one works end to end; nothing takes the process down or disturbs another client. Then the
 * session's exception boundary itself: a listener that throws closes its own session with 1011.
 *
 * @module
 */

import assert from "node:assert/strict";
import { SockjsServer } from "../../lib/sockjs/server.ts";
import { serve } from "../../lib/adapters/serve_deno.ts";
import { ensureNpmBuild } from "../helpers/node_target.ts";
import { type RedisServer, startRedis } from "../helpers/redis.ts";
import { SockjsWs } from "../helpers/sockjs_ws.ts";
import { apiClient, eventually, KEY, type Runtime, startCli } from "../helpers/target.ts";
import { pollingSession } from "../helpers/polling_session.ts";

const INVALID_USER_ID = 'c[9003,"Invalid user id."]';

/** User ids CONNECT must refuse: the API cannot name them, or they are over the default 256. */
const REFUSED_IDS: readonly string[] = [
  "q\ud800", // a lone high surrogate: crashed every --redis node
  "\udc00",
  "\ude00\ud83d", // a pair's halves in the wrong order: two lone surrogates
  "", // empty: /users//  matches no route
  ".", // URL parsers drop dot segments (and %2E ones)
  "..",
  "x".repeat(257),
  "y".repeat(60_000), // under --max-message-size, far over --max-id-length
];

/** User ids that must work end to end: connect, presence, a push, a channel listing. */
const ACCEPTED_IDS: readonly string[] = [
  "z".repeat(256),
  "a/b?c#d%25&e=f",
  "é€𝄞\ud83d\ude00",
  "\0\x01\x7f\n\r\t\u2028\u2029",
  "in side",
  "...",
  "a|b",
  "%ED%A0%80", // the text of a lone surrogate's key encoding: a different key from "\ud800"
  "a\ufeff\ufffe\uffff", // (a leading U+FEFF would be trimmed with the CONNECT argument)
];

/** Channel names SUBSCRIBE must ignore (the valid ones are 1-64 of a small ASCII set). */
const IGNORED_CHANNELS: readonly string[] = [
  "\ud800",
  ".",
  "..",
  "c".repeat(65),
  "é",
  "a b",
  "a/b",
];

/** A CONNECT argument: the id, its `:` and the key (the id itself never holds `:`). */
function connect(id: string): string {
  return `CONNECT ${id}:${KEY}`;
}

async function channelCount(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return Number(/^thunderpush_channels(?:\{[^}]*\})? (\d+)/m.exec(text)?.[1]);
}

async function clientStringsAgainst(runtime: Runtime, redis: RedisServer): Promise<void> {
  if (runtime === "node") await ensureNpmBuild();
  const server = await startCli(runtime, ["--redis", redis.url, KEY, "secretkey"]);
  const api = apiClient(server.base);
  const clients: SockjsWs[] = [];
  try {
    await eventually(async () => (await fetch(`${server.base}/readyz`)).status === 200, 10_000);
    // A bystander that must see every push while the rest goes on.
    const bystander = await SockjsWs.session(server.base);
    clients.push(bystander);
    bystander.send(connect("bystander"), "SUBSCRIBE news");
    await eventually(async () => (await api("GET", "/channels/news/")).text.includes("bystander"));
    let pushes = 0;
    const pushAndCheck = async () => {
      pushes++;
      assert.equal((await api("POST", "/channels/news/", String(pushes))).text, '{"count": 1}\n');
      assert.equal(await bystander.next(), `a[{"payload":"${pushes}","channel":"news"}]`);
    };

    // Refused user ids, over WebSocket and over xhr: 9003, nothing registered.
    for (const id of REFUSED_IDS) {
      const ws = await SockjsWs.session(server.base);
      clients.push(ws);
      ws.send(connect(id));
      assert.equal(await ws.next(), INVALID_USER_ID, `WebSocket ${JSON.stringify(id.slice(0, 9))}`);
      const xhr = pollingSession(server.base);
      assert.equal(await xhr.xhr(), "o\n");
      assert.equal(await xhr.send(connect(id), "SUBSCRIBE news"), 204);
      assert.equal(
        await xhr.xhr(),
        INVALID_USER_ID + "\n",
        `xhr ${JSON.stringify(id.slice(0, 9))}`,
      );
      await pushAndCheck();
    }
    assert.equal((await api("GET", "/users/")).text, '{"count": 1}\n');
    assert.equal((await api("GET", "/channels/news/")).text, '{"users": ["bystander"]}\n');

    // Ignored channel names: nothing is held for them, the valid one beside them is subscribed.
    const subscriber = await SockjsWs.session(server.base);
    clients.push(subscriber);
    subscriber.send(connect("subscriber"), `SUBSCRIBE ${IGNORED_CHANNELS.join(":")}:fine`);
    subscriber.send(`UNSUBSCRIBE ${IGNORED_CHANNELS.join(":")}`);
    await eventually(async () => (await api("GET", "/channels/fine/")).text.includes("subscriber"));
    assert.equal(await channelCount(server.base), 2); // news and fine
    await pushAndCheck();

    // Accepted user ids: online, reachable by a push, listed, logged out, over the API's paths.
    for (const id of ACCEPTED_IDS) {
      const label = JSON.stringify(id.slice(0, 12));
      const ws = await SockjsWs.session(server.base);
      clients.push(ws);
      ws.send(connect(id), "SUBSCRIBE room");
      const path = `/users/${encodeURIComponent(id)}/`;
      await eventually(async () => (await api("GET", path)).text === '{"online": true}\n')
        .catch((error) =>
          Promise.reject(new Error(`${label} never came online`, { cause: error }))
        );
      assert.equal((await api("POST", path, '"hi"')).text, '{"count": 1}\n', label);
      assert.equal(await ws.next(), 'a[{"payload":"\\"hi\\""}]', label);
      const users = JSON.parse((await api("GET", "/channels/room/")).text).users;
      assert.deepEqual(users, [id], label);
      assert.equal((await api("DELETE", path)).status, 204, label);
      assert.equal(await ws.next(), 'c[9002,"Server closed the connection (intentionally)."]');
      await pushAndCheck();
    }

    // API paths into the broker: not UTF-8 gets 400, any length of a UTF-8 one an answer.
    for (const segment of ["%ED%A0%80", "q%ED%A0%80", "%FF", "%C0%AE"]) {
      for (
        const [method, path] of [
          ["GET", `/users/${segment}/`],
          ["POST", `/users/${segment}/`],
          [
            "DELETE",
            `/users/${segment}/`,
          ],
          ["GET", `/channels/${segment}/`],
          ["POST", `/channels/${segment}/`],
        ]
      ) {
        assert.equal(
          (await api(method, path, method === "POST" ? "1" : undefined)).status,
          400,
          `${method} ${path}`,
        );
      }
    }
    // 9 KB of path (Node refuses request heads over 16 KiB with 431, before our code).
    const long = encodeURIComponent("\u2028".repeat(1_000));
    assert.equal((await api("GET", `/users/${long}/`)).text, '{"online": false}\n');
    assert.equal((await api("POST", `/users/${long}/`, "1")).text, '{"count": 0}\n');
    assert.equal((await api("DELETE", `/users/${long}/`)).status, 204);
    assert.equal((await api("GET", `/channels/${long}/`)).text, '{"users": []}\n');
    assert.equal((await api("POST", `/channels/${long}/`, "1")).text, '{"count": 0}\n');

    await pushAndCheck();
    assert.equal((await fetch(`${server.base}/healthz`)).status, 200);
    assert.doesNotMatch(server.stderr(), /ERROR|Unhandled|failed/);
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    const status = await server.stop();
    await Deno.remove(server.pidPath).catch(() => {});
    assert.ok(
      status.success,
      `the ${runtime} server exited with ${status.code}:\n${server.stderr()}`,
    );
  }
}

for (const runtime of ["deno", "node"] as const) {
  Deno.test(`client strings (${runtime}, --redis): refused with 9003 or working end to end, never a crash`, async () => {
    const redis = await startRedis();
    try {
      await clientStringsAgainst(runtime, redis);
    } finally {
      await redis.stop();
    }
  });
}

Deno.test("a listener that throws closes its own session with 1011; the others go on", async () => {
  const errors: string[] = [];
  const sockjs = new SockjsServer({
    prefix: "/echo",
    onError: (_conn, error) => errors.push((error as Error).message),
  });
  sockjs.onConnection((conn) => {
    conn.on("data", (message) => {
      if (message === "throw") throw new Error("listener bug");
      conn.write(message);
    });
    conn.on("close", () => {
      if (conn.info.protocol === "xhr") throw new Error("close listener bug");
    });
  });
  const server = serve(
    (req, ctx) => sockjs.handle(req, ctx) ?? Promise.resolve(new Response(null, { status: 404 })),
    {
      port: 0,
      hostname: "127.0.0.1",
    },
  );
  const base = `http://127.0.0.1:${server.addr.port}`;
  const other = await SockjsWs.open(base, `/echo/000/${crypto.randomUUID().slice(0, 8)}/websocket`);
  const bad = await SockjsWs.open(base, `/echo/000/${crypto.randomUUID().slice(0, 8)}/websocket`);
  try {
    assert.deepEqual([await other.next(), await bad.next()], ["o", "o"]);
    bad.send("throw");
    assert.equal(await bad.next(), 'c[1011,"Internal server error."]');
    await bad.closed;
    const url = `${base}/echo/000/${crypto.randomUUID().slice(0, 8)}`;
    assert.equal(await (await fetch(`${url}/xhr`, { method: "POST" })).text(), "o\n");
    const sent = await fetch(`${url}/xhr_send`, { method: "POST", body: '["throw"]' });
    await sent.body?.cancel();
    assert.equal(sent.status, 204);
    assert.equal(
      await (await fetch(`${url}/xhr`, { method: "POST" })).text(),
      'c[1011,"Internal server error."]\n',
    );
    other.send("still here");
    assert.equal(await other.next(), 'a["still here"]');
    assert.deepEqual(errors, ["listener bug", "listener bug", "close listener bug"]);
  } finally {
    await other.close();
    sockjs.destroyAll();
    await server.close();
  }
});
