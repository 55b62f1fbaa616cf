/**
 * The browser clients with user tokens in headless Chromium, against a server with
 * `--require-token`: thunderpush.js (a fixed token, a token function) and the ESM client.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { KEY, SECRET, startServer, type TestServer, until } from "./helpers/server.ts";
import {
  type AssetServer,
  type ClientScripts,
  clientScripts,
  launchBrowser,
  openPage,
  serveAssets,
} from "./helpers/browser.ts";
import { now, token } from "./helpers/tokens.ts";

const WAIT = 10_000;

interface Setup {
  server: TestServer;
  assets: AssetServer;
  scripts: ClientScripts;
  browser: Browser;
}

async function withBrowser(body: (setup: Setup) => Promise<void>): Promise<void> {
  const server = startServer({ apps: [{ publicKey: KEY, secret: SECRET }], requireToken: true });
  const assets = serveAssets();
  let browser: Browser | undefined;
  try {
    browser = await launchBrowser();
    await body({ server, assets, scripts: await clientScripts(server.base), browser });
  } finally {
    await browser?.close();
    await assets.close();
    await server.close();
  }
}

function thunderpushPage(scripts: ClientScripts): string {
  return `<!DOCTYPE html>
<meta charset="utf-8">
<title>thunderpush.js with tokens</title>
<script src="${scripts.sockjs}"></script>
<script src="${scripts.thunderpush}"></script>
<script>
  var seen = { messages: [], opens: 0, closes: [] };
  Thunder.onSockOpen(function () { seen.opens++; });
  Thunder.onSockClose(function (e) { seen.closes.push(e.code); });
  Thunder.listen(function (data, channel) { seen.messages.push({ data: data, channel: channel }); });
</script>`;
}

function esmPage(): string {
  return `<!DOCTYPE html>
<meta charset="utf-8">
<title>ESM client with tokens</title>
<script type="module">
  import { connect } from "/client/mod.ts";
  window.seen = { messages: [], closes: [], fetched: 0 };
  window.start = (url, user, tokens) => {
    const client = connect(url, {
      publicKey: "${KEY}",
      user,
      channels: ["private-a"],
      reconnect: { initialDelay: 50 },
      // What a page would do: ask its backend for a fresh token before each attempt.
      token: async () => (seen.fetched++, tokens.shift()),
    });
    client.on("message", (m) => seen.messages.push(m));
    client.on("close", (c) => seen.closes.push([c.code, c.reconnectIn === null]));
    window.client = client;
  };
  window.ready = true;
</script>`;
}

async function seen<T>(page: Page, expression: string): Promise<T> {
  return await page.evaluate(expression) as T;
}

function subscribers(server: TestServer, channel: string): string[] {
  return server.thunder.hub.app(KEY)?.channelUsers(channel) ?? [];
}

for (const transport of ["websocket", "xhr-streaming"]) {
  Deno.test(`thunderpush.js over ${transport}: a token joins its user and granted channels only`, async () => {
    await withBrowser(async ({ server, assets, scripts, browser }) => {
      const { page, errors } = await openPage(
        browser,
        assets.page("/tp.html", thunderpushPage(scripts)),
      );
      const jwt = await token({ channels: ["private-a"] });
      await page.evaluate(`Thunder.connect("127.0.0.1:${server.port}", "${KEY}",
        ["private-a", "private-b", "news"],
        { user: "alice", token: "${jwt}", transports: ["${transport}"] })`);
      await until(() => subscribers(server, "news").includes("alice"), WAIT);
      assert.deepEqual(subscribers(server, "private-a"), ["alice"]);
      assert.deepEqual(subscribers(server, "private-b"), []);
      await server.api("POST", "/channels/private-a/", '{"x": 1}');
      await page.waitForFunction("seen.messages.length === 1", null, { timeout: WAIT });
      assert.deepEqual(await seen(page, "seen.messages"), [{
        data: { x: 1 },
        channel: "private-a",
      }]);
      assert.deepEqual(errors, []);
    });
  });
}

Deno.test("thunderpush.js: a fixed expired token stops at 9004; a token function gets a fresh one", async () => {
  await withBrowser(async ({ server, assets, scripts, browser }) => {
    const expired = await token({ exp: now() - 60 });
    const fixed = await openPage(browser, assets.page("/fixed.html", thunderpushPage(scripts)));
    await fixed.page.evaluate(`Thunder.connect("127.0.0.1:${server.port}", "${KEY}", [],
      { user: "alice", token: "${expired}" })`);
    await fixed.page.waitForFunction("seen.closes.length === 1", null, { timeout: WAIT });
    const fresh = await token();
    const fn = await openPage(browser, assets.page("/fn.html", thunderpushPage(scripts)));
    await fn.page.evaluate(`var tokens = ["${expired}", "${fresh}"], fetched = 0;
      Thunder.connect("127.0.0.1:${server.port}", "${KEY}", ["news"], {
        user: "alice",
        token: function () { fetched++; return Promise.resolve(tokens.shift()); }
      })`);
    await until(() => subscribers(server, "news").includes("alice"), WAIT);
    await new Promise((r) => setTimeout(r, 1_500));
    assert.deepEqual(await seen(fixed.page, "[seen.opens, seen.closes, Thunder._reconnectTimer]"), [
      1,
      [9004],
      null,
    ]);
    assert.deepEqual(await seen(fn.page, "[fetched, seen.opens, seen.closes]"), [2, 2, [9004]]);
    assert.deepEqual([...fixed.errors, ...fn.errors], []);
  });
});

Deno.test("ESM client in Chromium: fetches a token per attempt, refetches after 9004, stops on 9005", async () => {
  await withBrowser(async ({ server, assets, browser }) => {
    const { page, errors } = await openPage(browser, assets.page("/esm.html", esmPage()));
    await page.waitForFunction("window.ready === true");
    const tokens = [await token({ exp: now() - 60 }), await token({ channels: ["private-a"] })];
    await page.evaluate(`start("${server.base}", "alice", ${JSON.stringify(tokens)})`);
    await until(() => subscribers(server, "private-a").includes("alice"), WAIT);
    await server.api("POST", "/channels/private-a/", '"granted"');
    await page.waitForFunction("seen.messages.length === 1", null, { timeout: WAIT });
    assert.deepEqual(await seen(page, "[seen.fetched, seen.closes, seen.messages]"), [
      2,
      [[9004, false]],
      [{ payload: "granted", channel: "private-a" }],
    ]);
    await page.evaluate("client.close()");
    const bad = [await token({ secret: "not the secret" })];
    await page.evaluate(
      `seen.closes = []; start("${server.base}", "alice", ${JSON.stringify(bad)})`,
    );
    await page.waitForFunction("client.state === 'closed'", null, { timeout: WAIT });
    assert.deepEqual(await seen(page, "[seen.fetched, seen.closes]"), [3, [[9005, true]]]);
    assert.deepEqual(errors, []);
  });
});
