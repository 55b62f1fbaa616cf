/**
 * Operations endpoints: /healthz, /readyz (draining, broker down), and /metrics parsed by the
 * Prometheus project's own text parser (python3-prometheus-client) with counters moving.
 */

import assert from "node:assert/strict";
import { Thunderpush } from "../lib/server.ts";
import { serve } from "../lib/adapters/serve_deno.ts";
import { apiClient, eventually, KEY, SECRET } from "./helpers/target.ts";
import { SockjsWs } from "./helpers/sockjs_ws.ts";
import type { Broker } from "../lib/broker/broker.ts";
import { parsePrometheus } from "./helpers/prometheus.ts";
import { MemoryBroker } from "../lib/broker/memory.ts";

function start(broker?: (hub: Thunderpush["hub"]) => Broker) {
  const thunder = new Thunderpush({
    apps: [{ publicKey: KEY, secret: SECRET }],
    memory: () => ({ rss: 123456, heapUsed: 4567 }),
    ...(broker ? { broker } : {}),
  });
  const server = serve(thunder.fetch, { port: 0, hostname: "127.0.0.1" });
  const base = `http://127.0.0.1:${server.addr.port}`;
  return {
    thunder,
    base,
    api: apiClient(base),
    get: async (path: string) => {
      const res = await fetch(base + path);
      return { status: res.status, text: await res.text(), type: res.headers.get("content-type") };
    },
    async close() {
      await thunder.close();
      await server.close();
    },
  };
}

Deno.test("/healthz and /readyz answer without auth; /readyz is 503 while draining", async () => {
  const s = start();
  try {
    assert.deepEqual(await s.get("/healthz"), {
      status: 200,
      text: '{"status": "ok"}\n',
      type: "application/json; charset=UTF-8",
    });
    assert.equal((await s.get("/readyz")).text, '{"status": "ready"}\n');
    const client = await SockjsWs.session(s.base);
    client.send(`CONNECT u:${KEY}`);
    await eventually(async () => (await s.api("GET", "/users/u/")).text.includes("true"));
    s.thunder.drain();
    assert.equal(await client.next(), 'c[1001,"Server shutting down"]');
    await client.closed;
    assert.deepEqual(await s.get("/readyz"), {
      status: 503,
      text: '{"status": "draining"}\n',
      type: "application/json; charset=UTF-8",
    });
    assert.equal((await s.get("/healthz")).status, 200);
    // New sessions are refused with the same reconnect frame; the API still answers.
    const late = await SockjsWs.session(s.base);
    assert.equal(await late.next(), 'c[1001,"Server shutting down"]');
    await late.close();
    assert.equal((await s.api("GET", "/users/")).text, '{"count": 0}\n');
  } finally {
    await s.close();
  }
});

Deno.test("/readyz is 503 while the broker is unavailable, and the API answers 503", async () => {
  class DownBroker extends MemoryBroker {
    override readonly ready = false;
  }
  const s = start(() => new DownBroker());
  try {
    assert.deepEqual(await s.get("/readyz"), {
      status: 503,
      text: '{"status": "broker unavailable"}\n',
      type: "application/json; charset=UTF-8",
    });
  } finally {
    await s.close();
  }
});

Deno.test("/metrics parses with the Prometheus parser and its counters move", async () => {
  const s = start();
  const clients = await Promise.all([1, 2].map(() => SockjsWs.session(s.base)));
  try {
    clients[0].send(`CONNECT a:${KEY}`, "SUBSCRIBE news");
    clients[1].send(`CONNECT b:${KEY}`, "SUBSCRIBE news:sports");
    await eventually(async () => (await s.api("GET", "/users/")).text === '{"count": 2}\n');
    const before = await parsePrometheus((await s.get("/metrics")).text);
    assert.equal(before['thunderpush_sessions{"transport": "websocket"}'], 2);
    assert.equal(before.thunderpush_users, 2);
    assert.equal(before.thunderpush_channels, 2);
    assert.equal(before.thunderpush_messages_delivered_total, 0);
    assert.equal(before.process_resident_memory_bytes, 123456);
    await s.api("POST", "/channels/news/", '{"n": 1}');
    await s.api("POST", "/users/a/", "1");
    await s.api("POST", "/channels/x/", "{");
    for (const c of clients) await c.next();
    await clients[0].next();
    const res = await s.get("/metrics");
    assert.match(res.type ?? "", /^text\/plain; version=0\.0\.4/);
    const after = await parsePrometheus(res.text);
    assert.equal(after['thunderpush_messages_published_total{"kind": "channel"}'], 1);
    assert.equal(after['thunderpush_messages_published_total{"kind": "user"}'], 1);
    assert.equal(after.thunderpush_messages_delivered_total, 3);
    assert.ok(after.thunderpush_bytes_sent_total > 3 * 20);
    assert.equal(
      after[
        'thunderpush_api_requests_total{"endpoint": "channel", "method": "POST", "status": "400"}'
      ],
      1,
    );
    assert.equal(
      after[
        'thunderpush_api_requests_total{"endpoint": "users", "method": "GET", "status": "200"}'
      ] >=
        1,
      true,
    );
    assert.equal(after['thunderpush_publish_duration_seconds_count{"kind": "channel"}'], 1);
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await s.close();
  }
});
