/** The SockJS session state machine, driven through receivers that record frames. */

import assert from "node:assert/strict";
import { randomId, type Receiver, Session, SessionState } from "../lib/sockjs/session.ts";
import { Heartbeats, SLOTS } from "../lib/sockjs/heartbeats.ts";
import { GO_AWAY } from "../lib/sockjs/close_codes.ts";

class Recv implements Receiver {
  readonly frames: string[] = [];
  closed = false;
  constructor(readonly streaming: boolean) {}
  send(frame: string): void {
    this.frames.push(frame);
  }
  close(): void {
    this.closed = true;
  }
}

const info = { protocol: "test", remoteAddress: "", url: "http://x/", headers: {} };

function makeSession(
  options: Partial<{ disconnectDelay: number; maxQueuedMessages: number }> = {},
) {
  const events = { opened: 0, ended: 0 };
  const session = new Session(
    "s1",
    info,
    {
      heartbeats: new Heartbeats(10_000),
      disconnectDelay: options.disconnectDelay ?? 10_000,
      maxQueuedMessages: options.maxQueuedMessages ?? 100,
      onOpen: () => events.opened++,
      onEnd: () => events.ended++,
    },
  );
  return { session, events };
}

Deno.test("Session: a polling receiver gets o, then queued messages in order, one batch per poll", () => {
  const { session, events } = makeSession();
  const first = new Recv(false);
  session.attach(first);
  assert.deepEqual(first.frames, ["o"]);
  assert.equal(first.closed, true);
  assert.equal(events.opened, 1);
  session.write("a");
  session.writeEncoded('{"b":1}');
  const second = new Recv(false);
  session.attach(second);
  assert.deepEqual(second.frames, ['a["a",{"b":1}]']);
  assert.equal(second.closed, true);
  session.destroy();
  assert.equal(events.ended, 1);
});

Deno.test("Session: a waiting poll gets the next message at once", () => {
  const { session } = makeSession();
  session.attach(new Recv(false));
  const poll = new Recv(false);
  session.attach(poll);
  assert.deepEqual(poll.frames, []);
  session.write("x");
  assert.deepEqual(poll.frames, ['a["x"]']);
  assert.equal(poll.closed, true);
  session.destroy();
});

Deno.test("Session: a second receiver gets c[2010] while the first is attached", () => {
  const { session } = makeSession();
  const stream = new Recv(true);
  session.attach(stream);
  const intruder = new Recv(false);
  session.attach(intruder);
  assert.deepEqual(intruder.frames, ['c[2010,"Another connection still open"]']);
  assert.equal(intruder.closed, true);
  assert.equal(stream.closed, false);
  session.destroy();
});

Deno.test("Session: close() flushes, sends the close frame, and repeats it to later receivers", () => {
  const { session } = makeSession();
  const closes: number[] = [];
  session.on("close", (reason) => closes.push(reason.code));
  session.attach(new Recv(false));
  session.write("last");
  session.close({ code: 9002, reason: "bye" });
  session.close();
  assert.deepEqual(closes, [9002]);
  assert.equal(session.readyState, SessionState.CLOSING);
  assert.equal(session.write("late"), false);
  const late = new Recv(false);
  session.attach(late);
  assert.deepEqual(late.frames, ['c[9002,"bye"]']);
  const stream = new Recv(true);
  session.attach(stream);
  assert.deepEqual(stream.frames, ['c[9002,"bye"]']);
  assert.equal(stream.closed, true);
  session.destroy();
  assert.equal(session.readyState, SessionState.CLOSED);
});

Deno.test("Session: a streaming receiver gets the queue flushed and direct frames", () => {
  const { session } = makeSession();
  session.attach(new Recv(false));
  session.write("queued");
  const stream = new Recv(true);
  session.attach(stream);
  assert.deepEqual(stream.frames, ['a["queued"]']);
  session.writeFrame('a["direct"]', ['"direct"']);
  assert.deepEqual(stream.frames, ['a["queued"]', 'a["direct"]']);
  session.destroy();
  assert.equal(stream.closed, true);
});

Deno.test("Session: the queue is bounded; overflow closes the session", () => {
  const { session } = makeSession({ maxQueuedMessages: 3 });
  const closes: number[] = [];
  session.on("close", (reason) => closes.push(reason.code));
  session.attach(new Recv(false));
  for (let i = 0; i < 3; i++) assert.equal(session.write(String(i)), true);
  assert.deepEqual(closes, []);
  session.write("overflow");
  assert.deepEqual(closes, [1008]);
  assert.equal(session.queuedMessages, 0);
  const poll = new Recv(false);
  session.attach(poll);
  assert.deepEqual(poll.frames, ['c[1008,"Send buffer full."]']);
  session.destroy();
});

Deno.test("Session: ends after the disconnect delay without a receiver", async () => {
  const { session, events } = makeSession({ disconnectDelay: 20 });
  const closes: string[] = [];
  session.on("close", (reason) => closes.push(reason.reason));
  session.attach(new Recv(false));
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(events.ended, 1);
  assert.deepEqual(closes, ["Go away!"]);
  assert.equal(session.readyState, SessionState.CLOSED);
});

Deno.test("Session: abort() ends an open session with the given reason", () => {
  const { session } = makeSession();
  const closes: number[] = [];
  session.on("close", (reason) => closes.push(reason.code));
  const stream = new Recv(true);
  session.attach(stream);
  session.abort(new Recv(true), { code: 1, reason: "not attached" });
  assert.deepEqual(closes, []);
  session.abort(stream, { code: 1002, reason: "Connection interrupted" });
  assert.deepEqual(closes, [1002]);
  const next = new Recv(false);
  session.attach(next);
  assert.deepEqual(next.frames, ['c[1002,"Connection interrupted"]']);
  session.destroy();
});

Deno.test("Heartbeats: one timer for every waiting session, no beat before its delay less one tick", async () => {
  const wheel = new Heartbeats(80);
  const beats: { name: string; at: number }[] = [];
  const started = Date.now();
  // Each one keeps the tick it waits for, as a session does.
  const who = (name: string) => {
    const one = {
      heartbeatDue: undefined as number | undefined,
      beat: () => {
        one.heartbeatDue = undefined;
        beats.push({ name, at: Date.now() - started });
      },
    };
    return one;
  };
  const [a, b, c] = [who("a"), who("b"), who("c")];
  a.heartbeatDue = wheel.arm(a);
  b.heartbeatDue = wheel.arm(b, 4); // 4 ticks of 10 ms
  c.heartbeatDue = wheel.arm(c);
  assert.deepEqual([a.heartbeatDue, b.heartbeatDue], [SLOTS, 4]);
  assert.equal(wheel.size, 3);
  wheel.disarm(); // c no longer waits, and never beats: its entry is skipped
  c.heartbeatDue = undefined;
  assert.equal(wheel.size, 2);
  await new Promise((r) => setTimeout(r, 80 + 3 * wheel.tick));
  assert.deepEqual(beats.map((x) => x.name), ["b", "a"]);
  const [bAt, aAt] = beats.map((x) => x.at);
  assert.ok(bAt >= 40 - wheel.tick, `b after ${bAt} ms`); // (no upper bound: shared machines)
  assert.ok(aAt >= 80 - wheel.tick, `a after ${aAt} ms`);
  assert.equal(wheel.size, 0); // and its timer stopped: the test's op sanitizer checks that
  assert.equal(SLOTS, 8);
});

Deno.test("Heartbeats: disarmed and armed again for the same tick, one beats once; a disarmed one never", async () => {
  const wheel = new Heartbeats(40); // ticks of 5 ms
  const counts = { one: 0, other: 0 };
  const who = (name: "one" | "other") => {
    const it = {
      heartbeatDue: undefined as number | undefined,
      beat: () => {
        it.heartbeatDue = undefined;
        counts[name]++;
      },
    };
    return it;
  };
  const [one, other] = [who("one"), who("other")];
  one.heartbeatDue = wheel.arm(one, 2);
  other.heartbeatDue = wheel.arm(other, 2);
  wheel.disarm();
  one.heartbeatDue = wheel.arm(one, 2); // the same tick: its bucket lists it twice now
  wheel.disarm();
  other.heartbeatDue = undefined;
  assert.equal(wheel.size, 1);
  await new Promise((r) => setTimeout(r, 60));
  assert.deepEqual(counts, { one: 1, other: 0 });
  assert.equal(wheel.size, 0);
  // Disarming the last one stops the timer at once (the op sanitizer checks it).
  one.heartbeatDue = wheel.arm(one);
  wheel.disarm();
  one.heartbeatDue = undefined;
  assert.equal(wheel.size, 0);
});

Deno.test("Session: a streaming receiver idle for the heartbeat delay gets h; one that got a frame later does not yet", async () => {
  const session = new Session(
    "hb",
    info,
    {
      heartbeats: new Heartbeats(60),
      disconnectDelay: 10_000,
      maxQueuedMessages: 100,
      onOpen: () => {},
      onEnd: () => {},
    },
  );
  const recv = new Recv(true);
  session.attach(recv);
  await new Promise((r) => setTimeout(r, 40));
  session.write("x");
  await new Promise((r) => setTimeout(r, 40)); // 80 ms since o, 40 since the message
  assert.deepEqual(recv.frames, ["o", 'a["x"]']);
  await new Promise((r) => setTimeout(r, 60));
  assert.deepEqual(recv.frames, ["o", 'a["x"]', "h"]);
  session.destroy();
});

Deno.test("Session: no listener, one, or several: each gets every message and the close once, in order", () => {
  for (const count of [0, 1, 2, 3]) {
    const { session } = makeSession();
    const seen: string[] = [];
    for (let i = 0; i < count; i++) {
      session.on("data", (message) => seen.push(`${i} ${message}`));
      session.on("close", (reason) => seen.push(`${i} closed ${reason.code}`));
    }
    session.attach(new Recv(true));
    session.receive("a");
    session.receive("b");
    session.close({ code: 3000, reason: "done" });
    session.close();
    session.receive("after");
    const expected = [];
    for (const message of ["a", "b"]) {
      for (let i = 0; i < count; i++) expected.push(`${i} ${message}`);
    }
    for (let i = 0; i < count; i++) expected.push(`${i} closed 3000`);
    assert.deepEqual(seen, expected);
    session.destroy();
  }
});

Deno.test("Session: listen()'s handler gets each message and the close once, before the on listeners; a second replaces it", () => {
  const { session } = makeSession();
  const seen: string[] = [];
  const handler = (name: string) => ({
    handle: (message: string) => seen.push(`${name} ${message}`),
    closed: (reason: { code: number }) => seen.push(`${name} closed ${reason.code}`),
  });
  session.on("data", (message) => seen.push(`on ${message}`));
  session.on("close", (reason) => seen.push(`on closed ${reason.code}`));
  session.listen(handler("first"));
  session.attach(new Recv(true));
  session.receive("a");
  session.listen(handler("second"));
  session.receive("b");
  session.destroy();
  session.receive("after");
  session.listen(handler("late")); // a closed session takes no handler
  session.destroy();
  assert.deepEqual(seen, [
    "first a",
    "on a",
    "second b",
    "on b",
    `second closed ${GO_AWAY.code}`,
    `on closed ${GO_AWAY.code}`,
  ]);
});

Deno.test("Session: messages queued while no receiver is attached are each session's own", () => {
  const a = makeSession().session;
  const b = makeSession().session;
  a.write("for a");
  b.writeFrame('a["for b"]', ['"for b"']);
  assert.equal(a.queuedMessages, 1);
  assert.equal(b.queuedMessages, 1);
  const ra = new Recv(false);
  const rb = new Recv(false);
  a.attach(new Recv(false));
  b.attach(new Recv(false));
  a.attach(ra);
  b.attach(rb);
  assert.deepEqual(ra.frames, ['a["for a"]']);
  assert.deepEqual(rb.frames, ['a["for b"]']);
  assert.equal(a.queuedMessages, 0);
  a.write("again");
  assert.equal(a.queuedMessages, 1);
  assert.equal(b.queuedMessages, 0);
  a.destroy();
  b.destroy();
});

Deno.test("randomId: a version 4 UUID, different every time", () => {
  const ids = new Set<string>();
  for (let i = 0; i < 1_000; i++) {
    const id = randomId();
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    ids.add(id);
  }
  assert.equal(ids.size, 1_000);
});

Deno.test("Session: created without an id, it gets a random one when first read, the same after", () => {
  const options = {
    heartbeats: new Heartbeats(10_000),
    disconnectDelay: 10_000,
    maxQueuedMessages: 100,
    onOpen: () => {},
    onEnd: () => {},
  };
  const [a, b] = [new Session(null, info, options), new Session(null, info, options)];
  const id = a.id;
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(a.id, id);
  assert.notEqual(b.id, id);
  const named = new Session("named", info, options);
  assert.equal(named.id, "named");
  for (const session of [a, b, named]) session.destroy();
});
