import assert from "node:assert/strict";
import SockJS from "sockjs-client";
import {
  backoffDelay,
  type CloseInfo,
  connect,
  type ConnectionState,
  type SockJSConstructor,
  type ThunderClient,
  type ThunderMessage,
} from "../client/mod.ts";
import { KEY, startServer, type TestServer, until } from "./helpers/server.ts";
import { restartServer } from "./helpers/restart.ts";

/** A client with everything it emitted recorded. */
function record(client: ThunderClient) {
  const messages: ThunderMessage[] = [];
  const states: ConnectionState[] = [];
  const closes: CloseInfo[] = [];
  client.on("message", (m) => messages.push(m));
  client.on("state", (s) => states.push(s));
  client.on("close", (c) => closes.push(c));
  return { client, messages, states, closes };
}

const FAST = { initialDelay: 20, maxDelay: 200 };

function subscribers(server: TestServer, channel: string): string[] {
  return server.thunder.hub.app(KEY)!.channelUsers(channel);
}

Deno.test("connect() receives channel and user pushes with parsed payloads", async () => {
  const server = startServer();
  const { client, messages, states } = record(
    connect(server.base, { publicKey: KEY, user: "alice", channels: ["news"] }),
  );
  try {
    await until(() => subscribers(server, "news").length === 1);
    assert.equal(client.state, "open");
    assert.deepEqual(states, ["open"]);
    assert.equal((await server.api("POST", "/channels/news/", '{"x": 1}')).text, '{"count": 1}\n');
    assert.equal((await server.api("POST", "/users/alice/", '"hello"')).text, '{"count": 1}\n');
    await server.api("POST", "/channels/news/", ' [1, "é€😀 </script>"] ');
    await until(() => messages.length === 3);
    assert.deepEqual(messages, [
      { payload: { x: 1 }, channel: "news" },
      { payload: "hello" },
      { payload: [1, "é€😀 </script>"], channel: "news" },
    ]);
  } finally {
    await client.close();
    await server.close();
  }
});

Deno.test("subscribe() before the connection opens is sent with CONNECT; unsubscribe() too", async () => {
  const server = startServer();
  const { client, messages } = record(connect(server.base, { publicKey: KEY, user: "bob" }));
  try {
    client.subscribe("sports", "news", "sports");
    assert.equal(client.state, "connecting");
    assert.deepEqual(client.channels, ["sports", "news"]);
    await until(() => subscribers(server, "sports").length === 1);
    assert.deepEqual(subscribers(server, "news"), ["bob"]);
    await server.api("POST", "/channels/sports/", "1");
    await until(() => messages.length === 1);
    client.unsubscribe("sports");
    assert.deepEqual(client.channels, ["news"]);
    await until(() => subscribers(server, "sports").length === 0);
    assert.deepEqual(subscribers(server, "news"), ["bob"]);
    assert.throws(() => client.subscribe("no spaces"), TypeError);
    assert.throws(() => client.subscribe("x".repeat(65)), TypeError);
  } finally {
    await client.close();
    await server.close();
  }
});

Deno.test("connect() without a user sends a random anonymous id", async () => {
  const server = startServer();
  const a = connect(server.base, { publicKey: KEY });
  const b = connect(`${server.base}/connect/`, { publicKey: KEY });
  try {
    assert.match(a.user, /^anon-[0-9a-f]{16}$/);
    assert.notEqual(a.user, b.user);
    await until(() => server.thunder.hub.app(KEY)!.userCount === 2);
    assert.equal((await server.api("GET", `/users/${a.user}/`)).text, '{"online": true}\n');
  } finally {
    await Promise.all([a.close(), b.close()]);
    await server.close();
  }
});

Deno.test("connect() reconnects after a server restart and subscribes again", async () => {
  let server = startServer();
  const { client, messages, states, closes } = record(
    connect(server.base, {
      publicKey: KEY,
      user: "carol",
      channels: ["news"],
      reconnect: FAST,
    }),
  );
  try {
    await until(() => subscribers(server, "news").length === 1);
    client.subscribe("late");
    await until(() => subscribers(server, "late").length === 1);
    server = await restartServer(server);
    await until(() => subscribers(server, "news").length === 1 && client.state === "open");
    assert.deepEqual(subscribers(server, "late"), ["carol"]);
    assert.equal(closes[0].code, 1001);
    assert.equal(typeof closes[0].reconnectIn, "number");
    assert.deepEqual(states.slice(0, 3), ["open", "connecting", "open"]);
    await server.api("POST", "/channels/late/", '"after"');
    await server.api("POST", "/users/carol/", '"to carol"');
    await until(() => messages.length === 2);
    assert.deepEqual(messages, [{ payload: "after", channel: "late" }, { payload: "to carol" }]);
  } finally {
    await client.close();
    await server.close();
  }
});

Deno.test("connect() stops for good after a forced logout (9002)", async () => {
  const server = startServer();
  const { client, states, closes } = record(
    connect(server.base, { publicKey: KEY, user: "dave", reconnect: FAST }),
  );
  try {
    await until(() => server.thunder.hub.app(KEY)!.isOnline("dave"));
    assert.equal((await server.api("DELETE", "/users/dave/")).status, 204);
    await until(() => client.state === "closed");
    assert.deepEqual(closes, [{
      code: 9002,
      reason: "Server closed the connection (intentionally).",
      reconnectIn: null,
    }]);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(server.thunder.hub.app(KEY)!.connectionCount, 0);
    assert.deepEqual(states, ["open", "closed"]);
  } finally {
    await client.close();
    await server.close();
  }
});

Deno.test("connect() stops for good on an invalid public key (9000)", async () => {
  const server = startServer();
  const { client, closes } = record(
    connect(server.base, { publicKey: "wrong", user: "eve", reconnect: FAST }),
  );
  try {
    await until(() => client.state === "closed");
    assert.deepEqual(closes, [{ code: 9000, reason: "Invalid API key.", reconnectIn: null }]);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(closes.length, 1);
  } finally {
    await client.close();
    await server.close();
  }
});

Deno.test("connect() backs off longer after each failed attempt", async () => {
  // A port nobody listens on: every attempt fails.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const { client, closes, states } = record(
    connect(`http://127.0.0.1:${port}`, {
      publicKey: KEY,
      reconnect: { initialDelay: 10, maxDelay: 80, factor: 2, jitter: 0.5 },
    }),
  );
  try {
    await until(() => closes.length >= 6, 5_000);
    const delays = closes.slice(0, 6).map((c) => c.reconnectIn!);
    const full = [10, 20, 40, 80, 80, 80];
    delays.forEach((delay, i) => {
      assert.ok(delay >= full[i] / 2 && delay <= full[i], `delay ${i} = ${delay}`);
    });
    // Until the cap, jitter (at most half) never makes a delay shorter than the one before.
    for (let i = 1; i < 4; i++) assert.ok(delays[i] >= delays[i - 1], `${delays}`);
    assert.ok(!states.includes("open"));
  } finally {
    await client.close();
  }
  assert.equal(client.state, "closed");
});

Deno.test("backoffDelay() grows by the factor, is capped, and takes off at most the jitter", () => {
  const none = { initialDelay: 1000, jitter: 0 };
  assert.deepEqual([0, 1, 2, 5, 6, 10].map((n) => backoffDelay(n, none)), [
    1000,
    2000,
    4000,
    32000,
    60000,
    60000,
  ]);
  assert.equal(backoffDelay(3, {}, () => 1), 4000);
  assert.equal(backoffDelay(3, {}, () => 0), 8000);
  assert.equal(backoffDelay(0, { jitter: 1 }, () => 1), 0);
});

Deno.test("connect() replaces a connection that stays silent past heartbeatTimeout", async () => {
  const server = startServer({ heartbeatDelay: 60_000 });
  const { client, closes } = record(
    connect(server.base, {
      publicKey: KEY,
      user: "frank",
      channels: ["news"],
      heartbeatTimeout: 150,
      reconnect: FAST,
    }),
  );
  try {
    await until(() => closes.length === 1);
    assert.equal(closes[0].code, 4000);
    assert.equal(closes[0].reason, "Heartbeat timeout");
    await until(() => client.state === "open" && subscribers(server, "news").length === 1);
  } finally {
    await client.close();
    await server.close();
  }
});

Deno.test("connect() falls back to SockJS when the WebSocket cannot be opened", async () => {
  const server = startServer();
  let attempts = 0;
  class BrokenWebSocket extends WebSocket {
    constructor(_url: string | URL) {
      attempts++;
      super("ws://127.0.0.1:1/unreachable");
    }
  }
  const { client, messages } = record(
    connect(server.base, {
      publicKey: KEY,
      user: "grace",
      channels: ["news"],
      WebSocket: BrokenWebSocket,
      SockJS: SockJS as unknown as SockJSConstructor,
    }),
  );
  try {
    await until(() => subscribers(server, "news").length === 1);
    await server.api("POST", "/channels/news/", '{"via": "sockjs"}');
    await until(() => messages.length === 1);
    assert.deepEqual(messages, [{ payload: { via: "sockjs" }, channel: "news" }]);
    assert.equal(attempts, 1);
  } finally {
    await client.close();
    await server.close();
  }
});

Deno.test("close() is safe to call twice and cancels a pending reconnect", async () => {
  const server = startServer();
  const { client, closes } = record(
    connect(server.base, { publicKey: KEY, user: "heidi", reconnect: { initialDelay: 5_000 } }),
  );
  await until(() => client.state === "open");
  await server.close();
  await until(() => closes.length === 1);
  assert.equal(client.state, "connecting");
  await Promise.all([client.close(), client.close()]);
  assert.equal(client.state, "closed");
  // --trace-leaks fails the test if the 5 s reconnect timer were still pending.
});

Deno.test("connect() rejects bad arguments", () => {
  assert.throws(() => connect("ftp://host", { publicKey: KEY }), TypeError);
  assert.throws(() => connect("http://host", { publicKey: KEY, user: "a:b" }), TypeError);
  assert.throws(
    () => connect("http://host", { publicKey: KEY, channels: ["bad channel"] }),
    TypeError,
  );
});
