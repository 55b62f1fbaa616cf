/**
 * Thunderpush over every SockJS transport: the npm sockjs-client in Node forced onto each of
 * its Node transports, and the script-tag transports (htmlfile, jsonp) driven over HTTP.
 */

import assert from "node:assert/strict";
import { eventually, inProcess, KEY, SECRET, type Target } from "./helpers/target.ts";
import { nodeSockjsClient } from "./helpers/node_sockjs_client.ts";
import { Thunderpush } from "../lib/server.ts";
import { serve } from "../lib/adapters/serve_deno.ts";
import type { SessionRequestInfo } from "../lib/sockjs/session.ts";
import { pollingSession } from "./helpers/polling_session.ts";

const apiSays = (server: Target, path: string, text: string) =>
  eventually(async () => (await server.api("GET", path)).text === text);

for (const transport of ["websocket", "xhr-streaming", "xhr-polling", "eventsource"]) {
  Deno.test(`sockjs-client over ${transport}: channel push, user push, then forced logout (9002)`, async () => {
    const server = await inProcess();
    const user = `u-${transport}`;
    const lines = nodeSockjsClient(server, transport, user, "news:other", 99);
    try {
      assert.equal((await lines.next()).value, `open ${transport}`);
      await apiSays(server, "/channels/news/", `{"users": ["${user}"]}\n`);
      assert.equal((await server.api("GET", `/users/${user}/`)).text, '{"online": true}\n');
      assert.equal(
        (await server.api("POST", "/channels/news/", '{"n": 1}')).text,
        '{"count": 1}\n',
      );
      assert.deepEqual(JSON.parse((await lines.next()).value!), {
        data: { payload: '{"n": 1}', channel: "news" },
      });
      // Several pushes in a row arrive in order.
      for (let i = 0; i < 5; i++) await server.api("POST", `/users/${user}/`, String(i));
      for (let i = 0; i < 5; i++) {
        assert.deepEqual(JSON.parse((await lines.next()).value!), { data: { payload: String(i) } });
      }
      assert.equal((await server.api("DELETE", `/users/${user}/`)).status, 204);
      assert.equal(
        (await lines.next()).value,
        "close 9002 Server closed the connection (intentionally).",
      );
      assert.equal((await server.api("GET", `/users/${user}/`)).text, '{"online": false}\n');
      assert.equal((await server.api("GET", "/channels/news/")).text, '{"users": []}\n');
    } finally {
      await lines.return(undefined);
      await server.close();
    }
  });
}

Deno.test("xhr polling: commands through xhr_send; queued pushes arrive in order on the next poll", async () => {
  const server = await inProcess();
  const s = pollingSession(server.base);
  try {
    assert.equal(await s.xhr(), "o\n");
    assert.equal(await s.send(`CONNECT poller:${KEY}`, "SUBSCRIBE a:b"), 204);
    await apiSays(server, "/channels/b/", '{"users": ["poller"]}\n');
    // No poll is waiting: the messages queue.
    assert.equal((await server.api("POST", "/channels/a/", '{"n": 1}')).text, '{"count": 1}\n');
    await server.api("POST", "/users/poller/", '"u"');
    await server.api("POST", "/channels/b/", "3");
    assert.equal(
      await s.xhr(),
      'a[{"payload":"{\\"n\\": 1}","channel":"a"},{"payload":"\\"u\\""},{"payload":"3","channel":"b"}]\n',
    );
    // A waiting poll gets the next push at once.
    const poll = s.xhr();
    await new Promise((r) => setTimeout(r, 50));
    await server.api("POST", "/channels/a/", '"now"');
    assert.equal(await poll, 'a[{"payload":"\\"now\\"","channel":"a"}]\n');
    // Forced logout: the close frame comes with the next poll.
    await server.api("DELETE", "/users/poller/");
    assert.equal(await s.xhr(), 'c[9002,"Server closed the connection (intentionally)."]\n');
    assert.equal((await server.api("GET", "/users/poller/")).text, '{"online": false}\n');
  } finally {
    await server.close();
  }
});

Deno.test("polling presence lasts until the session expires after the disconnect delay", async () => {
  const server = await inProcess({ disconnectDelay: 300 });
  const s = pollingSession(server.base);
  try {
    assert.equal(await s.xhr(), "o\n");
    await s.send(`CONNECT leaver:${KEY}`, "SUBSCRIBE room");
    await apiSays(server, "/users/leaver/", '{"online": true}\n');
    // The client stops polling: still online within the delay, then gone.
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await server.api("GET", "/users/leaver/")).text, '{"online": true}\n');
    await apiSays(server, "/users/leaver/", '{"online": false}\n');
    assert.equal((await server.api("GET", "/channels/room/")).text, '{"users": []}\n');
    assert.equal(await s.send("SUBSCRIBE late"), 404);
  } finally {
    await server.close();
  }
});

Deno.test("jsonp and htmlfile: commands through jsonp_send, pushes as script calls", async () => {
  const server = await inProcess();
  const url = `${server.base}/connect/000/${crypto.randomUUID().slice(0, 8)}`;
  try {
    const open = await fetch(`${url}/jsonp?c=cb`);
    assert.equal(await open.text(), '/**/cb("o");\r\n');
    const sent = await fetch(`${url}/jsonp_send`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "d=" + encodeURIComponent(JSON.stringify([`CONNECT jp:${KEY}`, "SUBSCRIBE news"])),
    });
    assert.equal(await sent.text(), "ok");
    await apiSays(server, "/channels/news/", '{"users": ["jp"]}\n');
    await server.api("POST", "/channels/news/", '"é"');
    assert.equal(
      await (await fetch(`${url}/jsonp?c=cb`)).text(),
      '/**/cb("a[{\\"payload\\":\\"\\\\\\"\\\\u00e9\\\\\\"\\",\\"channel\\":\\"news\\"}]");\r\n',
    );
    // The same session continues over htmlfile (a streaming receiver).
    const html = await fetch(`${url}/htmlfile?c=cb`);
    const reader = html.body!.getReader();
    const decoder = new TextDecoder();
    const page = decoder.decode((await reader.read()).value);
    assert.match(page, /var c = parent\.cb;/);
    await server.api("POST", "/users/jp/", "1");
    let text = "";
    while (!text.includes("</script>")) text += decoder.decode((await reader.read()).value);
    assert.equal(text, '<script>\np("a[{\\"payload\\":\\"1\\"}]");\n</script>\r\n');
    await server.api("DELETE", "/users/jp/");
    text = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
    assert.match(text, /c\[9002,/);
    const bad = await fetch(`${url}/jsonp?c=alert(1)`);
    assert.equal(bad.status, 500);
    assert.equal(await bad.text(), 'invalid "callback" parameter');
  } finally {
    await server.close();
  }
});

Deno.test("assets: /thunderpush.js and /connect/sockjs.min.js are served with long-cache headers", async () => {
  const server = await inProcess();
  try {
    for (
      const [path, file] of [
        ["/thunderpush.js", "../client/thunderpush.js"],
        ["/connect/sockjs.min.js", "../client/vendor/sockjs.min.js"],
      ]
    ) {
      const res = await fetch(server.base + path);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), "application/javascript; charset=UTF-8");
      assert.equal(res.headers.get("cache-control"), "public, max-age=31536000");
      assert.equal(await res.text(), await Deno.readTextFile(new URL(file, import.meta.url)));
      const etag = res.headers.get("etag")!;
      const again = await fetch(server.base + path, { headers: { "If-None-Match": etag } });
      assert.equal(again.status, 304);
      await again.body?.cancel();
    }
    const iframe = await (await fetch(server.base + "/connect/iframe.html")).text();
    assert.match(iframe, /<script src="\/connect\/sockjs\.min\.js"><\/script>/);
  } finally {
    await server.close();
  }
});

Deno.test("a session keeps only the request headers that identify the client", async () => {
  const thunder = new Thunderpush({ apps: [{ publicKey: KEY, secret: SECRET }] });
  const seen: SessionRequestInfo[] = [];
  thunder.sockjs.onConnection((conn) => seen.push(conn.info));
  const server = serve(thunder.handle, { port: 0, hostname: "127.0.0.1" });
  const base = `http://127.0.0.1:${server.addr.port}`;
  const headers = {
    "User-Agent": "probe/1.0",
    "X-Forwarded-For": "203.0.113.9",
    "Accept-Language": "fr",
    Cookie: "secret=1",
    "X-Custom": "dropped",
  };
  const ws = new WebSocket(`${base.replace("http", "ws")}/connect/000/abc/websocket`, {
    headers,
  });
  const closed = new Promise((resolve) => ws.onclose = resolve);
  try {
    const res = await fetch(`${base}/connect/000/${crypto.randomUUID().slice(0, 8)}/xhr`, {
      method: "POST",
      headers,
    });
    assert.equal(await res.text(), "o\n");
    await eventually(() => Promise.resolve(seen.length === 2));
    assert.deepEqual(seen.map((info) => info.protocol).sort(), ["websocket", "xhr"]);
    for (const info of seen) {
      // Deno's WebSocket client puts its own name before the given user agent.
      assert.match(info.headers["user-agent"], /probe\/1\.0$/);
      assert.deepEqual({ ...info.headers, "user-agent": "" }, {
        host: `127.0.0.1:${server.addr.port}`,
        "user-agent": "",
        "x-forwarded-for": "203.0.113.9",
        "accept-language": "fr",
      });
    }
  } finally {
    await thunder.close();
    await closed;
    await server.close();
  }
});
