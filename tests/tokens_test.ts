/** `--require-token` in this process: the shared token suite, legacy behaviour without it. */

import assert from "node:assert/strict";
import { defineTokenSuite } from "./e2e/tokens_suite.ts";
import { token, tokensInProcess } from "./helpers/tokens.ts";
import { KEY, SECRET, startServer, until } from "./helpers/server.ts";
import { SockjsWs } from "./helpers/sockjs_ws.ts";
import { Hub } from "../lib/hub/hub.ts";
import { ThunderConnection } from "../lib/protocol/connection.ts";
import { TokenPolicy } from "../lib/auth/policy.ts";
import { Logger } from "../lib/log.ts";
import type { CloseReason } from "../lib/sockjs/close_codes.ts";

defineTokenSuite("in-process", tokensInProcess);

Deno.test("no --require-token: CONNECT u:k:TOKEN is ignored and private- channels are open, as before", async () => {
  const server = startServer();
  const ws = await SockjsWs.session(server.base);
  const legacy = await SockjsWs.session(server.base);
  try {
    ws.send(`CONNECT alice:${KEY}:${await token()}`, "SUBSCRIBE news");
    assert.equal(await ws.next(), 'c[9001,"Subscribing before connecting."]');
    legacy.send(`CONNECT bob:${KEY}`, "SUBSCRIBE private-a");
    await until(() => server.thunder.hub.app(KEY)!.isOnline("bob"));
    assert.equal((await server.api("POST", "/channels/private-a/", "1")).text, '{"count": 1}\n');
    assert.equal(await legacy.next(), 'a[{"payload":"1","channel":"private-a"}]');
    assert.equal(server.thunder.hub.app(KEY)!.isOnline("alice"), false);
    const metrics = await (await fetch(`${server.base}/metrics`)).text();
    assert.doesNotMatch(metrics, /thunderpush_connects_refused_total\{/);
  } finally {
    await ws.close();
    await legacy.close();
    await server.close();
  }
});

Deno.test("requireToken per app: that app needs tokens, the others keep the original protocol", async () => {
  const server = startServer({
    apps: [{ publicKey: KEY, secret: SECRET, requireToken: true }, {
      publicKey: "blog",
      secret: "b",
    }],
  });
  const [shop, blog, blogToken] = await Promise.all(
    [0, 1, 2].map(() => SockjsWs.session(server.base)),
  );
  try {
    shop.send(`CONNECT alice:${KEY}`);
    assert.equal(await shop.next(), 'c[9005,"Invalid token."]');
    blog.send("CONNECT bob:blog", "SUBSCRIBE private-b");
    blogToken.send(`CONNECT carol:blog:${await token({ sub: "carol", secret: "b" })}`);
    blogToken.send("SUBSCRIBE x");
    assert.equal(await blogToken.next(), 'c[9001,"Subscribing before connecting."]');
    const blogApp = server.thunder.hub.app("blog")!;
    await until(() => blogApp.isOnline("bob") && blogApp.channelCount === 1);
    assert.equal(blogApp.isOnline("carol"), false);
  } finally {
    await Promise.all([shop, blog, blogToken].map((ws) => ws.close()));
    await server.close();
  }
});

/** A connection of a token-requiring hub over a link that records what it is told. */
function tokenConnection() {
  const hub = new Hub([{ publicKey: KEY, secret: SECRET }]);
  const link = { open: true, frames: [] as string[], closedWith: null as CloseReason | null };
  const conn = new ThunderConnection<typeof link>({
    hub,
    link: {
      deliver: (target, message) => void target.frames.push(message.frame),
      close: (target, reason) => {
        target.open = false;
        target.closedWith = reason;
      },
      isOpen: (target) => target.open,
    },
    log: Logger.silent(),
    limits: { maxChannelsPerConnection: 50, maxCommandsPerSecond: 100, maxIdLength: 256 },
    tokens: new TokenPolicy([{ publicKey: KEY, secret: SECRET }], true),
  }, link);
  return { app: hub.app(KEY)!, conn, link };
}

Deno.test("ThunderConnection: commands wait for the token's verdict, in order", async () => {
  const { app, conn } = tokenConnection();
  conn.handle(`CONNECT alice:${KEY}:${await token()}`);
  conn.handle("SUBSCRIBE a:b");
  conn.handle("UNSUBSCRIBE a");
  assert.equal(app.isOnline("alice"), false);
  await until(() => app.isOnline("alice"));
  assert.deepEqual([...app.subscriptionsOf(conn)], ["b"]);
});

Deno.test("ThunderConnection: a session closed while its token is checked joins nothing", async () => {
  const { app, conn, link } = tokenConnection();
  conn.handle(`CONNECT alice:${KEY}:${await token()}`);
  conn.handle("SUBSCRIBE news");
  conn.closed();
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual([app.userCount, app.channelCount, link.closedWith], [0, 0, null]);
});

Deno.test("raw /connect/websocket: a refused token closes with 4005, a valid one joins", async () => {
  const server = startServer({ apps: [{ publicKey: KEY, secret: SECRET }], requireToken: true });
  const open = async () => {
    const ws = new WebSocket(`${server.base.replace("http", "ws")}/connect/websocket`);
    await new Promise((resolve) => ws.onopen = resolve);
    return ws;
  };
  const bad = await open();
  const good = await open();
  try {
    const closed = new Promise<CloseEvent>((resolve) => bad.onclose = resolve);
    bad.send(`CONNECT alice:${KEY}:${await token({ secret: "wrong" })}`);
    const event = await closed;
    assert.deepEqual([event.code, event.reason], [4005, "Invalid token."]);
    good.send(`CONNECT alice:${KEY}:${await token()}`);
    await until(() => server.thunder.hub.app(KEY)!.isOnline("alice"));
  } finally {
    const done = new Promise((resolve) => good.onclose = resolve);
    good.close();
    await done;
    await server.close();
  }
});
