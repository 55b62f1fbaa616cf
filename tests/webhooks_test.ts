/**
 * Presence webhooks on one node, with a real HTTP receiver: each event, signed; the grace period
 * (a reload sends nothing); a receiver that fails and then recovers; a receiver that hangs (pushes
 * do not slow down); a receiver down for long (the queue stays at its cap, the rest is counted).
 */

import assert from "node:assert/strict";
import { KEY, SECRET, startServer, type TestServer, until } from "./helpers/server.ts";
import { SockjsWs } from "./helpers/sockjs_ws.ts";
import { pollingSession } from "./helpers/polling_session.ts";
import {
  never,
  type Receiver,
  startReceiver,
  verifySignature,
} from "./helpers/webhook_receiver.ts";
import type { WebhookOptions } from "../lib/webhooks/webhooks.ts";
import { Hub, type HubConnection } from "../lib/hub/hub.ts";
import { Webhooks } from "../lib/webhooks/webhooks.ts";
import { Logger } from "../lib/log.ts";

const GRACE = 300;

/** A server sending webhooks to `receiver`. */
function hooked(receiver: Receiver, webhooks: WebhookOptions = {}): TestServer {
  return startServer({
    apps: [{ publicKey: KEY, secret: SECRET, webhookUrl: receiver.url }],
    webhooks: { grace: GRACE, batchDelay: 20, ...webhooks },
  });
}

/** A WebSocket client connected as `user`, subscribed to `channels`. */
async function client(base: string, user: string, ...channels: string[]): Promise<SockjsWs> {
  const c = await SockjsWs.session(base);
  c.send(`CONNECT ${user}:${KEY}`, ...channels.map((ch) => `SUBSCRIBE ${ch}`));
  return c;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("webhooks: each event once, signed; removals after the grace", async () => {
  const receiver = startReceiver();
  const server = hooked(receiver);
  try {
    const alice = await client(server.base, "alice", "room", "news");
    await until(() => receiver.events().length === 3);
    assert.deepEqual(receiver.events(), [
      "user_online:alice",
      "channel_occupied:room",
      "channel_occupied:news",
    ]);
    assert.deepEqual(receiver.presence(), { users: ["alice"], channels: ["news", "room"] });
    const [first] = receiver.requests;
    assert.equal(first.headers.get("content-type"), "application/json");
    assert.equal(first.headers.get("x-thunder-key"), KEY);
    assert.ok(verifySignature(first.body, first.headers.get("x-thunder-signature")!, SECRET));
    assert.ok(
      !verifySignature(first.body + " ", first.headers.get("x-thunder-signature")!, SECRET),
    );
    const { time_ms } = JSON.parse(first.body);
    assert.ok(Math.abs(Date.now() - time_ms) < 2_000, `time_ms ${time_ms}`);

    // A second connection and a second subscriber are no events; the last one leaving is.
    const alice2 = await client(server.base, "alice", "room");
    await sleep(100);
    await alice2.close();
    await alice.close();
    const left = Date.now();
    await until(() => receiver.events().length === 6);
    assert.ok(Date.now() - left >= GRACE - 20, "a removal went out before the grace");
    assert.deepEqual(receiver.events().slice(3).sort(), [
      "channel_vacated:news",
      "channel_vacated:room",
      "user_offline:alice",
    ]);
    await sleep(GRACE);
    assert.equal(receiver.events().length, 6, "an event went out twice");
    assert.deepEqual(receiver.presence(), { users: [], channels: [] });
    for (const r of receiver.requests) {
      assert.ok(verifySignature(r.body, r.headers.get("x-thunder-signature")!, SECRET));
    }
    const metrics = await (await fetch(`${server.base}/metrics`)).text();
    assert.match(metrics, /thunderpush_webhook_events_total\{result="sent"\} 6/);
    assert.match(metrics, /thunderpush_webhook_queue_length 0/);
  } finally {
    await server.close();
    await receiver.close();
  }
});

Deno.test("webhooks: a reload within the grace sends nothing; a later return sends both", async () => {
  const receiver = startReceiver();
  const server = hooked(receiver);
  try {
    const first = await client(server.base, "bob", "room");
    await until(() => receiver.events().length === 2);
    // Reload: the page's connection goes, a new one comes within the grace.
    await first.close();
    await sleep(50);
    const second = await client(server.base, "bob", "room");
    await sleep(GRACE * 2);
    assert.deepEqual(receiver.events(), ["user_online:bob", "channel_occupied:room"]);
    // Away for longer than the grace: offline, then online again.
    await second.close();
    await until(() => receiver.events().length === 4);
    const third = await client(server.base, "bob", "room");
    await until(() => receiver.events().length === 6);
    assert.deepEqual(receiver.events().slice(2), [
      "channel_vacated:room",
      "user_offline:bob",
      "user_online:bob",
      "channel_occupied:room",
    ]);
    await third.close();
  } finally {
    await server.close();
    await receiver.close();
  }
});

Deno.test("webhooks: a reload over xhr-polling sends nothing; the grace starts at session close", async () => {
  const receiver = startReceiver();
  const server = startServer({
    apps: [{ publicKey: KEY, secret: SECRET, webhookUrl: receiver.url }],
    webhooks: { grace: GRACE, batchDelay: 20 },
    disconnectDelay: 300,
  });
  try {
    const page = pollingSession(server.base);
    assert.equal(await page.xhr(), "o\n");
    assert.equal(await page.send(`CONNECT pat:${KEY}`, "SUBSCRIBE room"), 204);
    await until(() => receiver.events().length === 2);
    // The reloaded page polls with a new session; the old one stops polling and times out.
    const reloaded = pollingSession(server.base);
    assert.equal(await reloaded.xhr(), "o\n");
    assert.equal(await reloaded.send(`CONNECT pat:${KEY}`, "SUBSCRIBE room"), 204);
    // It keeps a poll open, as a page does.
    const leave = new AbortController();
    const polling = fetch(`${reloaded.url}/xhr`, { method: "POST", signal: leave.signal })
      .then((res) => res.text()).catch(() => "");
    await until(() => server.thunder.hub.app(KEY)!.connectionCount === 1, 3_000);
    await sleep(GRACE + 200);
    assert.deepEqual(receiver.events(), ["user_online:pat", "channel_occupied:room"]);
    // The reloaded page is closed: its poll is interrupted, which closes its session at once
    // (SockJS), and the events come a grace later.
    leave.abort();
    await polling;
    const closed = Date.now();
    await until(() => receiver.events().length === 4, 3_000);
    assert.ok(Date.now() - closed >= GRACE - 20, "removals before the grace");
    assert.deepEqual(receiver.events().slice(2), ["channel_vacated:room", "user_offline:pat"]);
  } finally {
    await server.close();
    await receiver.close();
  }
});

Deno.test("webhooks: a server without a webhook URL is as before", async () => {
  const server = startServer();
  try {
    assert.equal(server.thunder.webhooks, undefined);
    const c = await client(server.base, "carol", "room");
    await c.close();
    const metrics = await (await fetch(`${server.base}/metrics`)).text();
    assert.doesNotMatch(metrics, /webhook/);
  } finally {
    await server.close();
  }
});

Deno.test("webhooks: a receiver that fails, then recovers, gets each batch once", async () => {
  let failures = 2;
  const receiver = startReceiver(() =>
    failures-- > 0 ? new Response("down", { status: 500 }) : new Response("ok")
  );
  const server = hooked(receiver, { firstRetry: 50 });
  try {
    const dave = await client(server.base, "dave");
    await until(() => receiver.events().length === 1);
    assert.deepEqual(receiver.events(), ["user_online:dave"]);
    assert.equal(receiver.requests.length, 3);
    // The same bytes each time: the signature still holds, the receiver can tell a retry.
    assert.equal(new Set(receiver.requests.map((r) => r.body)).size, 1);
    assert.ok(receiver.requests[2].at - receiver.requests[1].at >= 90, "no backoff");
    // The receiver counts the event before its answer reaches the server.
    await until(() => server.thunder.webhooks!.stats().sent === 1);
    assert.deepEqual(server.thunder.webhooks!.stats(), {
      sent: 1,
      failed: 0,
      dropped: 0,
      queued: 0,
    });
    await dave.close();
  } finally {
    await server.close();
    await receiver.close();
  }
});

Deno.test("webhooks: a receiver that hangs times out, retried; pushes do not wait", async () => {
  const receiver = startReceiver(() => never());
  const server = hooked(receiver, { timeout: 1_000, firstRetry: 50, retryFor: 60_000 });
  try {
    const erin = await client(server.base, "erin", "room");
    await until(() => receiver.requests.length >= 1, 3_000);
    // Pushes go out at once while the webhook hangs (well within its 1 s timeout).
    for (let i = 0; i < 5; i++) {
      const started = Date.now();
      assert.equal((await server.api("POST", "/channels/room/", `${i}`)).text, '{"count": 1}\n');
      assert.equal(await erin.next(), `a[{"payload":"${i}","channel":"room"}]`);
      assert.ok(Date.now() - started < 500, "a push waited for the webhook");
    }
    // Timed out and sent again.
    await until(() => receiver.requests.length >= 2, 3_000);
    receiver.respond(() => new Response("ok"));
    await until(() => receiver.events().length === 2, 5_000);
    assert.deepEqual(receiver.events(), ["user_online:erin", "channel_occupied:room"]);
    await erin.close();
  } finally {
    await server.close();
    await receiver.close();
  }
});

Deno.test("webhooks: a receiver down for long keeps the queue at its cap (soak)", async () => {
  const receiver = startReceiver(() => new Response("down", { status: 503 }));
  const hub = new Hub([{ publicKey: KEY, secret: SECRET }]);
  const app = hub.app(KEY)!;
  const warnings: string[] = [];
  const log = new Logger("info", (line) => warnings.push(line));
  const cap = 1_000;
  const webhooks = new Webhooks(hub, new Map([[KEY, receiver.url]]), {
    grace: 0,
    batchDelay: 5,
    maxQueue: cap,
    firstRetry: 20,
    maxRetryDelay: 50,
    retryFor: 600_000,
  }, log);
  const conn = (userId: string): HubConnection => ({ userId, deliver() {}, close() {} });
  try {
    const users = 100_000;
    let maxQueued = 0;
    // Memory is bounded by the queue's cap: its length is checked every 1,000 users.
    for (let i = 0; i < users; i++) {
      const c = conn(`user-${i}`);
      app.register(c);
      app.unregister(c);
      if (i % 1_000 === 999) {
        await sleep(1); // the removals fall due
        maxQueued = Math.max(maxQueued, webhooks.stats().queued);
      }
    }
    await sleep(20);
    const stats = webhooks.stats();
    assert.ok(maxQueued <= cap + 100, `queue grew to ${maxQueued}`);
    assert.equal(stats.sent, 0);
    assert.equal(stats.dropped + stats.queued, 2 * users, JSON.stringify(stats));
    assert.ok(stats.dropped >= 2 * users - cap - 100, JSON.stringify(stats));
    assert.equal(warnings.filter((l) => l.includes("is full")).length, 1, warnings.join("\n"));
    // Back: what the queue held goes out, and the queue accepts again.
    receiver.respond(() => new Response("ok"));
    await until(() => webhooks.stats().queued === 0, 10_000);
    assert.equal(webhooks.stats().sent, stats.queued);
    assert.ok(warnings.some((l) => l.includes("accepts events again")), warnings.join("\n"));
  } finally {
    await webhooks.close();
    await receiver.close();
  }
});
