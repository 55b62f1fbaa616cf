/** The hub: the original's MessengerTestCase ported, and the fixed bugs of the original model. */

import assert from "node:assert/strict";
import { App, Hub, type HubConnection } from "../lib/hub/hub.ts";
import type { Message } from "../lib/hub/message.ts";
import type { CloseReason } from "../lib/sockjs/close_codes.ts";
import { FORCED_LOGOUT } from "../lib/protocol/close_codes.ts";

let next = 0;
class Dummy implements HubConnection {
  readonly received: Message[] = [];
  closedWith: CloseReason | null = null;
  constructor(readonly userId = `dummy_${++next}`) {}
  deliver(message: Message): void {
    this.received.push(message);
  }
  close(reason: CloseReason): void {
    this.closedWith = reason;
  }
}

const messenger = () => new App("apikey", "apisecret", FORCED_LOGOUT);

Deno.test("MessengerTestCase.test_is_online: offline, online after register, offline after", () => {
  const app = messenger();
  const user = new Dummy();
  assert.equal(app.isOnline(user.userId), false);
  app.register(user);
  assert.equal(app.isOnline(user.userId), true);
  app.unregister(user);
  assert.equal(app.isOnline(user.userId), false);
});

Deno.test("MessengerTestCase.test_counters: user and connection counts follow registrations", () => {
  const app = messenger();
  const [a, b] = [new Dummy(), new Dummy()];
  app.register(a);
  app.register(b);
  assert.deepEqual([app.userCount, app.connectionCount], [2, 2]);
  app.unregister(a);
  assert.deepEqual([app.userCount, app.connectionCount], [1, 1]);
  app.unregister(b);
  assert.deepEqual([app.userCount, app.connectionCount], [0, 0]);
});

Deno.test("MessengerTestCase.test_user_unregister: no trace of the user is left", () => {
  const app = messenger();
  const user = new Dummy();
  app.register(user);
  app.unregister(user);
  assert.equal(app.connectionsOf(user.userId).size, 0);
  assert.equal(app.userCount, 0);
});

Deno.test("MessengerTestCase.test_multiple_connections: one user, two connections", () => {
  const app = messenger();
  const a = new Dummy("same");
  const b = new Dummy("same");
  app.register(a);
  app.register(b);
  assert.deepEqual([app.userCount, app.connectionCount], [1, 2]);
  assert.deepEqual([...app.connectionsOf("same")], [a, b]);
  app.unregister(a);
  assert.equal(app.userCount, 1);
  assert.deepEqual([...app.connectionsOf("same")], [b]);
});

Deno.test("MessengerTestCase.test_subscribe: the channel disappears with its last subscriber", () => {
  const app = messenger();
  const user = new Dummy();
  app.register(user);
  app.subscribe(user, "test1");
  assert.equal(app.channelCount, 1);
  assert.deepEqual(app.channelUsers("test1"), [user.userId]);
  app.unregister(user);
  assert.equal(app.channelCount, 0);
  assert.deepEqual(app.channelUsers("test1"), []);
});

Deno.test("MessengerTestCase.test_multiple_subscribe: unregistering one leaves the other", () => {
  const app = messenger();
  const [a, b] = [new Dummy(), new Dummy()];
  for (const u of [a, b]) {
    app.register(u);
    app.subscribe(u, "test1");
  }
  assert.equal(app.channelUsers("test1").length, 2);
  app.unregister(a);
  assert.deepEqual(app.channelUsers("test1"), [b.userId]);
});

Deno.test("MessengerTestCase.test_send_to_channel: empty channel 0, then 1", () => {
  const app = messenger();
  assert.equal(app.publishToChannel("test1", "{}"), 0);
  const user = new Dummy();
  app.register(user);
  app.subscribe(user, "test1");
  assert.equal(app.publishToChannel("test1", "{}"), 1);
});

Deno.test("MessengerTestCase.test_send_to_user and test_send_to_multiple_users", () => {
  const app = messenger();
  const a = new Dummy("multi");
  app.register(a);
  assert.equal(app.publishToUser("multi", "1"), 1);
  app.register(new Dummy("multi"));
  assert.equal(app.publishToUser("multi", "1"), 2);
  assert.equal(app.publishToUser("nobody", "1"), 0);
});

Deno.test("App.unsubscribe() removes only that connection (the original emptied the channel)", () => {
  const app = messenger();
  const conns = [new Dummy("A"), new Dummy("B"), new Dummy("C")];
  for (const c of conns) {
    app.register(c);
    app.subscribe(c, "news");
  }
  app.unsubscribe(conns[2], "news");
  assert.deepEqual(app.channelUsers("news"), ["A", "B"]);
  app.unsubscribe(conns[0], "news");
  app.unsubscribe(conns[1], "news");
  assert.equal(app.channelCount, 0);
});

Deno.test("App.subscribe() twice keeps one entry and leaves no ghost after unregister", () => {
  const app = messenger();
  const c = new Dummy("C");
  app.register(c);
  app.subscribe(c, "news");
  app.subscribe(c, "news");
  assert.equal(app.publishToChannel("news", "1"), 1);
  app.flush();
  assert.equal(c.received.length, 1);
  app.unregister(c);
  assert.deepEqual(app.channelUsers("news"), []);
  assert.equal(app.publishToChannel("news", "1"), 0);
});

Deno.test("App.subscribe() refuses connections that are not registered", () => {
  const app = messenger();
  assert.equal(app.subscribe(new Dummy(), "x"), false);
  assert.equal(app.channelCount, 0);
});

Deno.test("App.logout() closes every connection with 9002 and unregisters them", () => {
  const app = messenger();
  const conns = Array.from({ length: 4 }, () => new Dummy("same"));
  for (const c of conns) {
    app.register(c);
    app.subscribe(c, "room");
  }
  assert.equal(app.logout("same"), 4);
  assert.deepEqual(conns.map((c) => c.closedWith?.code), [9002, 9002, 9002, 9002]);
  assert.deepEqual([app.userCount, app.connectionCount, app.channelCount], [0, 0, 0]);
});

Deno.test("App.logout() closes with the hub's logoutReason, SockJS's 3000 by default", () => {
  const hub = new Hub([{ publicKey: "k1", secret: "s1" }]);
  const told = new Hub([{ publicKey: "k1", secret: "s1" }], { logoutReason: FORCED_LOGOUT });
  const closed = [hub, told].map((h) => {
    const conn = new Dummy("u");
    h.app("k1")!.register(conn);
    h.app("k1")!.logout("u");
    return conn.closedWith?.code;
  });
  assert.deepEqual(closed, [3000, 9002]);
});

Deno.test("App.channelUsers() lists each user once, in order of first subscription", () => {
  const app = messenger();
  const conns = [new Dummy("b"), new Dummy("a"), new Dummy("b")];
  for (const c of conns) {
    app.register(c);
    app.subscribe(c, "x");
  }
  assert.deepEqual(app.channelUsers("x"), ["b", "a"]);
});

Deno.test("a publish builds its frame once and shares it with every connection", () => {
  const app = messenger();
  const conns = [new Dummy(), new Dummy(), new Dummy()];
  for (const c of conns) {
    app.register(c);
    app.subscribe(c, "x");
  }
  app.publishToChannel("x", '"é"');
  app.flush();
  const [first] = conns[0].received;
  assert.ok(conns.every((c) => c.received[0] === first));
  assert.deepEqual(first.elements, ['{"payload":"\\"\\u00e9\\"","channel":"x"}']);
  assert.equal(first.frame, 'a[{"payload":"\\"\\u00e9\\"","channel":"x"}]');
});

Deno.test("Hub keeps applications apart and refuses duplicate keys", () => {
  const hub = new Hub([{ publicKey: "k1", secret: "s1" }, { publicKey: "k2", secret: "s2" }]);
  const c = new Dummy("u");
  hub.app("k1")!.register(c);
  assert.equal(hub.app("k1")!.isOnline("u"), true);
  assert.equal(hub.app("k2")!.isOnline("u"), false);
  assert.equal(hub.app("k3"), undefined);
  assert.throws(() => hub.add("k1", "x"), /Duplicate public key/);
});

Deno.test("pushes made in one event-loop turn go out together at its end, one frame per target run", async () => {
  const app = messenger();
  const conns = [new Dummy(), new Dummy()];
  for (const c of conns) {
    app.register(c);
    app.subscribe(c, "x");
  }
  for (let i = 1; i <= 3; i++) assert.equal(app.publishToChannel("x", String(i)), 2);
  assert.equal(conns[0].received.length, 0); // not yet: at the end of the turn
  await new Promise((r) => setTimeout(r, 0));
  for (const c of conns) {
    assert.equal(c.received.length, 1);
    assert.equal(
      c.received[0].frame,
      'a[{"payload":"1","channel":"x"},{"payload":"2","channel":"x"},{"payload":"3","channel":"x"}]',
    );
  }
  assert.equal(conns[0].received[0], conns[1].received[0]); // built once, shared
});

Deno.test("pushes to different targets keep their order for a connection in both", () => {
  const app = messenger();
  const c = new Dummy("u");
  app.register(c);
  app.subscribe(c, "x");
  app.publishToChannel("x", "1");
  app.publishToUser("u", "2");
  app.publishToChannel("x", "3");
  app.publishToChannel("x", "4");
  app.flush();
  assert.deepEqual(c.received.map((m) => m.elements), [
    ['{"payload":"1","channel":"x"}'],
    ['{"payload":"2"}'],
    ['{"payload":"3","channel":"x"}', '{"payload":"4","channel":"x"}'],
  ]);
});

Deno.test("a push reaches the connections targeted when it was made, whatever changes before the turn ends", () => {
  const app = messenger();
  const [a, b, late] = [new Dummy("a"), new Dummy("b"), new Dummy("late")];
  for (const c of [a, b]) {
    app.register(c);
    app.subscribe(c, "x");
  }
  assert.equal(app.publishToChannel("x", "1"), 2);
  app.unsubscribe(a, "x"); // a was targeted: it still gets "1"
  app.register(late);
  app.subscribe(late, "x"); // late was not: it does not
  assert.equal(app.publishToUser("b", "2"), 1);
  assert.equal(app.logout("b"), 1); // b gets "2" before its close
  app.flush();
  assert.deepEqual(a.received.flatMap((m) => m.elements), ['{"payload":"1","channel":"x"}']);
  assert.deepEqual(b.received.flatMap((m) => m.elements), [
    '{"payload":"1","channel":"x"}',
    '{"payload":"2"}',
  ]);
  assert.equal(b.closedWith?.code, 9002);
  assert.deepEqual(late.received, []);
});

Deno.test("a long burst goes out in frames of at most 64 pushes", () => {
  const app = messenger();
  const c = new Dummy();
  app.register(c);
  app.subscribe(c, "x");
  for (let i = 0; i < 150; i++) app.publishToChannel("x", String(i));
  app.flush();
  assert.deepEqual(c.received.map((m) => m.size), [64, 64, 22]);
  assert.deepEqual(
    c.received.flatMap((m) => m.elements).map((e) => JSON.parse(e).payload),
    Array.from({ length: 150 }, (_, i) => String(i)),
  );
});

Deno.test("a delivery that closes a connection does not disturb the rest of the flush", () => {
  const app = messenger();
  const closer = new Dummy("closer");
  closer.deliver = (message) => {
    closer.received.push(message);
    app.unregister(closer); // as a session closed for a full buffer does
  };
  const other = new Dummy("other");
  for (const c of [closer, other]) {
    app.register(c);
    app.subscribe(c, "x");
  }
  app.publishToChannel("x", "1");
  app.publishToUser("other", "2");
  app.flush();
  assert.equal(closer.received.length, 1);
  assert.deepEqual(other.received.map((m) => m.size), [1, 1]);
  assert.equal(app.connectionCount, 1);
});

Deno.test("one connection or several: users and connections grow and shrink through every size", async () => {
  const app = messenger();
  const [a, b, c] = [new Dummy("u"), new Dummy("u"), new Dummy("u")];
  for (const conn of [a, b, c]) {
    app.register(conn);
    app.register(conn); // twice changes nothing
  }
  assert.equal(app.connectionCountOf("u"), 3);
  assert.equal(app.publishToUser("u", "1"), 3);
  app.unregister(b);
  assert.deepEqual([...app.connectionsOf("u")], [a, c]);
  app.unregister(a);
  assert.deepEqual([...app.connectionsOf("u")], [c]);
  assert.equal(app.publishToUser("u", "2"), 1);
  app.register(a);
  assert.deepEqual([...app.connectionsOf("u")], [c, a]);
  // Channels of one connection: none, one, several, and back.
  assert.equal(app.subscriptionCount(c), 0);
  for (const channel of ["x", "y", "x", "z"]) app.subscribe(c, channel);
  assert.deepEqual([...app.subscriptionsOf(c)], ["x", "y", "z"]);
  app.unsubscribe(c, "y");
  app.unsubscribe(c, "x");
  app.unsubscribe(c, "nope");
  assert.deepEqual([...app.subscriptionsOf(c)], ["z"]);
  assert.equal(app.subscriptionCount(c), 1);
  assert.equal(app.publishToChannel("z", "3"), 1);
  assert.equal(app.publishToChannel("x", "4"), 0);
  app.unsubscribe(c, "z");
  assert.equal(app.subscriptionCount(c), 0);
  app.subscribe(c, "w");
  await new Promise((resolve) => setTimeout(resolve, 0));
  // Each push reached the connections there when it was made (unregister sends what waits).
  assert.deepEqual(a.received.map((m) => m.frame), ['a[{"payload":"1"}]']);
  assert.deepEqual(b.received.map((m) => m.frame), ['a[{"payload":"1"}]']);
  assert.deepEqual(c.received.map((m) => m.frame), [
    'a[{"payload":"1"}]',
    'a[{"payload":"2"}]',
    'a[{"payload":"3","channel":"z"}]',
  ]);
  app.unregister(c);
  app.unregister(a);
  assert.deepEqual([app.userCount, app.connectionCount, app.channelCount], [0, 0, 0]);
  assert.equal(app.connectionCountOf("u"), 0);
  assert.equal(app.subscriptionCount(c), 0);
});

Deno.test("a delivery that closes another connection of the same user does not skip the rest", async () => {
  const app = messenger();
  const conns: Dummy[] = [];
  class Closer extends Dummy {
    override deliver(message: Message): void {
      super.deliver(message);
      app.unregister(conns[1]); // the user drops to two, then the loop goes on
    }
  }
  conns.push(new Closer("v"), new Dummy("v"), new Dummy("v"));
  for (const conn of conns) app.register(conn);
  app.publishToUser("v", "1");
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.deepEqual(conns.map((conn) => conn.received.length), [1, 0, 1]);
  assert.equal(app.connectionCountOf("v"), 2);
});

Deno.test("a connection keeps its channels itself, registered in one application at a time", () => {
  const hub = new Hub([{ publicKey: "k1", secret: "s1" }, { publicKey: "k2", secret: "s2" }]);
  const [one, two] = [hub.app("k1")!, hub.app("k2")!];
  const c = new Dummy("u");
  one.register(c);
  one.subscribe(c, "a");
  one.subscribe(c, "b");
  assert.deepEqual([...one.subscriptionsOf(c)], ["a", "b"]);
  assert.throws(() => two.register(c), /registered in another application/);
  assert.deepEqual([two.has(c), two.subscribe(c, "x"), two.subscriptionCount(c)], [
    false,
    false,
    0,
  ]);
  assert.deepEqual([...two.subscriptionsOf(c)], []);
  two.unsubscribe(c, "a"); // not its application: nothing changes
  assert.deepEqual([...one.subscriptionsOf(c)], ["a", "b"]);
  one.unregister(c);
  assert.equal((c as HubConnection).hubChannels, undefined);
  assert.deepEqual([one.channelCount, one.connectionCount], [0, 0]);
  two.register(c);
  assert.deepEqual([two.has(c), two.connectionCount, [...two.connections()]], [true, 1, [c]]);
});
