/** `--require-token` in this process: the shared token suite, legacy behaviour without it. */

import assert from "node:assert/strict";
import { defineTokenSuite } from "./e2e/tokens_suite.ts";
import { token, tokensInProcess } from "./helpers/tokens.ts";
import { KEY, SECRET, startServer, until } from "./helpers/server.ts";
import { SockjsWs } from "./helpers/sockjs_ws.ts";
import { Thunderpush } from "../lib/server.ts";
import { serve } from "../lib/adapters/serve_deno.ts";

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

Deno.test("ThunderConnection: a session closed while its token is checked joins nothing", async () => {
  const thunder = new Thunderpush({
    apps: [{ publicKey: KEY, secret: SECRET }],
    requireToken: true,
  });
  const server = serve(thunder.fetch, { port: 0, hostname: "127.0.0.1" });
  try {
    const base = `http://127.0.0.1:${server.addr.port}`;
    const valid = await token();
    for (let i = 0; i < 20; i++) {
      const ws = await SockjsWs.session(base);
      ws.send(`CONNECT alice:${KEY}:${valid}`, "SUBSCRIBE news");
      await ws.close();
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    const app = thunder.hub.app(KEY)!;
    assert.deepEqual([app.userCount, app.channelCount], [0, 0]);
  } finally {
    await thunder.close();
    await server.close();
  }
});
