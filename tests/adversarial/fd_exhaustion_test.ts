/**
 * File descriptor exhaustion and idle connections: the CLI under `ulimit -n 256`, flooded with
 * idle TCP connections past its limit, stays up, keeps pushing to the WebSocket sessions it has,
 * and serves again once the connections go; with the Node server (the npm build on Node, or
 * Deno with `--server node`) a connection that sends no request is closed after
 * `--header-timeout`. On Deno (both servers) and on the npm build under Node.
 */

import assert from "node:assert/strict";
import {
  apiClient,
  cliCommand,
  eventually,
  KEY,
  listenArgs,
  type Runtime,
  RUNTIMES,
  SECRET,
  type ServerProcess,
  spawnServer,
} from "../helpers/target.ts";
import { ensureNpmBuild } from "../helpers/node_target.ts";
import { SockjsWs } from "../helpers/sockjs_ws.ts";

const FD_LIMIT = 256;

/** The CLI on `runtime` with at most `FD_LIMIT` open files, and its base URL. */
async function startLimited(runtime: Runtime, flags: string[]) {
  if (runtime === "node") await ensureNpmBuild();
  const pidPath = await Deno.makeTempFile({ prefix: "thunderpush-fd-", suffix: ".pid" });
  const command = cliCommand(runtime);
  const server = await spawnServer("bash", [
    "-c",
    `ulimit -n ${FD_LIMIT}; exec "$@"`,
    "bash",
    ...command,
    ...listenArgs(pidPath, ...flags, KEY, SECRET),
  ]);
  let exited = false;
  server.child.status.then(() => exited = true);
  return {
    server,
    base: `http://127.0.0.1:${server.port}`,
    alive: () => !exited,
    async stop() {
      const status = await server.stop();
      await Deno.remove(pidPath).catch(() => {});
      return status;
    },
  };
}

/** Opens up to `count` TCP connections that never send anything; stops at the first refusal. */
async function flood(port: number, count: number): Promise<Deno.TcpConn[]> {
  const conns: Deno.TcpConn[] = [];
  for (let i = 0; i < count; i++) {
    try {
      conns.push(await Deno.connect({ hostname: "127.0.0.1", port }));
    } catch {
      break;
    }
  }
  return conns;
}

/**
 * Whether `url` answers 200 within a second; over a new connection when `fresh` (a pooled one
 * would hide a listener that stopped accepting), else over one kept alive if there is one.
 */
async function answers(url: string, fresh: boolean, init: RequestInit = {}): Promise<boolean> {
  using client = fresh ? Deno.createHttpClient({}) : undefined;
  try {
    const signal = AbortSignal.timeout(1_000);
    const res = await fetch(url, { ...init, signal, ...(client ? { client } : {}) });
    await res.body?.cancel();
    return res.status === 200;
  } catch {
    return false;
  }
}

/**
 * Publishes to `channel`, retrying while the server cannot take the connection; over a new
 * connection when `fresh`.
 */
async function publish(base: string, channel: string, payload: string, fresh: boolean) {
  await eventually(
    () =>
      answers(`${base}/api/1.0.0/${KEY}/channels/${channel}/`, fresh, {
        method: "POST",
        body: payload,
        headers: { "X-Thunder-Secret-Key": SECRET },
      }),
    8_000,
  );
}

/**
 * Reads from `conn` until the peer closes it; resolves with the milliseconds that took, or
 * Infinity when it is still open after 5 s.
 */
async function closedAfter(conn: Deno.TcpConn): Promise<number> {
  const start = Date.now();
  const timer = setTimeout(() => conn.close(), 5_000);
  const buffer = new Uint8Array(1024);
  try {
    while (await conn.read(buffer) !== null) { /* Node's 408 answer */ }
  } catch { /* reset, or closed by the timer */ }
  clearTimeout(timer);
  const took = Date.now() - start;
  return took >= 5_000 ? Infinity : took;
}

/** How many files a process has open. */
async function openFiles(pid: number): Promise<number> {
  let count = 0;
  for await (const _ of Deno.readDir(`/proc/${pid}/fd`)) count++;
  return count;
}

function closeAll(conns: Deno.TcpConn[]): void {
  for (const conn of conns) {
    try {
      conn.close();
    } catch { /* closed already */ }
  }
}

async function stopped(server: ServerProcess, stop: () => Promise<Deno.CommandStatus>) {
  const status = await stop();
  assert.equal(status.code, 0, server.stderr());
}

for (const runtime of RUNTIMES) {
  Deno.test(`fd exhaustion (${runtime}): past the descriptor limit the server stays up, keeps pushing, and recovers`, async () => {
    // The Node server closes the flood's connections after the header timeout; Deno.serve
    // closes them when its listener fails (see serve_deno.ts) and listens again.
    const target = await startLimited(runtime, ["--header-timeout", "1500"]);
    let conns: Deno.TcpConn[] = [];
    const alice = await SockjsWs.session(target.base);
    try {
      alice.send(`CONNECT alice:${KEY}`, "SUBSCRIBE news");
      const api = apiClient(target.base);
      await eventually(async () => (await api("GET", "/users/alice/")).text.includes("true"));

      conns = await flood(target.server.port, FD_LIMIT + 150);
      // The limit was reached: Deno.serve says so when its listener fails; the Node server says
      // nothing (it accepts and closes what it cannot keep), its descriptors show it.
      await eventually(async () =>
        /Too many open files/.test(target.server.stderr()) ||
        await openFiles(target.server.child.pid) >= FD_LIMIT
      );
      assert.ok(target.alive(), `the server exited:\n${target.server.stderr()}`);
      // An API client's kept-alive connection (Deno.serve has no idle timeout), or a new one once
      // the header timeout freed descriptors.
      await publish(target.base, "news", '"during"', false);
      assert.equal(await alice.next(5_000), 'a[{"payload":"\\"during\\"","channel":"news"}]');

      closeAll(conns);
      conns = [];
      await eventually(() => answers(`${target.base}/healthz`, true), 5_000);
      await publish(target.base, "news", '"after"', true);
      assert.equal(await alice.next(), 'a[{"payload":"\\"after\\"","channel":"news"}]');
      assert.ok(target.alive(), `the server exited:\n${target.server.stderr()}`);
      assert.deepEqual(alice.unread, []);
    } finally {
      closeAll(conns);
      await alice.close();
      await stopped(target.server, target.stop);
    }
  });
}

/** A connection that sends nothing, and one idle after a response, are closed on `runtime`. */
async function headerTimeout(runtime: Runtime): Promise<void> {
  const target = await startLimited(runtime, ["--header-timeout", "500"]);
  const silent = await Deno.connect({ hostname: "127.0.0.1", port: target.server.port });
  const idle = await Deno.connect({ hostname: "127.0.0.1", port: target.server.port });
  try {
    const request = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    await idle.write(new TextEncoder().encode(request));
    const [silentMs, idleMs] = await Promise.all([closedAfter(silent), closedAfter(idle)]);
    // Node checks the deadlines every quarter of the timeout.
    assert.ok(silentMs >= 400 && silentMs < 1_500, `silent connection closed after ${silentMs} ms`);
    // Node adds a second to the keep-alive timeout, for clients that reuse a connection late.
    assert.ok(idleMs >= 400 && idleMs < 2_500, `idle connection closed after ${idleMs} ms`);
    assert.ok(target.alive());
  } finally {
    closeAll([silent, idle]);
    await stopped(target.server, target.stop);
  }
}

for (const runtime of ["node", "deno --server node"] as const) {
  Deno.test(`header timeout (${runtime}): a connection that sends nothing, or stays idle after a response, is closed`, () =>
    headerTimeout(runtime));
}
