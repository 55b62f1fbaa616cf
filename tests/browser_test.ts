/**
 * The browser clients in headless Chromium against a real server: the drop-in thunderpush.js
 * over each SockJS transport, the ESM client, and the demo page (screenshot in out/browser/).
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { KEY, startServer, type TestServer, until } from "./helpers/server.ts";
import { restartServer } from "./helpers/restart.ts";
import {
  type AssetServer,
  type ClientScripts,
  clientScripts,
  launchBrowser,
  openPage,
  serveAssets,
} from "./helpers/browser.ts";
import { createDemoHandler } from "../examples/demo/server.ts";

/** The sockjs-client transports the pages are forced onto, one test each (all Chromium has). */
const TRANSPORTS = [
  "websocket",
  "xhr-streaming",
  "xhr-polling",
  "eventsource",
  "iframe-eventsource",
  "iframe-htmlfile",
  "iframe-xhr-polling",
  "jsonp-polling",
];

/** Long enough for a reconnect (thunderpush.js waits 1 s) over any transport. */
const WAIT = 10_000;

interface Setup {
  server: TestServer;
  assets: AssetServer;
  scripts: ClientScripts;
  browser: Browser;
}

/** Runs `body` with a server, an asset server and a browser, and closes them all after. */
async function withBrowser(body: (setup: Setup) => Promise<TestServer | void>): Promise<void> {
  let server = startServer();
  const assets = serveAssets();
  let browser: Browser | undefined;
  try {
    browser = await launchBrowser();
    const scripts = await clientScripts(server.base);
    server = await body({ server, assets, scripts, browser }) ?? server;
  } finally {
    await browser?.close();
    await assets.close();
    await server.close();
  }
}

function thunderpushPage(scripts: ClientScripts): string {
  return `<!DOCTYPE html>
<meta charset="utf-8">
<title>thunderpush.js</title>
<script src="${scripts.sockjs}"></script>
<script src="${scripts.thunderpush}"></script>
<script>
  var seen = { messages: [], opens: 0, closes: [] };
  Thunder.onSockOpen(function () { seen.opens++; });
  Thunder.onSockClose(function (e) { seen.closes.push(e.code); });
  Thunder.listen(function (data, channel) {
    seen.messages.push({ data: data, channel: channel || null });
  });
</script>`;
}

function esmPage(scripts: ClientScripts): string {
  return `<!DOCTYPE html>
<meta charset="utf-8">
<title>ESM client</title>
<script src="${scripts.sockjs}"></script>
<script type="module">
  import { connect } from "/client/mod.ts";
  // A WebSocket that can never open, to force the SockJS fallback.
  class BrokenWebSocket extends WebSocket {
    constructor() { super("ws://127.0.0.1:1/unreachable"); }
  }
  window.seen = { messages: [], states: [], closes: [] };
  window.start = (url, options, { brokenWebSocket } = {}) => {
    if (brokenWebSocket) options.WebSocket = BrokenWebSocket;
    const client = connect(url, options);
    client.on("message", (m) => seen.messages.push(m));
    client.on("state", (s) => seen.states.push(s));
    client.on("close", (c) => seen.closes.push(c));
    window.client = client;
    return client.user;
  };
  window.ready = true;
</script>`;
}

function subscribers(server: TestServer, channel: string): string[] {
  return server.thunder.hub.app(KEY)?.channelUsers(channel) ?? [];
}

async function seen<T>(page: Page, expression: string): Promise<T> {
  return await page.evaluate(expression) as T;
}

/** Restarts the server and waits until `user` is back in `channels` on the new one. */
async function restartAndWait(
  server: TestServer,
  user: string,
  channels: string[],
): Promise<TestServer> {
  const next = await restartServer(server);
  await until(() => channels.every((ch) => subscribers(next, ch).includes(user)), WAIT);
  return next;
}

/** Forces a logout and checks that nothing reconnects. */
async function forceLogout(server: TestServer, user: string): Promise<void> {
  assert.equal((await server.api("DELETE", `/users/${user}/`)).status, 204);
  await new Promise((r) => setTimeout(r, 1_500));
  assert.equal(server.thunder.hub.app(KEY)!.isOnline(user), false);
}

for (const transport of TRANSPORTS) {
  Deno.test(`thunderpush.js over ${transport}: pushes, resubscribes after a restart, stops on logout`, async () => {
    await withBrowser(async ({ server, assets, scripts, browser }) => {
      const { page, errors } = await openPage(
        browser,
        assets.page("/tp.html", thunderpushPage(scripts)),
      );
      await page.evaluate(`Thunder.connect("127.0.0.1:${server.port}", "${KEY}", ["news"],
        { user: "alice", transports: ["${transport}"] })`);
      await until(() => subscribers(server, "news").includes("alice"), WAIT);

      const subscribed = await seen<string>(
        page,
        `(function () {
        var said; Thunder.subscribe("sports", function (t, text) { said = text; }); return said;
      })()`,
      );
      assert.equal(subscribed, "Channel subscribed");
      await until(() => subscribers(server, "sports").includes("alice"), WAIT);

      await server.api("POST", "/channels/news/", '{"x": 1}');
      await server.api("POST", "/users/alice/", '"hello"');
      await page.waitForFunction("seen.messages.length === 2", null, { timeout: WAIT });
      assert.deepEqual(await seen(page, "seen.messages"), [
        { data: { x: 1 }, channel: "news" },
        { data: "hello", channel: null },
      ]);

      server = await restartAndWait(server, "alice", ["news", "sports"]);
      assert.deepEqual(await seen(page, "[seen.opens, seen.closes, Thunder.reconnect_tries]"), [
        2,
        [1001],
        0,
      ]);
      await server.api("POST", "/channels/sports/", '"after the restart"');
      await page.waitForFunction("seen.messages.length === 3", null, { timeout: WAIT });
      assert.deepEqual(await seen(page, "seen.messages[2]"), {
        data: "after the restart",
        channel: "sports",
      });

      await forceLogout(server, "alice");
      assert.deepEqual(await seen(page, "[seen.opens, seen.closes, Thunder.socket.readyState]"), [
        2,
        [1001, 9002],
        3,
      ]);
      const failure = await seen(
        page,
        `(function () {
        var said;
        try { Thunder.subscribe("late", null, function (t, text) { said = text; }); }
        catch (e) { return { said: said, name: e.name, message: e.message, isError: e instanceof Error }; }
      })()`,
      );
      assert.deepEqual(failure, {
        said: "Socket not open",
        name: "socket.status",
        message: "Socket not OPEN: 3",
        isError: true,
      });
      assert.deepEqual(errors, []);
      return server;
    });
  });

  Deno.test(`ESM client falls back to SockJS over ${transport} when WebSocket fails`, async () => {
    await withBrowser(async ({ server, assets, scripts, browser }) => {
      const { page, errors } = await openPage(browser, assets.page("/esm.html", esmPage(scripts)));
      await page.waitForFunction("window.ready === true");
      await page.evaluate(`start("${server.base}", {
        publicKey: "${KEY}", user: "bob", channels: ["news"],
        sockjsOptions: { transports: ["${transport}"] },
      }, { brokenWebSocket: true })`);
      await until(() => subscribers(server, "news").includes("bob"), WAIT);
      await server.api("POST", "/channels/news/", '{"via": "sockjs"}');
      await page.waitForFunction("seen.messages.length === 1", null, { timeout: WAIT });
      assert.deepEqual(await seen(page, "seen.messages"), [
        { payload: { via: "sockjs" }, channel: "news" },
      ]);
      await forceLogout(server, "bob");
      assert.equal(await seen(page, "client.state"), "closed");
      assert.deepEqual(errors, []);
    });
  });
}

Deno.test("thunderpush.js: a page written for the original works, with a random user id", async () => {
  await withBrowser(async ({ server, assets, scripts, browser }) => {
    const { page, errors } = await openPage(
      browser,
      assets.page("/tp.html", thunderpushPage(scripts)),
    );
    // The README's example: no user, no transports; and a subscribe in the open callback.
    await page.evaluate(`Thunder.onSockOpen(function () {
      seen.opens++;
      Thunder.subscribe("from-open");
    })`);
    await page.evaluate(`Thunder.connect("127.0.0.1:${server.port}", "${KEY}", ["testchannel"])`);
    await until(() => subscribers(server, "from-open").length === 1, WAIT);
    const user = await seen<string>(page, "Thunder.user");
    assert.match(user, /^anon-[0-9a-f]{16}$/);
    assert.deepEqual(subscribers(server, "testchannel"), [user]);
    assert.deepEqual(await seen(page, "Thunder.channels"), ["testchannel", "from-open"]);
    await server.api("POST", "/channels/testchannel/", '"Hello World!"');
    await page.waitForFunction("seen.messages.length === 1", null, { timeout: WAIT });
    assert.equal(await seen(page, "seen.messages[0].data"), "Hello World!");
    assert.equal(await seen(page, "Thunder.disconnect()"), undefined);
    await until(() => server.thunder.hub.app(KEY)!.connectionCount === 0, WAIT);
    assert.deepEqual(await seen(page, "seen.closes"), [1000]);
    assert.equal(await seen(page, "Thunder.disconnect()"), false);
    assert.deepEqual(errors, []);
  });
});

/** A page with a fake SockJS whose sockets close at once with `code`, and a recording setTimeout. */
function fakeSockjsPage(scripts: ClientScripts): string {
  return `<!DOCTYPE html>
<meta charset="utf-8">
<title>thunderpush.js reconnect policy</title>
<script>
  var sockets = 0, closeCode = 1006, delays = [];
  function SockJS() {
    var socket = this;
    sockets++;
    socket.readyState = SockJS.CONNECTING;
    Promise.resolve().then(function () {
      socket.readyState = SockJS.CLOSED;
      socket.onclose({ code: closeCode, reason: "fake" });
    });
  }
  SockJS.CONNECTING = 0; SockJS.OPEN = 1; SockJS.CLOSING = 2; SockJS.CLOSED = 3;
  // Reconnects run at once, and the delays asked for are recorded; nine attempts at most.
  window.setTimeout = function (fn, ms) {
    delays.push(ms);
    if (delays.length < 9) Promise.resolve().then(fn);
    return 0;
  };
</script>
<script src="${scripts.thunderpush}"></script>`;
}

Deno.test("thunderpush.js waits 1, 2.5, 5, 10, 30, 60, 60 s; not after 9000-9005 (9004 without a token function) or retry: false", async () => {
  await withBrowser(async ({ assets, scripts, browser }) => {
    const url = assets.page("/fake.html", fakeSockjsPage(scripts));
    const { page, errors } = await openPage(browser, url);
    await page.evaluate(`Thunder.connect("127.0.0.1:1", "${KEY}", ["news"])`);
    await page.waitForFunction("delays.length === 9");
    assert.deepEqual(await seen(page, "[delays, sockets]"), [
      [1000, 2500, 5000, 10000, 30000, 60000, 60000, 60000, 60000],
      9,
    ]);
    for (
      const [code, options] of [[9000, {}], [9001, {}], [9002, {}], [9003, {}], [9004, {}], [
        9005,
        {},
      ], [1006, {
        retry: false,
      }]]
    ) {
      await page.evaluate(`delays = []; sockets = 0; closeCode = ${code};
        Thunder.connect("127.0.0.1:1", "${KEY}", [], ${JSON.stringify(options)})`);
      await page.waitForFunction("sockets === 1 && Thunder.socket.readyState === 3");
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(await seen(page, "[delays, sockets]"), [[], 1], `close code ${code}`);
    }
    assert.deepEqual(errors, []);
  });
});

Deno.test("ESM client in Chromium: pushes, resubscribes after a restart, stops on logout", async () => {
  await withBrowser(async ({ server, assets, scripts, browser }) => {
    const { page, errors } = await openPage(browser, assets.page("/esm.html", esmPage(scripts)));
    await page.waitForFunction("window.ready === true");
    await page.evaluate(`start("${server.base}", {
      publicKey: "${KEY}", user: "carol", channels: ["news"], reconnect: { initialDelay: 100 },
      SockJS: null,
    })`);
    await until(() => subscribers(server, "news").includes("carol"), WAIT);
    await page.evaluate(`client.subscribe("sports")`);
    await until(() => subscribers(server, "sports").includes("carol"), WAIT);
    await server.api("POST", "/channels/sports/", '{"score": [1, 0]}');
    await server.api("POST", "/users/carol/", '"hi carol"');
    await page.waitForFunction("seen.messages.length === 2", null, { timeout: WAIT });

    server = await restartAndWait(server, "carol", ["news", "sports"]);
    await server.api("POST", "/channels/news/", '"back"');
    await page.waitForFunction("seen.messages.length === 3", null, { timeout: WAIT });
    assert.deepEqual(await seen(page, "seen.messages"), [
      { payload: { score: [1, 0] }, channel: "sports" },
      { payload: "hi carol" },
      { payload: "back", channel: "news" },
    ]);

    await forceLogout(server, "carol");
    assert.deepEqual(await seen(page, "seen.states"), ["open", "connecting", "open", "closed"]);
    const closes = await seen<[number, boolean][]>(
      page,
      "seen.closes.map((c) => [c.code, c.reconnectIn === null])",
    );
    // A reconnect attempt that lands while the server is still down fails with 1006 and is
    // retried: how many depends on how long the restart took.
    assert.deepEqual(closes.filter(([code]) => code !== 1006), [
      [1001, false],
      [9002, true],
    ]);
    assert.ok(
      closes.every(([code, final]) => code !== 1006 || !final),
      JSON.stringify(closes),
    );
    assert.deepEqual(errors, []);
    return server;
  });
});

Deno.test("demo page shows messages sent through its form (out/browser/demo.png)", async () => {
  await withBrowser(async ({ server, browser }) => {
    const demo = Deno.serve(
      { port: 0, hostname: "127.0.0.1", onListen: () => {} },
      createDemoHandler({ thunder: server.base, publicKey: KEY, secret: "secretkey" }),
    );
    try {
      const url = `http://127.0.0.1:${demo.addr.port}/?user=demo-user&channels=news,sports`;
      const { page, errors } = await openPage(browser, url);
      await page.setViewportSize({ width: 800, height: 640 });
      await page.locator("#status.open").waitFor({ timeout: WAIT });
      await until(() => subscribers(server, "sports").includes("demo-user"), WAIT);

      await page.locator("#message").fill('{"text": "Hello, news readers!"}');
      await page.locator("#send button").click();
      await page.locator("#messages li").first().waitFor({ timeout: WAIT });
      await page.locator("#target-kind").selectOption("user");
      await page.locator("#target").fill("demo-user");
      await page.locator("#message").fill('{"text": "Only for you", "n": 2}');
      await page.locator("#send button").click();
      await page.locator("#target-kind").selectOption("channel");
      await page.locator("#target").fill("sports");
      await page.locator("#message").fill('"Goal! 1-0"');
      await page.locator("#send button").click();
      await page.waitForFunction("document.querySelectorAll('#messages li').length === 3", null, {
        timeout: WAIT,
      });
      await page.locator("#note").getByText("Sent to 1 connection(s).").waitFor({ timeout: WAIT });

      const rows = await page.locator("#messages li").allInnerTexts();
      assert.match(rows[0], /#sports\s+"Goal! 1-0"/);
      assert.match(rows[1], /to you\s+\{"text":"Only for you","n":2\}/);
      assert.match(rows[2], /#news\s+\{"text":"Hello, news readers!"\}/);
      await Deno.mkdir("out/browser", { recursive: true });
      await page.screenshot({ path: "out/browser/demo.png", fullPage: true });
      assert.deepEqual(errors, []);
    } finally {
      await demo.shutdown();
    }
  });
});
