/**
 * Presence webhooks from the npm build's CLI on Node, on one node: an app of the `--apps` file
 * with its own `webhookUrl` and the command line's app with `--webhook-url`, each signed with its
 * own secret; a stop (SIGTERM) sends the removals of the users still connected.
 */

import assert from "node:assert/strict";
import { KEY, SECRET, startCli } from "./helpers/target.ts";
import { ensureNpmBuild } from "./helpers/node_target.ts";
import { SockjsWs } from "./helpers/sockjs_ws.ts";
import { startReceiver, verifySignature } from "./helpers/webhook_receiver.ts";
import { until } from "./helpers/server.ts";

Deno.test("npm build: webhooks per app (--webhook-url, apps file), sent on stop", async () => {
  await ensureNpmBuild();
  const main = startReceiver();
  const shop = startReceiver();
  const appsFile = await Deno.makeTempFile({ suffix: ".json" });
  await Deno.writeTextFile(
    appsFile,
    JSON.stringify([{ publicKey: "shop", secret: "shopsecret", webhookUrl: shop.url }]),
  );
  const node = await startCli("node", ["--webhook-url", main.url, "--apps", appsFile, KEY, SECRET]);
  const clients: SockjsWs[] = [];
  try {
    for (const key of [KEY, "shop"]) {
      const c = await SockjsWs.session(node.base);
      c.send(`CONNECT ann:${key}`, "SUBSCRIBE room");
      clients.push(c);
    }
    await until(() => main.events().length === 2 && shop.events().length === 2, 5_000);
    const status = await node.stop();
    assert.equal(status.code, 0, node.stderr());
    for (const [receiver, key, secret] of [[main, KEY, SECRET], [shop, "shop", "shopsecret"]]) {
      const r = receiver as typeof main;
      assert.deepEqual(r.events(), [
        "user_online:ann",
        "channel_occupied:room",
        "channel_vacated:room",
        "user_offline:ann",
      ]);
      for (const { headers, body } of r.requests) {
        assert.equal(headers.get("x-thunder-key"), key);
        assert.ok(verifySignature(body, headers.get("x-thunder-signature")!, secret as string));
      }
    }
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await node.stop();
    await Deno.remove(node.pidPath).catch(() => {});
    await Deno.remove(appsFile);
    await main.close();
    await shop.close();
  }
});
