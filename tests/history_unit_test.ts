/**
 * The parts of history that need no socket: the in-memory store (size cap, TTL, position kept
 * longer, counted bytes), the recovery verdict, the per-connection positions guard, RECOVER's
 * parser, and the policies of several applications.
 */

import assert from "node:assert/strict";
import { MemoryHistory } from "../lib/history/memory.ts";
import { ChannelPositions, recoveredEntries } from "../lib/history/recovery.ts";
import { POSITION_TTL } from "../lib/history/history.ts";
import { historyPolicies } from "../lib/history/policies.ts";
import { parseCommand } from "../lib/protocol/commands.ts";
import { Message } from "../lib/hub/message.ts";

Deno.test("MemoryHistory keeps the last `size` pushes per channel and counts them", () => {
  const history = new MemoryHistory({ size: 3, ttl: 60 });
  for (let i = 1; i <= 100; i++) history.append("a", String(i).padStart(3, "0"));
  history.append("b", "x");
  const read = history.read("a", { since: 0, limit: 10 });
  assert.deepEqual(read.entries, [
    { offset: 98, payload: "098" },
    { offset: 99, payload: "099" },
    { offset: 100, payload: "100" },
  ]);
  assert.equal(read.offset, 100);
  assert.deepEqual(history.stats(), { messages: 4, bytes: 10 });
  assert.deepEqual(history.read("a", { limit: 2 }).entries.map((e) => e.offset), [99, 100]);
  assert.deepEqual(history.read("a", { since: 98, limit: 1 }).entries.map((e) => e.offset), [99]);
  assert.deepEqual(history.read("a", { since: 50, limit: 10, maxGap: 10 }).entries, []);
  // A channel never pushed to has no position, and a read makes none.
  assert.deepEqual(history.read("c", { since: 0, limit: 10 }), {
    epoch: "",
    offset: 0,
    entries: [],
  });
  assert.equal(history.channelCount, 2);
});

Deno.test("MemoryHistory drops pushes `ttl` after the last one, the position after longer", () => {
  let now = 0;
  const history = new MemoryHistory({ size: 10, ttl: 5 }, () => now);
  const { epoch } = history.append("a", "1");
  history.append("a", "2");
  now = 4_999;
  assert.equal(history.stats().messages, 2);
  now = 5_000;
  assert.deepEqual(history.stats(), { messages: 0, bytes: 0 });
  assert.deepEqual(history.read("a", { since: 0, limit: 10 }), { epoch, offset: 2, entries: [] });
  assert.deepEqual(history.append("a", "3"), { offset: 3, epoch });
  now += POSITION_TTL * 1000;
  assert.equal(history.channelCount, 1);
  const renewed = history.append("a", "4");
  assert.equal(renewed.offset, 1);
  assert.notEqual(renewed.epoch, epoch);
  assert.equal(history.channelCount, 1);
});

Deno.test("recoveredEntries() recovers only a complete, contiguous range in the same epoch", () => {
  const entries = [3, 4, 5].map((offset) => ({ offset, payload: String(offset) }));
  const read = { epoch: "e", offset: 5, entries };
  assert.deepEqual(recoveredEntries({ epoch: "e", offset: 2 }, read), entries);
  assert.deepEqual(recoveredEntries({ epoch: "e", offset: 5 }, { ...read, entries: [] }), []);
  assert.equal(recoveredEntries({ epoch: "x", offset: 2 }, read), null);
  assert.equal(recoveredEntries({ epoch: "", offset: 2 }, read), null);
  assert.equal(recoveredEntries({ epoch: "e", offset: 1 }, read), null);
  assert.equal(recoveredEntries({ epoch: "e", offset: 6 }, read), null);
  assert.equal(recoveredEntries({ epoch: "e", offset: 2 }, read, 2), null);
});

Deno.test("ChannelPositions holds live pushes during a recovery, then drops what was sent", () => {
  const push = (offset: number, epoch = "e") =>
    Message.forChannel(String(offset), "news", { offset, epoch });
  const positions = new ChannelPositions();
  const before = push(1);
  assert.equal(positions.filter(before), before); // not recovering this channel: as it is
  positions.begin("news");
  assert.equal(positions.filter(push(4)), null);
  assert.equal(positions.filter(Message.join([push(5), push(6)])), null);
  // History sent up to 5: 4 and 5 are dropped, 6 goes.
  const released = positions.finish("news", "e", 5);
  assert.deepEqual(released.map((m) => m.positions?.offsets), [[6]]);
  assert.equal(released[0].frame, 'a[{"payload":"6","channel":"news","offset":6,"epoch":"e"}]');
  assert.equal(positions.filter(push(6)), null);
  assert.deepEqual(positions.filter(push(7))?.positions?.offsets, [7]);
  // Another epoch moves the connection to it.
  assert.deepEqual(positions.filter(push(1, "f"))?.positions?.offsets, [1]);
  // Other channels and user pushes pass as they are.
  const other = Message.forChannel("1", "other", { offset: 1, epoch: "e" });
  assert.equal(positions.filter(other), other);
  const user = Message.forUser("1");
  assert.equal(positions.filter(user), user);
});

Deno.test("parseCommand() reads RECOVER <channel> <epoch> <offset> and refuses bad ones", () => {
  assert.deepEqual(parseCommand("RECOVER news AbCdEfGh 12"), {
    kind: "RECOVER",
    channel: "news",
    epoch: "AbCdEfGh",
    offset: 12,
  });
  assert.deepEqual(parseCommand("RECOVER  news   e  9007199254740991 ").kind, "RECOVER");
  for (
    const bad of [
      "RECOVER news e",
      "RECOVER news e 1 2",
      "RECOVER news e -1",
      "RECOVER news e 1.5",
      "RECOVER news e 01",
      "RECOVER news e 9007199254740992",
      "RECOVER news e 0x10",
      "RECOVER bad/channel e 1",
      "RECOVER news e\u00e9 1",
      "RECOVER",
    ]
  ) assert.equal(parseCommand(bad).kind, "invalid", bad);
});

Deno.test("historyPolicies() takes each application's own settings over the server's", () => {
  const policies = historyPolicies([
    { publicKey: "a" },
    { publicKey: "b", history: { size: 0 } },
    { publicKey: "c", history: { ttl: 5 } },
    { publicKey: "d", history: { size: 7 } },
  ], { size: 100, ttl: 60 });
  assert.deepEqual([...policies], [
    ["a", { size: 100, ttl: 60 }],
    ["c", { size: 100, ttl: 5 }],
    ["d", { size: 7, ttl: 60 }],
  ]);
  assert.equal(historyPolicies([{ publicKey: "a" }]).size, 0);
});
