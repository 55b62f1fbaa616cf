/**
 * Limits against slow and greedy clients: a stalled reader is closed while everyone else keeps
 * receiving; sessions past the maximum are refused with a close frame while the API answers.
 */

import assert from "node:assert/strict";
import { eventually, inProcess, KEY } from "./helpers/target.ts";
import { SockjsWs } from "./helpers/sockjs_ws.ts";

/** Opens a SockJS WebSocket over raw TCP, sends commands, and then never reads again. */
async function stalledClient(port: number, commands: string[]): Promise<Deno.TcpConn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const path = `/connect/000/${crypto.randomUUID().slice(0, 8)}/websocket`;
  await conn.write(new TextEncoder().encode(
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
  ));
  // Read the handshake and the open frame, then stop reading.
  const buf = new Uint8Array(4096);
  let text = "";
  while (!text.includes("\r\n\r\n")) {
    text += new TextDecoder().decode(buf.subarray(0, (await conn.read(buf)) ?? 0));
  }
  // One masked text frame with the commands.
  const payload = new TextEncoder().encode(JSON.stringify(commands));
  const mask = crypto.getRandomValues(new Uint8Array(4));
  const header = payload.length < 126
    ? [0x81, 0x80 | payload.length]
    : [0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff];
  const frame = new Uint8Array(header.length + 4 + payload.length);
  frame.set(header);
  frame.set(mask, header.length);
  payload.forEach((b, i) => frame[header.length + 4 + i] = b ^ mask[i % 4]);
  await conn.write(frame);
  return conn;
}

Deno.test("a stalled WebSocket reader is closed at maxBufferedBytes; others keep receiving", async () => {
  const server = await inProcess({ maxBufferedBytes: 256 * 1024 });
  const port = Number(new URL(server.base).port);
  const stalled = await stalledClient(port, [`CONNECT slow:${KEY}`, "SUBSCRIBE news"]);
  const good = await SockjsWs.session(server.base);
  try {
    good.send(`CONNECT good:${KEY}`, "SUBSCRIBE news");
    await eventually(async () =>
      (await server.api("GET", "/channels/news/")).text === '{"users": ["slow", "good"]}\n'
    );
    const payload = JSON.stringify("x".repeat(60_000));
    let i = 0;
    // Publish until the stalled client is dropped from the channel (bounded).
    while ((await server.api("GET", "/users/slow/")).text.includes("true")) {
      assert.ok(i < 2_000, "the stalled client was never closed");
      await server.api("POST", "/channels/news/", payload);
      i++;
      assert.equal((await good.next()).length, payload.length + 36);
    }
    // The good client got every message and still gets the next.
    assert.equal((await server.api("POST", "/channels/news/", "1")).text, '{"count": 1}\n');
    assert.equal(await good.next(), 'a[{"payload":"1","channel":"news"}]');
  } finally {
    stalled.close();
    await good.close();
    await server.close();
  }
});

Deno.test("sessions past maxConnections are closed with 1013; the API still answers", async () => {
  const server = await inProcess({ maxConnections: 2 });
  const a = await SockjsWs.session(server.base);
  const b = await SockjsWs.session(server.base);
  const c = await SockjsWs.session(server.base);
  try {
    assert.equal(await c.next(), 'c[1013,"Server is full."]');
    await c.closed;
    assert.equal((await server.api("GET", "/users/")).status, 200);
    await a.close();
    // A place is free again.
    await eventually(async () => {
      const d = await SockjsWs.session(server.base);
      d.send(`CONNECT d:${KEY}`);
      const ok = await eventually(
        async () => (await server.api("GET", "/users/d/")).text === '{"online": true}\n',
        500,
      ).then(() => true, () => false);
      await d.close();
      return ok;
    });
  } finally {
    await Promise.all([a.close(), b.close(), c.close()]);
    await server.close();
  }
});

Deno.test("a polling session that never polls again is closed when its queue is full", async () => {
  const server = await inProcess({ maxQueuedMessages: 5 });
  const url = `${server.base}/connect/000/${crypto.randomUUID().slice(0, 8)}`;
  try {
    assert.equal(await (await fetch(`${url}/xhr`, { method: "POST" })).text(), "o\n");
    const sent = await fetch(`${url}/xhr_send`, {
      method: "POST",
      body: JSON.stringify([`CONNECT q:${KEY}`]),
    });
    await sent.body?.cancel();
    await eventually(async () => (await server.api("GET", "/users/q/")).text.includes("true"));
    for (let i = 0; i < 5; i++) await server.api("POST", "/users/q/", String(i));
    assert.equal((await server.api("GET", "/users/q/")).text, '{"online": true}\n');
    assert.equal((await server.api("POST", "/users/q/", '"overflow"')).status, 200);
    assert.equal((await server.api("GET", "/users/q/")).text, '{"online": false}\n');
    assert.equal(
      await (await fetch(`${url}/xhr`, { method: "POST" })).text(),
      'c[1008,"Send buffer full."]\n',
    );
  } finally {
    await server.close();
  }
});

Deno.test("a stalled xhr-streaming reader is closed at maxBufferedBytes; others keep receiving", async () => {
  const server = await inProcess({ maxBufferedBytes: 256 * 1024 });
  const port = Number(new URL(server.base).port);
  const session = `/connect/000/${crypto.randomUUID().slice(0, 8)}`;
  // The receiving request over raw TCP, read up to its open frame, then never again.
  const stalled = await Deno.connect({ hostname: "127.0.0.1", port });
  const good = await SockjsWs.session(server.base);
  try {
    await stalled.write(new TextEncoder().encode(
      `POST ${session}/xhr_streaming HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n`,
    ));
    let head = "";
    const buf = new Uint8Array(8192);
    while (!head.includes("o\n")) {
      head += new TextDecoder().decode(buf.subarray(0, (await stalled.read(buf)) ?? 0));
    }
    const sent = await fetch(`${server.base}${session}/xhr_send`, {
      method: "POST",
      body: JSON.stringify([`CONNECT slowstream:${KEY}`, "SUBSCRIBE news"]),
    });
    await sent.body?.cancel();
    good.send(`CONNECT good:${KEY}`, "SUBSCRIBE news");
    await eventually(async () =>
      (await server.api("GET", "/channels/news/")).text === '{"users": ["slowstream", "good"]}\n'
    );
    const payload = JSON.stringify("y".repeat(60_000));
    for (let i = 0; (await server.api("GET", "/users/slowstream/")).text.includes("true"); i++) {
      assert.ok(i < 2_000, "the stalled streaming client was never closed");
      await server.api("POST", "/channels/news/", payload);
      assert.equal((await good.next()).length, payload.length + 36);
    }
    assert.equal((await server.api("POST", "/channels/news/", "2")).text, '{"count": 1}\n');
    assert.equal(await good.next(), 'a[{"payload":"2","channel":"news"}]');
  } finally {
    stalled.close();
    await good.close();
    await server.close();
  }
});
