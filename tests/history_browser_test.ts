/**
 * History in the browser clients, in headless Chromium: thunderpush.js (over WebSocket and over
 * xhr-polling) and the ESM client recover the pushes they missed after the server dropped their
 * connection, in order and once each; after a restart without Redis (a new epoch) they say the
 * channel was not recovered.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { KEY, startServer, type TestServer, until } from "./helpers/server.ts";
import { restartServer } from "./helpers/restart.ts";
import { clientScripts, launchBrowser, openPage, serveAssets } from "./helpers/browser.ts";

const WAIT = 10_000;
const HISTORY = { history: { size: 100 } };

async function withBrowser(
  body: (server: TestServer, browser: Browser, page: (html: string) => Promise<Page>) => Promise<
    TestServer
  >,
): Promise<void> {
  let server = startServer(HISTORY);
  const assets = serveAssets();
  let browser: Browser | undefined;
  try {
    browser = await launchBrowser();
    const errors: string[] = [];
    const page = async (html: string) => {
      const opened = await openPage(browser!, assets.page("/page.html", html));
      opened.page.on("pageerror", (e) => errors.push(e.message));
      return opened.page;
    };
    server = await body(server, browser, page);
    assert.deepEqual(errors, []);
  } finally {
    await browser?.close();
    await assets.close();
    await server.close();
  }
}

function inChannel(server: TestServer, channel: string, user: string): boolean {
  return server.thunder.hub.app(KEY)?.channelUsers(channel).includes(user) ?? false;
}

async function publish(server: TestServer, ...payloads: string[]) {
  for (const p of payloads) {
    assert.equal((await server.api("POST", "/channels/news/", p)).status, 200);
  }
}

for (const transport of ["websocket", "xhr-polling"]) {
  Deno.test(`thunderpush.js over ${transport} recovers the pushes missed while dropped`, async () => {
    await withBrowser(async (server, _browser, page) => {
      const scripts = await clientScripts(server.base);
      const p = await page(`<!DOCTYPE html>
<script src="${scripts.sockjs}"></script>
<script src="${scripts.thunderpush}"></script>
<script>
  var seen = { messages: [], lost: [] };
  Thunder.listen(function (data, channel) { seen.messages.push(data); });
  Thunder.onNotRecovered(function (channel, at) { seen.lost.push([channel, at.offset]); });
</script>`);
      await p.evaluate(`Thunder.connect("127.0.0.1:${server.port}", "${KEY}", ["news"],
        { user: "alice", transports: ["${transport}"] })`);
      await until(() => inChannel(server, "news", "alice"), WAIT);
      await publish(server, "1", "2");
      await p.waitForFunction("seen.messages.length === 2", null, { timeout: WAIT });
      // The server drops the session; thunderpush.js waits a second before it comes back.
      server.thunder.sockjs.closeAll({ code: 3000, reason: "Go away!" });
      await until(() => !inChannel(server, "news", "alice"), WAIT);
      await publish(server, "3", "4", "5");
      await until(() => inChannel(server, "news", "alice"), WAIT);
      await publish(server, "6");
      await p.waitForFunction("seen.messages.length >= 6", null, { timeout: WAIT });
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(await p.evaluate("seen"), { messages: [1, 2, 3, 4, 5, 6], lost: [] });

      // A restart without Redis loses the history: the page is told.
      server = await restartServer(server, HISTORY);
      await p.waitForFunction("seen.lost.length === 1", null, { timeout: WAIT });
      assert.deepEqual(await p.evaluate("seen.lost"), [["news", 0]]);
      await until(() => inChannel(server, "news", "alice"), WAIT);
      await publish(server, "7");
      await p.waitForFunction("seen.messages.length === 7", null, { timeout: WAIT });
      return server;
    });
  });
}

Deno.test("ESM client recovers the pushes missed while dropped, and emits recovery events", async () => {
  await withBrowser(async (server, _browser, page) => {
    const p = await page(`<!DOCTYPE html>
<script type="module">
  import { connect } from "/client/mod.ts";
  window.seen = { messages: [], recovery: [] };
  window.start = (url) => {
    const client = connect(url, {
      publicKey: "${KEY}", user: "bob", channels: ["news"],
      reconnect: { initialDelay: 500, jitter: 0 },
    });
    client.on("message", (m) => seen.messages.push([m.payload, m.offset]));
    client.on("recovery", (r) => seen.recovery.push(r));
  };
  window.ready = true;
</script>`);
    await p.waitForFunction("window.ready === true");
    await p.evaluate(`start("${server.base}")`);
    await until(() => inChannel(server, "news", "bob"), WAIT);
    await publish(server, "1");
    await p.waitForFunction("seen.messages.length === 1", null, { timeout: WAIT });
    server.thunder.sockjs.closeAll({ code: 3000, reason: "Go away!" });
    await until(() => !inChannel(server, "news", "bob"), WAIT);
    await publish(server, "2", "3");
    await until(() => inChannel(server, "news", "bob"), WAIT);
    await p.waitForFunction("seen.messages.length === 3", null, { timeout: WAIT });
    assert.deepEqual(await p.evaluate("seen.messages"), [[1, 1], [2, 2], [3, 3]]);
    server = await restartServer(server, HISTORY);
    await p.waitForFunction("seen.recovery.length === 1", null, { timeout: WAIT });
    const [event] = await p.evaluate("seen.recovery") as { epoch: string }[];
    assert.deepEqual(event, { channel: "news", recovered: false, epoch: event.epoch, offset: 0 });
    return server;
  });
});
