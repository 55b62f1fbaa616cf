/**
 * History and recovery on one node (in memory): pushes carry offset and epoch, RECOVER delivers
 * exactly what was missed, in order, or says `recovered: false`; pushes racing a RECOVER are
 * neither lost nor doubled; the API reads the history; a restart starts a new epoch; without
 * `--history-size` everything is as before.
 */

import assert from "node:assert/strict";
import { KEY, startServer, type TestServer } from "./helpers/server.ts";
import { SockjsWs } from "./helpers/sockjs_ws.ts";
import { type Element, Elements } from "./helpers/history.ts";
import { restartServer } from "./helpers/restart.ts";

async function client(server: TestServer, ...commands: string[]) {
  const ws = await SockjsWs.session(server.base);
  ws.send(`CONNECT u${crypto.randomUUID().slice(0, 6)}:${KEY}`, ...commands);
  return { ws, elements: new Elements(ws) };
}

async function publish(server: TestServer, channel: string, ...payloads: string[]) {
  for (const payload of payloads) {
    const res = await server.api("POST", `/channels/${channel}/`, payload);
    assert.equal(res.status, 200, res.text);
  }
}

/** Waits until the server has the channel's subscriber (commands are not acknowledged). */
async function subscribed(server: TestServer, channel: string, n = 1) {
  const app = server.thunder.hub.app(KEY)!;
  const deadline = Date.now() + 3_000;
  while (app.channelSize(channel) < n) {
    if (Date.now() > deadline) throw new Error("not subscribed");
    await new Promise((r) => setTimeout(r, 5));
  }
}

const payloads = (list: Element[]) => list.map((e) => e.payload);

Deno.test("history: pushes carry offset and epoch; RECOVER delivers exactly the missed ones", async () => {
  const server = startServer({ history: { size: 100 } });
  try {
    const a = await client(server, "SUBSCRIBE news");
    await subscribed(server, "news");
    await publish(server, "news", "1", "2");
    const [first, second] = await a.elements.take(2);
    assert.match(first.epoch!, /^[a-zA-Z]{8}$/);
    assert.deepEqual(first, { payload: "1", channel: "news", offset: 1, epoch: first.epoch });
    assert.deepEqual(second, { payload: "2", channel: "news", offset: 2, epoch: first.epoch });
    const epoch = first.epoch!;
    await a.ws.close();

    // Away while five pushes go out.
    await publish(server, "news", "3", "4", "5", "6", "7");
    const b = await client(server, `RECOVER news ${epoch} 2`);
    assert.deepEqual(
      (await b.elements.take(5)).map((e) => [e.payload, e.offset, e.epoch]),
      [["3", 3, epoch], ["4", 4, epoch], ["5", 5, epoch], ["6", 6, epoch], ["7", 7, epoch]],
    );
    // Then live, with no duplicate.
    await publish(server, "news", "8");
    assert.deepEqual(await b.elements.next(), { payload: "8", channel: "news", offset: 8, epoch });
    assert.deepEqual(await b.elements.rest(), []);

    // Nothing missed: nothing replayed, then live.
    const c = await client(server, `RECOVER news ${epoch} 8`);
    await subscribed(server, "news", 2);
    await publish(server, "news", "9");
    assert.deepEqual(payloads(await c.elements.take(1)), ["9"]);
    assert.deepEqual(await c.elements.rest(), []);
    // Offset 0 with the right epoch while push 1 is still kept: everything.
    const d = await client(server, `RECOVER news ${epoch} 0`);
    assert.deepEqual(payloads(await d.elements.take(9)), [
      "1",
      "2",
      "3",
      "4",
      "5",
      "6",
      "7",
      "8",
      "9",
    ]);
    for (const x of [b, c, d]) await x.ws.close();
  } finally {
    await server.close();
  }
});

Deno.test("history: unknown epoch, trimmed or future offset, too many missed -> recovered: false", async () => {
  const server = startServer({ history: { size: 3 } });
  try {
    await publish(server, "news", "1", "2", "3", "4", "5");
    const probe = await client(server, "RECOVER news nope 0");
    const notice = await probe.elements.next();
    const epoch = notice.epoch!;
    assert.deepEqual(notice, { channel: "news", recovered: false, epoch, offset: 5 });
    // Subscribed anyway.
    await publish(server, "news", "6");
    assert.deepEqual(await probe.elements.next(), {
      payload: "6",
      channel: "news",
      offset: 6,
      epoch,
    });
    await probe.ws.close();
    // Kept: 4, 5, 6. Offset 2 needs 3, trimmed; 3 is fine; 7 is above the top.
    for (const [offset, recovered] of [[2, false], [3, true], [7, false]] as const) {
      const x = await client(server, `RECOVER news ${epoch} ${offset}`);
      const got = await x.elements.next();
      if (recovered) assert.deepEqual([got.payload, got.offset], ["4", 4]);
      else assert.deepEqual(got, { channel: "news", recovered: false, epoch, offset: 6 });
      await x.ws.close();
    }
  } finally {
    await server.close();
  }
  // More than 300 missed is refused even when kept.
  const big = startServer({ history: { size: 1000 } });
  try {
    // A channel nothing was pushed to has no history yet: epoch "".
    const first = await client(big, "RECOVER news x 0");
    assert.deepEqual(await first.elements.next(), {
      channel: "news",
      recovered: false,
      epoch: "",
      offset: 0,
    });
    await first.ws.close();
    await publish(big, "news", "1");
    const { epoch } = JSON.parse((await big.api("GET", "/channels/news/history/")).text);
    const many = Array.from({ length: 300 }, (_, i) => String(i + 2));
    await Promise.all(many.map((p) => big.api("POST", "/channels/news/", p)));
    const late = await client(big, `RECOVER news ${epoch} 0`);
    assert.deepEqual(await late.elements.next(), {
      channel: "news",
      recovered: false,
      epoch,
      offset: 301,
    });
    await late.ws.close();
    const ok = await client(big, `RECOVER news ${epoch} 1`);
    assert.equal((await ok.elements.take(300)).length, 300);
    await ok.ws.close();
  } finally {
    await big.close();
  }
});

Deno.test("history: pushes racing RECOVER are neither lost nor doubled", async () => {
  const server = startServer({ history: { size: 10_000 } });
  try {
    await publish(server, "race", "0");
    const { epoch } = JSON.parse((await server.api("GET", "/channels/race/history/")).text);
    let sent = 1;
    let stop = false;
    const pushing = (async () => {
      while (!stop) {
        sent++;
        await server.api("POST", "/channels/race/", String(sent));
      }
    })();
    const checks = [];
    for (let round = 0; round < 20; round++) {
      await new Promise((r) => setTimeout(r, 5));
      const from = Math.max(0, sent - 50);
      const x = await client(server, `RECOVER race ${epoch} ${from}`);
      checks.push({ x, from });
    }
    stop = true;
    await pushing;
    for (const { x, from } of checks) {
      const want = sent - from;
      const got = await x.elements.take(want, 5_000);
      assert.deepEqual(
        got.map((e) => e.offset),
        Array.from({ length: want }, (_, i) => from + i + 1),
      );
      assert.deepEqual(await x.elements.rest(50), []);
      await x.ws.close();
    }
  } finally {
    await server.close();
  }
});

Deno.test("history: the API reads a channel's history; a restart starts a new epoch", async () => {
  let server = startServer({ history: { size: 3, ttl: 60 } });
  try {
    await publish(server, "news", '{"n": 1}', '"two"', "3", "4");
    const all = await server.api("GET", "/channels/news/history/");
    assert.equal(all.status, 200);
    const body = JSON.parse(all.text);
    assert.equal(body.offset, 4);
    assert.equal(body.channel, "news");
    assert.deepEqual(body.messages.map((m: Element) => [m.payload, m.offset]), [['"two"', 2], [
      "3",
      3,
    ], ["4", 4]]);
    const since = JSON.parse((await server.api("GET", "/channels/news/history/?since=3")).text);
    assert.deepEqual(since.messages.map((m: Element) => m.payload), ["4"]);
    const latest = JSON.parse((await server.api("GET", "/channels/news/history/?limit=1")).text);
    assert.deepEqual(latest.messages.map((m: Element) => m.payload), ["4"]);
    for (const bad of ["?since=-1", "?limit=0", "?limit=x", "?since=1.5", "?limit=10001"]) {
      const res = await server.api("GET", `/channels/news/history/${bad}`);
      assert.equal(res.status, 400, bad);
      assert.match(res.text, /"message"/);
    }
    server = await restartServer(server, { history: { size: 3, ttl: 60 } });
    const after = JSON.parse((await server.api("GET", "/channels/news/history/")).text);
    assert.notEqual(after.epoch, body.epoch);
    assert.deepEqual([after.offset, after.messages], [0, []]);
    const x = await client(server, `RECOVER news ${body.epoch} 4`);
    assert.deepEqual(await x.elements.next(), {
      channel: "news",
      recovered: false,
      epoch: after.epoch,
      offset: 0,
    });
    await x.ws.close();
  } finally {
    await server.close();
  }
});

Deno.test("history: expired pushes go, the position stays: a client that missed nothing recovers", async () => {
  const server = startServer({ history: { size: 10, ttl: 1 } });
  try {
    await publish(server, "news", "1", "2");
    const read = JSON.parse((await server.api("GET", "/channels/news/history/")).text);
    assert.equal(read.messages.length, 2);
    await new Promise((r) => setTimeout(r, 1_100));
    const gone = JSON.parse((await server.api("GET", "/channels/news/history/")).text);
    assert.deepEqual([gone.epoch, gone.offset, gone.messages], [read.epoch, 2, []]);
    const x = await client(server, `RECOVER news ${read.epoch} 2`);
    await subscribed(server, "news");
    await publish(server, "news", "3");
    assert.deepEqual(await x.elements.next(), {
      payload: "3",
      channel: "news",
      offset: 3,
      epoch: read.epoch,
    });
    await x.ws.close();
    const y = await client(server, `RECOVER news ${read.epoch} 1`);
    assert.equal((await y.elements.next()).recovered, false);
    await y.ws.close();
    const metrics = await (await fetch(`${server.base}/metrics`)).text();
    assert.match(metrics, /^thunderpush_history_messages 1$/m);
    assert.match(metrics, /^thunderpush_history_bytes 1$/m);
    assert.match(metrics, /^thunderpush_history_recoveries_total\{result="recovered"\} 1$/m);
    assert.match(metrics, /^thunderpush_history_recoveries_total\{result="not_recovered"\} 1$/m);
  } finally {
    await server.close();
  }
});

Deno.test("history: off by default: pushes as before, RECOVER subscribes and says recovered: false", async () => {
  const server = startServer();
  try {
    const a = await client(server, "SUBSCRIBE news");
    await subscribed(server, "news");
    await publish(server, "news", "1");
    assert.equal(await a.ws.next(), 'a[{"payload":"1","channel":"news"}]');
    // The history path names the channel "news/history", as it always did.
    assert.equal((await server.api("GET", "/channels/news/history/")).text, '{"users": []}\n');
    const metrics = await (await fetch(`${server.base}/metrics`)).text();
    assert.doesNotMatch(metrics, /history/);
    const b = await client(server, "RECOVER news AbCdEfGh 1");
    assert.deepEqual(await b.elements.next(), {
      channel: "news",
      recovered: false,
      epoch: "",
      offset: 0,
    });
    await publish(server, "news", "2");
    assert.equal(await b.ws.next(), 'a[{"payload":"2","channel":"news"}]');
    await a.ws.close();
    await b.ws.close();
  } finally {
    await server.close();
  }
});

Deno.test("history: per application: one keeps history, the other does not", async () => {
  const server = startServer({
    apps: [
      { publicKey: KEY, secret: "secretkey", history: { size: 5 } },
      { publicKey: "plain", secret: "other" },
    ],
  });
  try {
    const kept = await client(server, "SUBSCRIBE news");
    const plain = await SockjsWs.session(server.base);
    plain.send("CONNECT bob:plain", "SUBSCRIBE news");
    await subscribed(server, "news");
    const plainApp = server.thunder.hub.app("plain")!;
    while (plainApp.channelSize("news") < 1) await new Promise((r) => setTimeout(r, 5));
    await publish(server, "news", "1");
    const res = await fetch(`${server.base}/api/1.0.0/plain/channels/news/`, {
      method: "POST",
      body: "1",
      headers: { "X-Thunder-Secret-Key": "other" },
    });
    assert.equal(await res.text(), '{"count": 1}\n');
    assert.equal((await kept.elements.next()).offset, 1);
    assert.equal(await plain.next(), 'a[{"payload":"1","channel":"news"}]');
    await kept.ws.close();
    await plain.close();
  } finally {
    await server.close();
  }
});
