/**
 * The shared end-to-end suite: API bytes, SockJS sessions over WebSocket, pushes, presence and
 * forced logout, against any running Thunderpush reached over the network.
 *
 * @module
 */

import assert from "node:assert/strict";
import { eventually, KEY, type StartTarget, type Target } from "../helpers/target.ts";
import { SockjsWs } from "../helpers/sockjs_ws.ts";

/** Waits until GET `path` answers `text`. */
function apiSays(server: Target, path: string, text: string): Promise<void> {
  return eventually(async () => (await server.api("GET", path)).text === text);
}

/** Registers the suite's tests, named `${name}: ...`, against servers made by `start`. */
export function defineWebsocketSuite(name: string, start: StartTarget): void {
  Deno.test(`${name}: websocket: CONNECT, SUBSCRIBE, channel and user pushes arrive as object frames`, async () => {
    const server = await start();
    const alice = await SockjsWs.session(server.base);
    try {
      alice.send(`CONNECT alice:${KEY}`, "SUBSCRIBE news:sports");
      await apiSays(server, "/channels/sports/", '{"users": ["alice"]}\n');
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

  Deno.test(`${name}: websocket: presence counts distinct users and ends when the socket closes`, async () => {
    const server = await start();
    const a1 = await SockjsWs.session(server.base);
    const a2 = await SockjsWs.session(server.base);
    const bob = await SockjsWs.session(server.base);
    try {
      a1.send(`CONNECT alice:${KEY}`, "SUBSCRIBE room", "SUBSCRIBE mark1");
      a2.send(`CONNECT alice:${KEY}`, "SUBSCRIBE room", "SUBSCRIBE mark2");
      for (const mark of ["mark1", "mark2"]) {
        await apiSays(server, `/channels/${mark}/`, '{"users": ["alice"]}\n');
      }
      // Bob only after alice is in: frames on different sockets may arrive in any order.
      bob.send(`CONNECT bob:${KEY}`, "SUBSCRIBE room", "SUBSCRIBE mark3");
      await apiSays(server, "/channels/mark3/", '{"users": ["bob"]}\n');
      assert.equal((await server.api("GET", "/users/")).text, '{"count": 2}\n');
      assert.equal(
        (await server.api("GET", "/channels/room/")).text,
        '{"users": ["alice", "bob"]}\n',
      );
      assert.equal((await server.api("POST", "/channels/room/", "1")).text, '{"count": 3}\n');
      assert.equal((await server.api("POST", "/users/alice/", "2")).text, '{"count": 2}\n');
      await a1.close();
      await eventually(async () =>
        (await server.api("POST", "/users/alice/", "3")).text === '{"count": 1}\n'
      );
      assert.equal((await server.api("GET", "/users/alice/")).text, '{"online": true}\n');
      await a2.close();
      await apiSays(server, "/users/alice/", '{"online": false}\n');
      assert.equal((await server.api("GET", "/users/")).text, '{"count": 1}\n');
      assert.equal((await server.api("GET", "/channels/room/")).text, '{"users": ["bob"]}\n');
      await bob.close();
      await apiSays(server, "/users/", '{"count": 0}\n');
      assert.equal((await server.api("GET", "/channels/room/")).text, '{"users": []}\n');
      assert.equal((await server.api("POST", "/channels/room/", "4")).text, '{"count": 0}\n');
    } finally {
      await Promise.all([a1.close(), a2.close(), bob.close()]);
      await server.close();
    }
  });

  Deno.test(`${name}: websocket: DELETE on a user closes every one of its connections with 9002`, async () => {
    const server = await start();
    const conns = await Promise.all([1, 2, 3].map(() => SockjsWs.session(server.base)));
    const other = await SockjsWs.session(server.base);
    try {
      conns.forEach((c, i) => c.send(`CONNECT carol:${KEY}`, `SUBSCRIBE mark${i}`));
      other.send(`CONNECT dave:${KEY}`);
      for (const i of [0, 1, 2]) {
        await apiSays(server, `/channels/mark${i}/`, '{"users": ["carol"]}\n');
      }
      await apiSays(server, "/users/dave/", '{"online": true}\n');
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

  Deno.test(`${name}: websocket: an unknown key closes with 9000, SUBSCRIBE before CONNECT with 9001`, async () => {
    const server = await start();
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

  Deno.test(`${name}: websocket: UNSUBSCRIBE removes only that connection; subscribing twice counts once`, async () => {
    const server = await start();
    const a = await SockjsWs.session(server.base);
    const b = await SockjsWs.session(server.base);
    try {
      a.send(`CONNECT a:${KEY}`, "SUBSCRIBE news", "SUBSCRIBE news:news");
      await apiSays(server, "/channels/news/", '{"users": ["a"]}\n');
      b.send(`CONNECT b:${KEY}`, "SUBSCRIBE news");
      await apiSays(server, "/channels/news/", '{"users": ["a", "b"]}\n');
      assert.equal((await server.api("POST", "/channels/news/", "1")).text, '{"count": 2}\n');
      assert.equal(await a.next(), 'a[{"payload":"1","channel":"news"}]');
      assert.equal(await b.next(), 'a[{"payload":"1","channel":"news"}]');
      a.send("UNSUBSCRIBE news");
      await apiSays(server, "/channels/news/", '{"users": ["b"]}\n');
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

  Deno.test(`${name}: websocket: garbage from one client closes it or is ignored; others keep receiving`, async () => {
    const server = await start({ maxMessageSize: 1024 });
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
      // As sockjs-tornado (the original) and the SockJS suite: the socket just ends, no frame.
      const ended = await broken.closed;
      assert.equal(ended.reason, "Broken framing.");
      assert.deepEqual(broken.unread, []);
      big.sendRaw(JSON.stringify(["x".repeat(2000)]));
      assert.equal(await big.next(), 'c[1009,"Message too big."]');
      await apiSays(server, "/channels/ok/", '{"users": ["noisy"]}\n');
      await apiSays(server, "/channels/news/", '{"users": ["good"]}\n');
      assert.equal((await server.api("GET", "/users/")).text, '{"count": 2}\n');
      assert.equal(
        (await server.api("POST", "/channels/news/", '"still here"')).text,
        '{"count": 1}\n',
      );
      assert.equal(await good.next(), 'a[{"payload":"\\"still here\\"","channel":"news"}]');
      assert.deepEqual(noisy.unread, []);
    } finally {
      await Promise.all([good.close(), broken.close(), big.close(), noisy.close()]);
      await server.close();
    }
  });

  Deno.test(`${name}: websocket: the raw endpoint takes plain commands and gets JSON text frames`, async () => {
    const server = await start();
    const raw = await SockjsWs.open(server.base, "/connect/websocket");
    const rejected = await SockjsWs.open(server.base, "/connect/websocket");
    try {
      raw.sendRaw(`CONNECT rawuser:${KEY}`);
      raw.sendRaw("SUBSCRIBE news");
      await apiSays(server, "/channels/news/", '{"users": ["rawuser"]}\n');
      assert.equal(
        (await server.api("POST", "/channels/news/", '{"a": "é"}')).text,
        '{"count": 1}\n',
      );
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

  Deno.test(`${name}: websocket: heartbeat frames arrive while idle`, async () => {
    const server = await start({ heartbeatDelay: 50 });
    const client = await SockjsWs.session(server.base);
    try {
      assert.equal(await client.next(), "h");
      assert.equal(await client.next(), "h");
    } finally {
      await client.close();
      await server.close();
    }
  });

  Deno.test(`${name}: sockjs endpoints: greeting, info and websocket handshake errors`, async () => {
    const server = await start();
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
}
