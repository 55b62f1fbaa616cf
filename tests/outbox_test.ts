/**
 * When the outbox hands pushes over: a lone push at the end of the task that made it, pushes of
 * one task together, and pushes that follow a delivery within the batching window on a timer, together
 * with whatever else comes before it fires.
 */

import assert from "node:assert/strict";
import { Outbox, type Run } from "../lib/hub/outbox.ts";
import { Message } from "../lib/hub/message.ts";

/**
 * A window long enough that no pause of a loaded machine ends it between two steps of a test
 * (the server's is `BATCH_MS`, 1 ms).
 */
const WINDOW_MS = 200;

/** An outbox that records each delivery as the payload list of its runs. */
function recording() {
  const deliveries: string[][] = [];
  const outbox = new Outbox((run: Run) => {
    deliveries.push(run.messages.map((message) => message.frame));
  }, WINDOW_MS);
  const push = (payload: string) =>
    outbox.add("channel", "x", Message.forChannel(JSON.stringify(payload), "x"));
  return { outbox, deliveries, push };
}

/** The payload of each message of each delivery (a frame is `a[...]`, one message each here). */
function payloads(deliveries: string[][]): string[][] {
  return deliveries.map((frames) =>
    frames.map((frame) => JSON.parse(JSON.parse(frame.slice(1))[0].payload))
  );
}

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

Deno.test("outbox: a lone push goes out when its task ends, before any timer; one task's pushes together", async () => {
  const { deliveries, push } = recording();
  push("a");
  push("b");
  assert.equal(deliveries.length, 0); // not while the task runs
  await null; // the task's microtasks run: the flush was queued first
  assert.deepEqual(payloads(deliveries), [["a", "b"]]);
});

Deno.test("outbox: pushes right after a delivery wait for a timer and share it; later ones go at once again", async () => {
  const { deliveries, push } = recording();
  push("a");
  await null;
  assert.deepEqual(payloads(deliveries), [["a"]]);
  // Within the window after that delivery: a burst, which waits for the timer.
  push("b");
  await null;
  assert.equal(deliveries.length, 1);
  await Promise.resolve().then(() => push("c"));
  assert.equal(deliveries.length, 1);
  await tick();
  assert.deepEqual(payloads(deliveries), [["a"], ["b", "c"]]);
  // Once the window has passed since the last delivery, a push goes out with its task again.
  await sleep(WINDOW_MS + 20);
  push("d");
  await null;
  assert.deepEqual(payloads(deliveries), [["a"], ["b", "c"], ["d"]]);
});

Deno.test("outbox: flush() hands over at once what waits for a timer, and the timer then finds nothing", async () => {
  const { outbox, deliveries, push } = recording();
  push("a");
  await null;
  push("b"); // within the window: on a timer
  outbox.flush();
  assert.deepEqual(payloads(deliveries), [["a"], ["b"]]);
  outbox.flush(); // nothing waits: no delivery
  await tick();
  await sleep(WINDOW_MS + 20);
  assert.deepEqual(payloads(deliveries), [["a"], ["b"]]);
});

Deno.test("outbox: after a long delivery, the window is as long as the delivery took", async () => {
  const deliveries: string[] = [];
  let spinMs = 2 * WINDOW_MS;
  const outbox = new Outbox((run: Run) => {
    const until = performance.now() + spinMs;
    while (performance.now() < until) { /* a delivery to very many connections */ }
    deliveries.push(run.key);
  }, WINDOW_MS);
  const push = (key: string) => outbox.add("channel", key, Message.forChannel("1", key));
  push("a");
  await null;
  assert.deepEqual(deliveries, ["a"]);
  spinMs = 0;
  // Past the window of WINDOW_MS, inside the delivery's own length: still a burst.
  await sleep(WINDOW_MS + 50);
  push("b");
  await null;
  assert.deepEqual(deliveries, ["a"]);
  await tick();
  assert.deepEqual(deliveries, ["a", "b"]);
  // That delivery was short: the window is WINDOW_MS again.
  await sleep(WINDOW_MS + 20);
  push("c");
  await null;
  assert.deepEqual(deliveries, ["a", "b", "c"]);
});

Deno.test("outbox: a push in the window waits one timer turn, never the window itself", async () => {
  // A window of seconds (a delivery that long to very many connections): the push that follows
  // it still goes out on the next timer turn, a millisecond or two, not when the window ends.
  let spinMs = 50;
  let deliveredAt = 0;
  const outbox = new Outbox(() => {
    const until = performance.now() + spinMs;
    while (performance.now() < until) { /* a long delivery */ }
    deliveredAt = performance.now();
  }, 5_000);
  const push = () => outbox.add("channel", "x", Message.forChannel("1", "x"));
  push();
  await null;
  spinMs = 0;
  const sent = performance.now();
  push();
  while (performance.now() - sent < 1_000 && deliveredAt < sent) await sleep(1);
  // A timer turn; the bound leaves room for a loaded machine, far below the window.
  assert(deliveredAt >= sent, "delivered within a second");
  assert(deliveredAt - sent < 50, `waited ${deliveredAt - sent} ms`);
});
