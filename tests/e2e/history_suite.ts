/**
 * History over the network against any target (in-process, the Deno CLI, the Node build): a
 * client away while pushes go out recovers exactly those, in order, then live ones; an unknown
 * epoch says `recovered: false`; the API reads the history; without `--history-size` pushes and
 * the history path are as before.
 *
 * @module
 */

import assert from "node:assert/strict";
import { KEY, type StartTarget, type Target } from "../helpers/target.ts";
import { SockjsWs } from "../helpers/sockjs_ws.ts";
import { Elements } from "../helpers/history.ts";

async function apiSays(server: Target, path: string, text: string): Promise<void> {
  const deadline = Date.now() + 3_000;
  while ((await server.api("GET", path)).text !== text) {
    if (Date.now() > deadline) throw new Error(`${path} never said ${text}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Registers the history tests for a target. */
export function defineHistorySuite(name: string, start: StartTarget): void {
  Deno.test(`${name}: history: a client away while N pushes go out recovers exactly those N`, async () => {
    const server = await start({ historySize: 50 });
    try {
      const alice = await SockjsWs.session(server.base);
      alice.send(`CONNECT alice:${KEY}`, "SUBSCRIBE news");
      await apiSays(server, "/channels/news/", '{"users": ["alice"]}\n');
      await server.api("POST", "/channels/news/", '"1"');
      const frame = await alice.next();
      const [first] = JSON.parse(frame.slice(1));
      assert.match(first.epoch, /^[a-zA-Z]{8}$/);
      assert.equal(
        frame,
        `a[{"payload":"\\"1\\"","channel":"news","offset":1,"epoch":"${first.epoch}"}]`,
      );
      await alice.close();
      await apiSays(server, "/channels/news/", '{"users": []}\n');
      for (let i = 2; i <= 6; i++) await server.api("POST", "/channels/news/", String(i));
      const back = await SockjsWs.session(server.base);
      back.send(`CONNECT alice:${KEY}`, `RECOVER news ${first.epoch} 1`);
      const elements = new Elements(back);
      assert.deepEqual(
        (await elements.take(5)).map((e) => [e.payload, e.offset]),
        [["2", 2], ["3", 3], ["4", 4], ["5", 5], ["6", 6]],
      );
      await server.api("POST", "/channels/news/", "7");
      assert.equal((await elements.next()).offset, 7);
      assert.deepEqual(await elements.rest(), []);
      const other = await SockjsWs.session(server.base);
      other.send(`CONNECT bob:${KEY}`, "RECOVER news other 3");
      assert.deepEqual(await new Elements(other).next(), {
        channel: "news",
        recovered: false,
        epoch: first.epoch,
        offset: 7,
      });
      const read = JSON.parse((await server.api("GET", "/channels/news/history/?since=5")).text);
      assert.deepEqual(read.messages.map((m: { payload: string }) => m.payload), ["6", "7"]);
      await back.close();
      await other.close();
    } finally {
      await server.close();
    }
  });

  Deno.test(`${name}: history: off without --history-size, pushes are byte for byte as before`, async () => {
    const server = await start();
    try {
      const alice = await SockjsWs.session(server.base);
      alice.send(`CONNECT alice:${KEY}`, "SUBSCRIBE news");
      await apiSays(server, "/channels/news/", '{"users": ["alice"]}\n');
      await server.api("POST", "/channels/news/", '"1"');
      assert.equal(await alice.next(), 'a[{"payload":"\\"1\\"","channel":"news"}]');
      assert.equal((await server.api("GET", "/channels/news/history/")).text, '{"users": []}\n');
      await alice.close();
    } finally {
      await server.close();
    }
  });
}
