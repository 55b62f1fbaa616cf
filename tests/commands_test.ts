/** The client command protocol: parsing, channel names, and a connection driven by commands. */

import assert from "node:assert/strict";
import {
  isValidChannel,
  isValidUserId,
  parseCommand,
  splitCommand,
} from "../lib/protocol/commands.ts";
import { type Link, ThunderConnection } from "../lib/protocol/connection.ts";
import { Hub } from "../lib/hub/hub.ts";
import type { Message } from "../lib/hub/message.ts";
import type { CloseReason } from "../lib/sockjs/close_codes.ts";
import { Logger } from "../lib/log.ts";

Deno.test("HandlerTestCase.test_command_parser: CONNECT 1:2 is one CONNECT with user 1, key 2", () => {
  assert.deepEqual(parseCommand("CONNECT 1:2"), { kind: "CONNECT", userId: "1", publicKey: "2" });
});

Deno.test("splitCommand() splits at the first run of whitespace and trims the argument", () => {
  assert.deepEqual(splitCommand("CONNECT a:key "), ["CONNECT", "a:key"]);
  assert.deepEqual(splitCommand("  CONNECT   my user:key"), ["CONNECT", "my user:key"]);
  assert.deepEqual(splitCommand("SUBSCRIBE\ta:b"), ["SUBSCRIBE", "a:b"]);
  assert.deepEqual(splitCommand("CONNECT"), ["CONNECT", ""]);
  assert.deepEqual(splitCommand(""), ["", ""]);
});

Deno.test("parseCommand() accepts both forms of the original, ignores malformed commands", () => {
  assert.deepEqual(parseCommand("CONNECT a:key "), {
    kind: "CONNECT",
    userId: "a",
    publicKey: "key",
  });
  assert.deepEqual(parseCommand("CONNECT :key"), { kind: "CONNECT", userId: "", publicKey: "key" });
  assert.deepEqual(parseCommand("CONNECT my user:key"), {
    kind: "CONNECT",
    userId: "my user",
    publicKey: "key",
  });
  assert.equal(parseCommand("CONNECT a").kind, "invalid");
  // A third field is the token of --require-token; a connection whose application takes no
  // tokens still ignores such a CONNECT, as the original did (tests/tokens_test.ts).
  assert.deepEqual(parseCommand("CONNECT a:b:c"), {
    kind: "CONNECT",
    userId: "a",
    publicKey: "b",
    token: "c",
  });
  assert.deepEqual(parseCommand("CONNECT a:b:c:d"), {
    kind: "CONNECT",
    userId: "a",
    publicKey: "b",
    token: "c:d",
  });
  assert.equal(parseCommand("CONNECT").kind, "invalid");
  assert.equal(parseCommand("connect a:b").kind, "invalid");
  assert.equal(parseCommand("PUBLISH x").kind, "invalid");
  assert.deepEqual(parseCommand("SUBSCRIBE a::b:"), { kind: "SUBSCRIBE", channels: ["a", "b"] });
  assert.deepEqual(parseCommand("UNSUBSCRIBE a"), { kind: "UNSUBSCRIBE", channels: ["a"] });
  assert.equal(parseCommand("SUBSCRIBE").kind, "invalid");
});

Deno.test("isValidChannel() takes 1-64 of A-Z a-z 0-9 _ - = @ , . ; but not . or ..", () => {
  for (const ok of ["a", "news", "A-Z_09=@,.;", "x".repeat(64), "...", ".a"]) {
    assert.ok(isValidChannel(ok), ok);
  }
  for (
    const bad of [
      "",
      "x".repeat(65),
      "a b",
      "a/b",
      "a:b",
      "é",
      "a\n",
      "a\nb",
      "*",
      ".",
      "..",
      "\ud800",
    ]
  ) {
    assert.ok(!isValidChannel(bad), JSON.stringify(bad));
  }
});

Deno.test("isValidUserId() refuses what the API cannot name, and ids over the length", () => {
  for (const ok of ["a", "alice@example.com", "a/b", "...", " x ", "\0\n\u2028", "\ud83d\ude00"]) {
    assert.ok(isValidUserId(ok, 256), JSON.stringify(ok));
  }
  assert.ok(isValidUserId("x".repeat(256), 256));
  for (const bad of ["", ".", "..", "q\ud800", "\udc00", "\ude00\ud83d", "x".repeat(257)]) {
    assert.ok(!isValidUserId(bad, 256), JSON.stringify(bad));
  }
});

/** One client's transport, recording what its connection sends it. */
class Recorder {
  readonly delivered: string[] = [];
  closedWith: CloseReason | null = null;
}

/** The link every test connection shares: it writes to each connection's own recorder. */
const recordingLink: Link<Recorder> = {
  deliver(target: Recorder, message: Message): void {
    target.delivered.push(...message.elements);
  },
  close(target: Recorder, reason: CloseReason): void {
    target.closedWith = reason;
  },
  isOpen(target: Recorder): boolean {
    return target.closedWith === null;
  },
};

function connection(
  maxChannelsPerConnection = 1000,
  maxCommandsPerSecond = 100,
  maxIdLength = 256,
) {
  const hub = new Hub([{ publicKey: "key", secret: "s" }]);
  const link = new Recorder();
  const conn = new ThunderConnection({
    hub,
    link: recordingLink,
    log: Logger.silent(),
    limits: { maxChannelsPerConnection, maxCommandsPerSecond, maxIdLength },
  }, link);
  return { hub, app: hub.app("key")!, link, conn };
}

Deno.test("ThunderConnection: a second CONNECT cannot change the user id", () => {
  const { app, conn } = connection();
  conn.handle("CONNECT first:key");
  conn.handle("CONNECT second:key");
  assert.equal(conn.userId, "first");
  assert.deepEqual([app.isOnline("first"), app.isOnline("second")], [true, false]);
});

Deno.test("ThunderConnection: invalid channel names are ignored, valid ones subscribed", () => {
  const { app, conn } = connection();
  conn.handle("CONNECT u:key");
  conn.handle("SUBSCRIBE ok:bad/name:" + "x".repeat(65) + ":fine");
  assert.deepEqual([...app.subscriptionsOf(conn)], ["ok", "fine"]);
});

Deno.test("ThunderConnection: subscriptions past the per-connection limit are ignored", () => {
  const { app, conn } = connection(2);
  conn.handle("CONNECT u:key");
  conn.handle("SUBSCRIBE a:b:c");
  assert.deepEqual([...app.subscriptionsOf(conn)], ["a", "b"]);
  conn.handle("UNSUBSCRIBE a");
  conn.handle("SUBSCRIBE c");
  assert.deepEqual([...app.subscriptionsOf(conn)], ["b", "c"]);
});

Deno.test("ThunderConnection: closed() leaves the hub, later commands do nothing", () => {
  const { app, conn } = connection();
  conn.handle("CONNECT u:key");
  conn.handle("SUBSCRIBE a");
  conn.closed();
  conn.closed();
  assert.deepEqual([app.userCount, app.channelCount, app.connectionCount], [0, 0, 0]);
  conn.handle("SUBSCRIBE b");
  assert.equal(app.channelCount, 0);
});

Deno.test("ThunderConnection: 9000 for an unknown key, 9001 before CONNECT", () => {
  const a = connection();
  a.conn.handle("CONNECT u:other");
  assert.equal(a.link.closedWith?.code, 9000);
  assert.equal(a.app.userCount, 0);
  const b = connection();
  b.conn.handle("UNSUBSCRIBE x");
  assert.deepEqual(b.link.closedWith, { code: 9001, reason: "Subscribing before connecting." });
});

Deno.test("ThunderConnection: 9003 for a user id the API cannot name or over the length", () => {
  for (const id of ["", ".", "..", "q\ud800", "x".repeat(11)]) {
    const { app, conn, link } = connection(1000, 100, 10);
    conn.handle(`CONNECT ${id}:key`);
    assert.deepEqual(link.closedWith, { code: 9003, reason: "Invalid user id." }, id);
    assert.deepEqual([app.connectionCount, app.userCount, conn.app], [0, 0, null]);
  }
  const { app, conn, link } = connection(1000, 100, 10);
  conn.handle(`CONNECT ${"x".repeat(10)}:key`);
  assert.deepEqual([link.closedWith, app.userCount], [null, 1]);
});

Deno.test("ThunderConnection: bursts up to twice the command rate pass, more close with 1008", () => {
  const { app, conn, link } = connection(1000, 5);
  conn.handle("CONNECT u:key");
  for (let i = 0; i < 9; i++) conn.handle(`SUBSCRIBE c${i}`);
  assert.equal(link.closedWith, null);
  assert.equal(app.subscriptionsOf(conn).size, 9);
  conn.handle("SUBSCRIBE one-too-many");
  assert.deepEqual(link.closedWith, { code: 1008, reason: "Too many commands." });
  assert.equal(app.connectionCount, 0);
});
