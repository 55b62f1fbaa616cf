/** The Deno CLI as a subprocess: help, version, usage errors, PID file, signals, log lines. */

import assert from "node:assert/strict";
import { VERSION } from "../lib/version.ts";
import { apiClient, KEY, listenArgs, SECRET, spawnServer } from "./helpers/target.ts";
import { SockjsWs } from "./helpers/sockjs_ws.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;

async function runCli(args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

function start(pidPath: string, ...flags: string[]) {
  return spawnServer(Deno.execPath(), [
    "run",
    "-A",
    MAIN,
    ...listenArgs(pidPath, ...flags, KEY, SECRET),
  ]);
}

Deno.test("cli: -h prints the help with every flag and exits 0", async () => {
  const { code, stdout } = await runCli(["-h"]);
  assert.equal(code, 0);
  for (
    const flag of [
      "-p, --port",
      "-H, --host",
      "-v, --verbose",
      "-d, --debug",
      "--pid-path",
      "--max-message-size",
      "--heartbeat-delay",
      "--disconnect-delay",
      "-V, --version",
      "clientkey",
      "apikey",
    ]
  ) assert.ok(stdout.includes(flag), flag);
});

Deno.test("cli: -V prints the version and exits 0", async () => {
  const { code, stdout } = await runCli(["-V"]);
  assert.equal(code, 0);
  assert.equal(stdout, VERSION + "\n");
});

Deno.test("cli: usage errors print the usage and a clear message, and exit 2", async () => {
  const missing = await runCli([]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^usage: thunderpush/);
  assert.match(missing.stderr, /error: the following arguments are required: clientkey, apikey/);
  const badPort = await runCli(["-p", "abc", "k", "s"]);
  assert.equal(badPort.code, 2);
  assert.match(badPort.stderr, /argument -p\/--port: invalid value: 'abc'/);
  const unknown = await runCli(["--nope", "k", "s"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /Unknown option '--nope'/);
});

Deno.test("cli: the PID file holds the PID, a second instance leaves it alone, SIGTERM removes it", async () => {
  const dir = await Deno.makeTempDir();
  const pidPath = `${dir}/thunderpush.pid`;
  const first = await start(pidPath);
  try {
    assert.equal(await Deno.readTextFile(pidPath), String(first.child.pid));
    const second = await runCli(["-p", "0", "--pid-path", pidPath, KEY, SECRET]);
    assert.equal(second.code, 1);
    assert.equal(second.stderr, `Process already running (PID file: ${pidPath}).\n`);
    assert.equal(await Deno.readTextFile(pidPath), String(first.child.pid));
    const api = apiClient(`http://127.0.0.1:${first.port}`);
    assert.equal((await api("GET", "/users/")).text, '{"count": 0}\n');
  } finally {
    const status = await first.stop("SIGTERM");
    assert.equal(status.code, 0);
  }
  await assert.rejects(Deno.stat(pidPath), Deno.errors.NotFound);
  assert.match(first.stderr(), /INFO Starting Thunderpush server at 127\.0\.0\.1:\d+/);
  assert.match(first.stderr(), /INFO Shutting down \(SIGTERM\)/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("cli: a stale PID file (no process holds its lock) is taken over", async () => {
  const dir = await Deno.makeTempDir();
  const pidPath = `${dir}/thunderpush.pid`;
  await Deno.writeTextFile(pidPath, "999999");
  const server = await start(pidPath);
  assert.equal(await Deno.readTextFile(pidPath), String(server.child.pid));
  assert.equal((await server.stop("SIGINT")).code, 0);
  await assert.rejects(Deno.stat(pidPath), Deno.errors.NotFound);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("cli: SIGINT closes open sessions with 1001 and exits 0", async () => {
  const dir = await Deno.makeTempDir();
  const server = await start(`${dir}/t.pid`);
  const client = await SockjsWs.session(`http://127.0.0.1:${server.port}`);
  client.send(`CONNECT u:${KEY}`);
  const status = server.stop("SIGINT");
  assert.equal(await client.next(), 'c[1001,"Server shutting down"]');
  await client.closed;
  assert.equal((await status).code, 0);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("cli: -v logs one access line per API request, -d every frame", async () => {
  const dir = await Deno.makeTempDir();
  const verbose = await start(`${dir}/v.pid`, "-v");
  const base = `http://127.0.0.1:${verbose.port}`;
  await apiClient(base)("GET", "/users/");
  await apiClient(base)("POST", "/channels/c/", "{");
  assert.equal((await verbose.stop()).code, 0);
  assert.match(
    verbose.stderr(),
    /VERBOSE 200 GET \/api\/1\.0\.0\/pubkey\/users\/ \(127\.0\.0\.1\) [\d.]+ms/,
  );
  assert.match(verbose.stderr(), /VERBOSE 400 POST \/api\/1\.0\.0\/pubkey\/channels\/c\//);
  assert.doesNotMatch(verbose.stderr(), /DEBUG/);

  const debug = await start(`${dir}/d.pid`, "-d");
  const client = await SockjsWs.session(`http://127.0.0.1:${debug.port}`);
  client.send(`CONNECT dbg:${KEY}`, "SUBSCRIBE ch");
  await client.close();
  assert.equal((await debug.stop()).code, 0);
  assert.match(debug.stderr(), /DEBUG > \S+ o/);
  assert.match(debug.stderr(), /DEBUG < \S+ CONNECT dbg:pubkey/);
  assert.match(debug.stderr(), /DEBUG < \S+ SUBSCRIBE ch/);

  const quiet = await start(`${dir}/q.pid`);
  await apiClient(`http://127.0.0.1:${quiet.port}`)("GET", "/users/");
  assert.equal((await quiet.stop()).code, 0);
  assert.doesNotMatch(quiet.stderr(), /VERBOSE|DEBUG/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("cli: a port in use is reported and exits 1 without leaving the PID file", async () => {
  const dir = await Deno.makeTempDir();
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const result = await runCli([
    "-p",
    String(port),
    "-H",
    "127.0.0.1",
    "--pid-path",
    `${dir}/p.pid`,
    "k",
    "s",
  ]);
  listener.close();
  assert.equal(result.code, 1);
  assert.match(result.stderr, /Cannot listen on 127\.0\.0\.1:\d+/);
  await assert.rejects(Deno.stat(`${dir}/p.pid`), Deno.errors.NotFound);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("VERSION matches deno.json", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  assert.equal(VERSION, config.version);
});
