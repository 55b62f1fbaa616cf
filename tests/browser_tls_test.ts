/**
 * The drop-in browser client over https and wss: headless Chromium (trusting nothing but told to
 * accept the test certificate) loads the scripts from a Thunderpush served with --cert/--key and
 * connects with `protocol: "https"`.
 */

import assert from "node:assert/strict";
import { launchBrowser, serveAssets } from "./helpers/browser.ts";
import { KEY, SECRET, startCli } from "./helpers/target.ts";
import { selfSigned } from "./helpers/tls.ts";

Deno.test("thunderpush.js connects with protocol https and receives a push over wss", async () => {
  const dir = await Deno.makeTempDir();
  const { ca, cert, key } = await selfSigned(dir);
  const server = await startCli("deno", ["--cert", cert, "--key", key, KEY, SECRET]);
  const thunder = `https://127.0.0.1:${server.port}`;
  const assets = serveAssets();
  const browser = await launchBrowser(["--ignore-certificate-errors"]);
  const client = Deno.createHttpClient({ caCerts: [await Deno.readTextFile(ca)] });
  try {
    const url = assets.page(
      "/tls.html",
      `<!DOCTYPE html><meta charset="utf-8"><title>tls</title>
<script src="${thunder}/connect/sockjs.min.js"></script>
<script src="${thunder}/thunderpush.js"></script>
<script>
  var seen = [];
  Thunder.connect("127.0.0.1:${server.port}", "${KEY}", ["secure"],
    { user: "tlsuser", protocol: "https", transports: ["websocket"] });
  Thunder.listen(function (message) { seen.push(message); });
</script>`,
    );
    const page = await browser.newPage();
    await page.goto(url);
    const api = (method: string, path: string, body?: string) =>
      fetch(`${thunder}/api/1.0.0/${KEY}${path}`, {
        client,
        method,
        body,
        headers: { "X-Thunder-Secret-Key": SECRET },
      }).then((r) => r.text());
    for (let i = 0; i < 200; i++) {
      if ((await api("GET", "/channels/secure/")) === '{"users": ["tlsuser"]}\n') break;
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.equal(await api("POST", "/channels/secure/", '{"over": "wss"}'), '{"count": 1}\n');
    await page.waitForFunction("seen.length === 1", null, { timeout: 10_000 });
    assert.deepEqual(await page.evaluate("seen"), [{ over: "wss" }]);
    assert.equal(await page.evaluate("Thunder.socket.transport"), "websocket");
    assert.match(await page.evaluate("Thunder.server") as string, /^https:\/\//);
  } finally {
    client.close();
    await browser.close();
    await assets.close();
    assert.equal((await server.stop()).code, 0, server.stderr());
    await Deno.remove(server.pidPath).catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
});
