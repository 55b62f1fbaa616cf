/**
 * Running in production, on Deno (both servers) and on the npm build under Node: https and wss with a
 * self-signed certificate, health and readiness through a SIGTERM drain, metrics on their own
 * port, configuration from the environment only, several apps isolated, JSON logs.
 */

import assert from "node:assert/strict";
import { KEY, RUNTIMES, SECRET, startCli } from "./helpers/target.ts";
import { ensureNpmBuild } from "./helpers/node_target.ts";
import { SockjsWs } from "./helpers/sockjs_ws.ts";
import { parsePrometheus } from "./helpers/prometheus.ts";
import { selfSigned } from "./helpers/tls.ts";

const FIXTURE = new URL("./fixtures/sockjs_client.cjs", import.meta.url).pathname;

for (const runtime of RUNTIMES) {
  const prepare = runtime === "node" ? ensureNpmBuild : () => Promise.resolve();

  Deno.test(`production (${runtime}): https and wss with a self-signed certificate`, async () => {
    await prepare();
    const dir = await Deno.makeTempDir();
    const { ca, cert, key } = await selfSigned(dir);
    const server = await startCli(runtime, ["--cert", cert, "--key", key, KEY, SECRET]);
    const client = Deno.createHttpClient({ caCerts: [await Deno.readTextFile(ca)] });
    try {
      assert.match(server.stderr(), /Starting Thunderpush server at 127\.0\.0\.1:\d+/);
      const base = `https://127.0.0.1:${server.port}`;
      const users = await fetch(`${base}/api/1.0.0/${KEY}/users/`, {
        client,
        headers: { "X-Thunder-Secret-Key": SECRET },
      });
      assert.equal(await users.text(), '{"count": 0}\n');
      // The real sockjs-client in Node, trusting the certificate, over wss and https streaming.
      for (const transport of ["websocket", "xhr-streaming"]) {
        const lines = new Deno.Command("node", {
          args: [FIXTURE, base, transport, "tls", KEY, "secure", "1"],
          env: { NODE_EXTRA_CA_CERTS: ca },
          stdout: "piped",
          stderr: "inherit",
        }).spawn();
        const reader = lines.stdout.pipeThrough(new TextDecoderStream()).getReader();
        let text = "";
        while (!text.includes("\n")) text += (await reader.read()).value ?? "";
        assert.equal(text, `open ${transport}\n`);
        for (let i = 0; i < 100; i++) {
          const res = await fetch(`${base}/api/1.0.0/${KEY}/channels/secure/`, {
            client,
            method: "POST",
            body: '"over tls"',
            headers: { "X-Thunder-Secret-Key": SECRET },
          });
          if ((await res.text()) === '{"count": 1}\n') break;
          await new Promise((r) => setTimeout(r, 20));
        }
        while (!text.includes("close")) text += (await reader.read()).value ?? "";
        assert.match(text, /\{"data":\{"payload":"\\"over tls\\"","channel":"secure"\}\}/);
        await reader.cancel();
        assert.equal((await lines.status).code, 0);
      }
    } finally {
      client.close();
      assert.equal((await server.stop()).code, 0);
      await Deno.remove(dir, { recursive: true });
    }
  });

  Deno.test(`production (${runtime}): SIGTERM drains: /readyz 503, sessions told to reconnect, exit 0`, async () => {
    await prepare();
    const server = await startCli(runtime, ["--shutdown-grace", "4000", KEY, SECRET]);
    const ws = await SockjsWs.session(server.base);
    const polling = `${server.base}/connect/000/${crypto.randomUUID().slice(0, 8)}`;
    try {
      ws.send(`CONNECT w:${KEY}`);
      assert.equal(await (await fetch(`${polling}/xhr`, { method: "POST" })).text(), "o\n");
      assert.equal(
        await fetch(`${server.base}/readyz`).then((r) => r.text()),
        '{"status": "ready"}\n',
      );
      const started = Date.now();
      const stopped = server.stop("SIGTERM");
      assert.equal(await ws.next(), 'c[1001,"Server shutting down"]');
      // The polling session still has to take its close frame: the server keeps answering.
      const ready = await fetch(`${server.base}/readyz`);
      assert.deepEqual([ready.status, await ready.text()], [503, '{"status": "draining"}\n']);
      assert.equal((await fetch(`${server.base}/healthz`)).status, 200);
      assert.equal(
        await (await fetch(`${polling}/xhr`, { method: "POST" })).text(),
        'c[1001,"Server shutting down"]\n',
      );
      const status = await stopped;
      assert.equal(status.code, 0, server.stderr());
      assert.ok(Date.now() - started < 4000 + 2000, "the drain outlasted the grace period");
      await assert.rejects(Deno.stat(server.pidPath), Deno.errors.NotFound);
    } finally {
      await ws.close();
      await server.stop();
    }
  });

  Deno.test(`production (${runtime}): env-only start, two apps isolated, metrics port, JSON logs`, async () => {
    await prepare();
    const dir = await Deno.makeTempDir();
    const apps = `${dir}/apps.json`;
    await Deno.writeTextFile(apps, JSON.stringify([{ publicKey: "shop", secret: "shopsecret" }]));
    const metricsPort = (() => {
      const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const port = (l.addr as Deno.NetAddr).port;
      l.close();
      return port;
    })();
    const server = await startCli(runtime, [], {
      THUNDERPUSH_PUBLIC_KEY: KEY,
      THUNDERPUSH_SECRET: SECRET,
      THUNDERPUSH_APPS: apps,
      THUNDERPUSH_METRICS_PORT: String(metricsPort),
      THUNDERPUSH_LOG_FORMAT: "json",
      THUNDERPUSH_VERBOSE: "1",
    });
    const clients: SockjsWs[] = [];
    try {
      const api = (key: string, secret: string, method: string, path: string, body?: string) =>
        fetch(`${server.base}/api/1.0.0/${key}${path}`, {
          method,
          body,
          headers: { "X-Thunder-Secret-Key": secret },
        }).then(async (r) => ({ status: r.status, text: await r.text() }));
      // Each app's key only opens its own API.
      assert.equal((await api(KEY, "shopsecret", "GET", "/users/")).status, 401);
      assert.equal((await api("shop", SECRET, "GET", "/users/")).status, 401);
      for (const [key, user] of [[KEY, "u1"], ["shop", "u2"], ["shop", "u3"]]) {
        const c = await SockjsWs.session(server.base);
        c.send(`CONNECT ${user}:${key}`, "SUBSCRIBE news");
        clients.push(c);
      }
      for (let i = 0; i < 100; i++) {
        if ((await api("shop", "shopsecret", "GET", "/users/")).text === '{"count": 2}\n') break;
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal((await api("shop", "shopsecret", "GET", "/users/")).text, '{"count": 2}\n');
      assert.equal((await api(KEY, SECRET, "GET", "/users/")).text, '{"count": 1}\n');
      assert.equal(
        (await api("shop", "shopsecret", "POST", "/channels/news/", "1")).text,
        '{"count": 2}\n',
      );
      assert.equal(await clients[1].next(), 'a[{"payload":"1","channel":"news"}]');
      assert.equal(await clients[2].next(), 'a[{"payload":"1","channel":"news"}]');
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(clients[0].unread, [], "a push crossed applications");
      // Metrics on their own port, not on the main one.
      assert.equal((await fetch(`${server.base}/metrics`)).status, 404);
      await (await fetch(`${server.base}/metrics`)).body?.cancel();
      const metrics = await parsePrometheus(
        await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text(),
      );
      assert.equal(metrics.thunderpush_users, 3);
      assert.ok(metrics.process_resident_memory_bytes > 1e6);
      // One JSON object per line.
      const lines = server.stderr().trim().split("\n").map((line) => JSON.parse(line));
      assert.ok(lines.some((l) => l.event === "start" && l.apps === 2 && l.level === "info"));
      assert.ok(lines.some((l) => l.event === "request" && l.status === 401 && l.method === "GET"));
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      assert.equal((await server.stop()).code, 0);
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("production: a bad apps file or certificate is reported and exits 1", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/apps.json`, '[{"publicKey": "a"}]');
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("../main.ts", import.meta.url).pathname,
      "--apps",
      `${dir}/apps.json`,
      "--pid-path",
      `${dir}/p.pid`,
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 1);
  assert.match(
    new TextDecoder().decode(out.stderr),
    /Cannot read the configuration: entry 0: "secret" must be a non-empty string/,
  );
  await Deno.remove(dir, { recursive: true });
});
