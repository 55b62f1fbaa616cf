/**
 * Soak with churn against the CLI as a subprocess: clients connect, subscribe, receive,
 * disconnect, and some are killed mid-frame, while a publisher pushes numbered messages. At the
 * end: no sessions, users or channels left, every client that stayed connected got every message
 * exactly once, in order, and nothing leaked: the same open file descriptors as at the warm
 * baseline, and the live JS heap (after full collections forced through the V8 inspector) back
 * near it. RSS is reported and only bounded loosely (1.5x): how much memory the allocator keeps
 * after a burst of connections is the allocator's choice and varies from run to run, so it is
 * a poor leak detector on a shared machine; a native leak per connection would still cross it.
 *
 * `SOAK_SECONDS` sets the churn time (default 30 here; `deno task soak` runs 600), after a
 * warm-up of the same churn in 10 s steps until the idle RSS grows by less than 3% (at most 30 s).
 * The figures are printed and written to `out/soak.json`.
 */

import assert from "node:assert/strict";
import { eventually, KEY, SECRET, spawnServer } from "./helpers/target.ts";
import { SockjsWs } from "./helpers/sockjs_ws.ts";
import { parsePrometheus } from "./helpers/prometheus.ts";
import { freePort, Inspector } from "./helpers/inspector.ts";

const SECONDS = Number(Deno.env.get("SOAK_SECONDS") ?? "30");
const STABLE = 50;
const BATCH = 100;

function rssOf(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

function openFiles(pid: number): number {
  return [...Deno.readDirSync(`/proc/${pid}/fd`)].length;
}

const MiB = (bytes: number) => +(bytes / 2 ** 20).toFixed(1);

/** A client killed in the middle of a frame: a WebSocket handshake, half a frame, then gone. */
async function killMidFrame(port: number): Promise<void> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(new TextEncoder().encode(
      `GET /connect/000/${crypto.randomUUID().slice(0, 8)}/websocket HTTP/1.1\r\n` +
        "Host: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    ));
    const buf = new Uint8Array(1024);
    await conn.read(buf);
    // A masked text frame announcing 100 bytes, with only 10 of them.
    await conn.write(new Uint8Array([0x81, 0x80 | 100, 1, 2, 3, 4, ...new Array(10).fill(0x41)]));
  } finally {
    conn.close();
  }
}

Deno.test(`soak: ${SECONDS} s of churn leaves nothing behind and loses nothing`, async () => {
  const dir = await Deno.makeTempDir();
  const inspectPort = freePort();
  const server = await spawnServer(Deno.execPath(), [
    "run",
    "-A",
    `--inspect=127.0.0.1:${inspectPort}`,
    new URL("../main.ts", import.meta.url).pathname,
    "-p",
    "0",
    "-H",
    "127.0.0.1",
    "--pid-path",
    `${dir}/soak.pid`,
    KEY,
    SECRET,
  ]);
  const base = `http://127.0.0.1:${server.port}`;
  const api = (method: string, path: string, body?: string) =>
    fetch(`${base}/api/1.0.0/${KEY}${path}`, {
      method,
      body,
      headers: { "X-Thunder-Secret-Key": SECRET },
    }).then((r) => r.text());
  const metrics = async () => parsePrometheus(await (await fetch(`${base}/metrics`)).text());
  const inspector = await Inspector.connect(inspectPort);
  const stable: SockjsWs[] = [];
  const stats = { connected: 0, killed: 0, published: 0, churnDeliveries: 0 };
  try {
    let peak = 0;
    let round = 0;
    /** Churns clients until `until`: batches that connect, receive, and leave or get killed. */
    const churn = async (until: number) => {
      while (Date.now() < until) {
        round++;
        const batch = await Promise.all(
          // A generous wait for the open frame: 100 handshakes at once on a loaded machine.
          Array.from({ length: BATCH }, () => SockjsWs.session(base, 15_000)),
        );
        batch.forEach((c, i) => c.send(`CONNECT churn${round}-${i % 10}:${KEY}`, "SUBSCRIBE soak"));
        stats.connected += batch.length;
        await Promise.all(Array.from({ length: 10 }, () => killMidFrame(server.port)));
        stats.killed += 10;
        await new Promise((r) => setTimeout(r, 200));
        peak = Math.max(peak, rssOf(server.child.pid));
        await Promise.all(batch.map((c) => c.close()));
        for (const c of batch) {
          // A client that came and went: never a duplicate, always in order.
          const seqs = c.frames.filter((f) => f.startsWith("a[")).flatMap((f) =>
            JSON.parse(f.slice(1)).map((m: { payload: string }) => Number(m.payload))
          );
          stats.churnDeliveries += seqs.length;
          for (let k = 1; k < seqs.length; k++) assert.ok(seqs[k] > seqs[k - 1], "out of order");
        }
      }
    };
    const settle = async () => {
      await eventually(async () => {
        const m = await metrics();
        return m.thunderpush_users === 0 && m.thunderpush_channels === 0 &&
          !Object.keys(m).some((k) => k.startsWith("thunderpush_sessions{") && m[k] > 0);
      }, 15_000);
      await new Promise((r) => setTimeout(r, 2000));
    };
    // Warm up with the same churn (JIT, caches, the allocator's pools) until idle RSS stops
    // growing: that is the warm baseline.
    let baseline = 0;
    for (let chunk = 0; chunk < 3; chunk++) {
      await churn(Date.now() + 10_000);
      await settle();
      const idle = rssOf(server.child.pid);
      const grew = idle > baseline * 1.03;
      baseline = Math.max(baseline, idle);
      if (chunk > 0 && !grew) break;
    }
    const baselineHeap = await inspector.liveHeap();
    const baselineFiles = openFiles(server.child.pid);

    for (let i = 0; i < STABLE; i++) {
      const c = await SockjsWs.session(base, 15_000);
      c.send(`CONNECT stable${i}:${KEY}`, "SUBSCRIBE soak");
      stable.push(c);
    }
    await eventually(async () =>
      JSON.parse(await api("GET", "/channels/soak/")).users.length === STABLE
    );

    const deadline = Date.now() + SECONDS * 1000;
    const publisher = (async () => {
      while (Date.now() < deadline) {
        await api("POST", "/channels/soak/", String(++stats.published));
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await churn(deadline);
    await publisher;
    const last = stats.published;
    // The stable clients got 1..last, each once, in order.
    for (const c of stable) {
      await eventually(() =>
        Promise.resolve(c.frames.some((f) => f.includes(`"payload":"${last}"`)))
      );
      const seqs = c.frames.filter((f) => f.startsWith("a[")).flatMap((f) =>
        JSON.parse(f.slice(1)).map((m: { payload: string }) => Number(m.payload))
      );
      assert.deepEqual(seqs, Array.from({ length: last }, (_, k) => k + 1));
    }
    await Promise.all(stable.map((c) => c.close()));
    await settle(); // nothing left behind
    const final = rssOf(server.child.pid);
    const finalHeap = await inspector.liveHeap();
    const finalFiles = openFiles(server.child.pid);
    const result = {
      seconds: SECONDS,
      clientsConnected: stats.connected + STABLE,
      killedMidFrame: stats.killed,
      published: stats.published,
      deliveredToStable: stats.published * STABLE,
      churnDeliveries: stats.churnDeliveries,
      baselineRssMiB: MiB(baseline),
      peakRssMiB: MiB(peak),
      finalRssMiB: MiB(final),
      baselineLiveHeapMiB: MiB(baselineHeap),
      finalLiveHeapMiB: MiB(finalHeap),
      baselineOpenFiles: baselineFiles,
      finalOpenFiles: finalFiles,
      sessionsLeft: 0,
      lost: 0,
    };
    // deno-lint-ignore no-console
    console.log(JSON.stringify(result));
    await Deno.mkdir("out", { recursive: true });
    await Deno.writeTextFile("out/soak.json", JSON.stringify(result, null, 2) + "\n");
    assert.ok(
      finalFiles <= baselineFiles,
      `open files: ${finalFiles} now, ${baselineFiles} before`,
    );
    // A leak of 100 bytes per connection would be 2 MB over a 30 s run (about 20,000 clients).
    assert.ok(
      finalHeap <= baselineHeap + Math.max(2 * 2 ** 20, baselineHeap * 0.1),
      `live heap ${finalHeap} after the run, ${baselineHeap} before`,
    );
    assert.ok(final <= baseline * 1.5, `RSS ${final} is more than 1.5x ${baseline}`);
  } finally {
    await inspector.close();
    await Promise.all(stable.map((c) => c.close()));
    const status = await server.stop();
    assert.equal(status.code, 0, server.stderr());
    await Deno.remove(dir, { recursive: true });
  }
});
