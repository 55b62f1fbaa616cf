import assert from "node:assert/strict";
import { KEY, startServer, until } from "./helpers/server.ts";
import { SockjsWs } from "./helpers/sockjs_ws.ts";

Deno.test("websocket: CONNECT, SUBSCRIBE, channel and user pushes arrive as object frames", async () => {
  const server = startServer();
  const alice = await SockjsWs.session(server.base);
  try {
    alice.send(`CONNECT alice:${KEY}`, "SUBSCRIBE news:sports");
    await until(() => server.thunder.hub.app(KEY)!.channelCount === 2);
    assert.deepEqual(await server.api("POST", "/channels/news/", '{"x": 1}'), {
      status: 200,
      text: '{"count": 1}\n',
    });
    assert.equal(await alice.next(), 'a[{"payload":"{\\"x\\": 1}","channel":"news"}]');
    assert.deepEqual(await server.api("POST", "/users/alice/", '"hello"'), {
      status: 200,
      text: '{"count": 1}\n',
    });
    assert.equal(await alice.next(), 'a[{"payload":"\\"hello\\""}]');
    await server.api("POST", "/channels/sports/", '{"t": "é€😀 </script>"}');
    assert.equal(
      await alice.next(),
      'a[{"payload":"{\\"t\\": \\"\\u00e9\\u20ac\\ud83d\\ude00 </script>\\"}","channel":"sports"}]',
    );
  } finally {
    await alice.close();
    await server.close();
  }
});

Deno.test("websocket: presence counts distinct users and ends when the socket closes", async () => {
  const server = startServer();
  const a1 = await SockjsWs.session(server.base);
  const a2 = await SockjsWs.session(server.base);
  const bob = await SockjsWs.session(server.base);
  try {
    a1.send(`CONNECT alice:${KEY}`, "SUBSCRIBE room");
    a2.send(`CONNECT alice:${KEY}`, "SUBSCRIBE room");
    bob.send(`CONNECT bob:${KEY}`, "SUBSCRIBE room");
    const app = server.thunder.hub.app(KEY)!;
    await until(() => app.connectionCount === 3 && app.channelUsers("room").length === 2);
    assert.equal((await server.api("GET", "/users/")).text, '{"count": 2}\n');
    assert.equal((await server.api("GET", "/channels/room/")).text, '{"users": ["alice", "bob"]}\n');
    assert.equal((await server.api("POST", "/channels/room/", "1")).text, '{"count": 3}\n');
    assert.equal((await server.api("POST", "/users/alice/", "2")).text, '{"count": 2}\n');
    await a1.close();
    await until(() => app.connectionCount === 2);
    assert.equal((await server.api("GET", "/users/alice/")).text, '{"online": true}\n');
    await a2.close();
    await until(() => app.connectionCount === 1);
    assert.equal((await server.api("GET", "/users/alice/")).text, '{"online": false}\n');
    assert.equal((await server.api("GET", "/users/")).text, '{"count": 1}\n');
    assert.equal((await server.api("GET", "/channels/room/")).text, '{"users": ["bob"]}\n');
    await bob.close();
    await until(() => app.connectionCount === 0);
    assert.equal(app.channelCount, 0);
    assert.equal(app.userCount, 0);
  } finally {
    await Promise.all([a1.close(), a2.close(), bob.close()]);
    await server.close();
  }
});

Deno.test("websocket: DELETE on a user closes every one of its connections with 9002", async () => {
  const server = startServer();
  const conns = await Promise.all([1, 2, 3].map(() => SockjsWs.session(server.base)));
  const other = await SockjsWs.session(server.base);
  try {
    for (const c of conns) c.send(`CONNECT carol:${KEY}`);
    other.send(`CONNECT dave:${KEY}`);
    const app = server.thunder.hub.app(KEY)!;
    await until(() => app.connectionCount === 4);
    assert.equal((await server.api("DELETE", "/users/carol/")).status, 204);
    for (const c of conns) {
      assert.equal(await c.next(), 'c[9002,"Server closed the connection (intentionally)."]');
      await c.closed;
    }
    assert.equal((await server.api("GET", "/users/carol/")).text, '{"online": false}\n');
    assert.equal((await server.api("POST", "/users/dave/", "1")).text, '{"count": 1}\n');
    assert.equal(await other.next(), 'a[{"payload":"1"}]');
  } finally {
    await Promise.all([...conns, other].map((c) => c.close()));
    await server.close();
  }
});

Deno.test("websocket: an unknown key closes with 9000, SUBSCRIBE before CONNECT with 9001", async () => {
  const server = startServer();
  const wrong = await SockjsWs.session(server.base);
  const early = await SockjsWs.session(server.base);
  const earlyUnsub = await SockjsWs.session(server.base);
  try {
    wrong.send("CONNECT x:nokey");
    assert.equal(await wrong.next(), 'c[9000,"Invalid API key."]');
    early.send("SUBSCRIBE news");
    assert.equal(await early.next(), 'c[9001,"Subscribing before connecting."]');
    earlyUnsub.send("UNSUBSCRIBE news");
    assert.equal(await earlyUnsub.next(), 'c[9001,"Subscribing before connecting."]');
    await Promise.all([wrong.closed, early.closed, earlyUnsub.closed]);
  } finally {
    await Promise.all([wrong.close(), early.close(), earlyUnsub.close()]);
    await server.close();
  }
});

Deno.test("websocket: UNSUBSCRIBE removes only that connection; subscribing twice counts once", async () => {
  const server = startServer();
  const a = await SockjsWs.session(server.base);
  const b = await SockjsWs.session(server.base);
  try {
    a.send(`CONNECT a:${KEY}`, "SUBSCRIBE news", "SUBSCRIBE news:news");
    b.send(`CONNECT b:${KEY}`, "SUBSCRIBE news");
    const app = server.thunder.hub.app(KEY)!;
    await until(() => app.channelUsers("news").length === 2);
    assert.equal((await server.api("POST", "/channels/news/", "1")).text, '{"count": 2}\n');
    assert.equal(await a.next(), 'a[{"payload":"1","channel":"news"}]');
    assert.equal(await b.next(), 'a[{"payload":"1","channel":"news"}]');
    a.send("UNSUBSCRIBE news");
    await until(() => app.channelUsers("news").length === 1);
    assert.equal((await server.api("GET", "/channels/news/")).text, '{"users": ["b"]}\n');
    assert.equal((await server.api("POST", "/channels/news/", "2")).text, '{"count": 1}\n');
    assert.equal(await b.next(), 'a[{"payload":"2","channel":"news"}]');
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(a.unread, []);
  } finally {
    await Promise.all([a.close(), b.close()]);
    await server.close();
  }
});

Deno.test("websocket: garbage from one client closes it or is ignored; others keep receiving", async () => {
  const server = startServer({ maxMessageSize: 1024 });
  const good = await SockjsWs.session(server.base);
  const broken = await SockjsWs.session(server.base);
  const big = await SockjsWs.session(server.base);
  const noisy = await SockjsWs.session(server.base);
  try {
    good.send(`CONNECT good:${KEY}`, "SUBSCRIBE news");
    noisy.send(`CONNECT noisy:${KEY}`);
    // Ignored: unknown commands, lower case, bad syntax, non-strings, bad channel names.
    noisy.sendRaw('["connect x:y","HELLO","CONNECT a:b:c","SUBSCRIBE",1,null,{"a":1}]');
    noisy.sendRaw("");
    noisy.send("SUBSCRIBE bad/name:" + "x".repeat(65) + ":ok");
    broken.sendRaw('["CONNECT a:b"');
    assert.equal(await broken.next(), 'c[1002,"Broken framing."]');
    big.sendRaw(JSON.stringify(["x".repeat(2000)]));
    assert.equal(await big.next(), 'c[1009,"Message too big."]');
    const app = server.thunder.hub.app(KEY)!;
    await until(() => app.channelUsers("ok").length === 1);
    assert.deepEqual([...app.subscriptionsOf([...app.connectionsOf("noisy")][0])], ["ok"]);
    assert.equal((await server.api("POST", "/channels/news/", '"still here"')).text, '{"count": 1}\n');
    assert.equal(await good.next(), 'a[{"payload":"\\"still here\\"","channel":"news"}]');
    assert.deepEqual(noisy.unread, []);
  } finally {
    await Promise.all([good.close(), broken.close(), big.close(), noisy.close()]);
    await server.close();
  }
});

Deno.test("websocket: the raw endpoint takes plain commands and gets JSON text frames", async () => {
  const server = startServer();
  const raw = await SockjsWs.open(server.base, "/connect/websocket");
  const rejected = await SockjsWs.open(server.base, "/connect/websocket");
  try {
    raw.sendRaw(`CONNECT rawuser:${KEY}`);
    raw.sendRaw("SUBSCRIBE news");
    const app = server.thunder.hub.app(KEY)!;
    await until(() => app.channelCount === 1);
    assert.equal((await server.api("POST", "/channels/news/", '{"a": "é"}')).text, '{"count": 1}\n');
    assert.equal(await raw.next(), '{"payload":"{\\"a\\": \\"\\u00e9\\"}","channel":"news"}');
    assert.equal((await server.api("POST", "/users/rawuser/", "1")).status, 200);
    assert.equal(JSON.parse(await raw.next()).payload, "1");
    rejected.sendRaw("CONNECT a:wrong");
    const closed = await rejected.closed;
    assert.equal(closed.code, 4000);
    assert.equal(closed.reason, "Invalid API key.");
    assert.equal((await server.api("DELETE", "/users/rawuser/")).status, 204);
    assert.equal((await raw.closed).code, 4002);
  } finally {
    await Promise.all([raw.close(), rejected.close()]);
    await server.close();
  }
});

Deno.test("websocket: heartbeat frames arrive while idle", async () => {
  const server = startServer({ heartbeatDelay: 50 });
  const client = await SockjsWs.session(server.base);
  try {
    assert.equal(await client.next(), "h");
    assert.equal(await client.next(), "h");
  } finally {
    await client.close();
    await server.close();
  }
});

Deno.test("websocket: closing the server sends 1001 so that clients reconnect", async () => {
  const server = startServer();
  const client = await SockjsWs.session(server.base);
  try {
    client.send(`CONNECT z:${KEY}`);
    await until(() => server.thunder.hub.app(KEY)!.connectionCount === 1);
    server.thunder.close();
    assert.equal(await client.next(), 'c[1001,"Server shutting down"]');
    await client.closed;
    assert.equal(server.thunder.hub.app(KEY)!.connectionCount, 0);
  } finally {
    await client.close();
    await server.close();
  }
});

Deno.test("sockjs endpoints: greeting, info and websocket handshake errors", async () => {
  const server = startServer();
  try {
    for (const path of ["/connect", "/connect/"]) {
      const res = await fetch(server.base + path);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), "text/plain; charset=UTF-8");
      assert.equal(await res.text(), "Welcome to SockJS!\n");
    }
    const info = await fetch(server.base + "/connect/info");
    const body = await info.json();
    assert.equal(body.websocket, true);
    assert.deepEqual(body.origins, ["*:*"]);
    assert.equal(typeof body.entropy, "number");
    assert.match(info.headers.get("cache-control") ?? "", /no-store/);
    const plain = await fetch(server.base + "/connect/000/abc/websocket");
    assert.equal(plain.status, 400);
    await plain.body?.cancel();
    const post = await fetch(server.base + "/connect/000/abc/websocket", { method: "POST" });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get("allow"), "GET");
    await post.body?.cancel();
    for (const bad of ["/connect/000//websocket", "/connect/a.b/c/websocket", "/connect/x"]) {
      const res = await fetch(server.base + bad);
      assert.equal(res.status, 404, bad);
      await res.body?.cancel();
    }
  } finally {
    await server.close();
  }
});
