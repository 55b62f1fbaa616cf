/**
 * One push scenario against one server: connect and subscribe the clients, measure idle memory,
 * then publish paced (each publish waits for the previous one to reach every subscriber: latency
 * without queueing) and in a burst (many publishes at once: throughput, coalescing), measuring the
 * server's CPU time and the time from each POST to its last delivery.
 *
 * @module
 */

import { Fleet } from "./loadgen/fleet.ts";
import { cpuMicros, rssKiB, sleep, statCpuMicros } from "./proc.ts";
import { KEY, SECRET, startTarget, type Target } from "./targets.ts";

/** What to run. */
export interface PushPlan {
  /** Clients to connect. */
  readonly clients: number;
  /** Channels (`ch0` ...); publish `s` goes to `ch(s % channels)`. */
  readonly channels: number;
  /** Channels per client. */
  readonly perClient: number;
  /** Publishes before measuring (JIT warm-up), paced. */
  readonly warmup: number;
  /** Paced publishes: each one waits until the previous reached every subscriber. */
  readonly paced: number;
  /** Burst publishes: sent at once, `burstConcurrency` requests in flight. */
  readonly burst: number;
  /** Requests in flight during the burst. */
  readonly burstConcurrency: number;
  /** Milliseconds between the last client connecting and the idle RSS reading. */
  readonly settleMs: number;
  /** Milliseconds one publish may take to reach everybody before it counts as incomplete. */
  readonly publishTimeoutMs: number;
}

/** The figures of one phase (paced or burst). */
export interface PhaseResult {
  /** Publishes sent. */
  readonly publishes: number;
  /** Deliveries the publishes should bring. */
  readonly expected: number;
  /** Deliveries received. */
  readonly received: number;
  /** `a[...]` frames that carried them (fewer than `received` when the server coalesced). */
  readonly frames: number;
  /** Server CPU time in the phase, microseconds (thread run times, ns resolution). */
  readonly serverCpuUs: number;
  /** The same from `/proc/<pid>/stat` utime+stime (10 ms ticks), as a cross-check. */
  readonly serverStatCpuUs: number;
  /** Load generator CPU time in the phase, microseconds (all workers). */
  readonly loadgenCpuUs: number;
  /** From the first POST to the last delivery, milliseconds. */
  readonly wallMs: number;
  /** Server CPU microseconds per delivered message. */
  readonly usPerMsg: number;
  /** Delivered messages per second of wall time. */
  readonly msgsPerSec: number;
  /** Publish-to-last-delivery latency, median, milliseconds. */
  readonly p50Ms: number;
  /** Publish-to-last-delivery latency, 99th percentile, milliseconds. */
  readonly p99Ms: number;
  /** Publishes that did not reach every subscriber within the timeout. */
  readonly incomplete: number;
  /** POST answers that were not 200 or whose count was not the number of subscribers. */
  readonly badAnswers: number;
}

/** The figures of one scenario against one server. */
export interface PushResult {
  /** Target id. */
  readonly target: string;
  /** Clients asked for. */
  readonly clients: number;
  /** Channels. */
  readonly channels: number;
  /** Channels per client. */
  readonly perClient: number;
  /** Sessions that opened. */
  readonly open: number;
  /** Sessions that could not open. */
  readonly failed: number;
  /** Milliseconds to open every session. */
  readonly connectMs: number;
  /** Server RSS before any client connected, KiB. */
  readonly rssBaseKiB: number;
  /** Server RSS with every client connected and subscribed, after the settle time, KiB. */
  readonly rssIdleKiB: number;
  /** (idle - base) / open, bytes. */
  readonly bytesPerClient: number;
  /** Paced phase. */
  readonly paced: PhaseResult | null;
  /** Burst phase. */
  readonly burst: PhaseResult | null;
  /** Sessions closed by the server during the run. */
  readonly closedDuringRun: number;
  /** Error and warning lines the server wrote. */
  readonly complaints: string[];
  /** Whether the server process died. */
  readonly crashed: boolean;
  /** Why the run stopped early, if it did. */
  readonly error: string | null;
}

/** The POST body of publish `seq`: the marker `#seq#` lets the clients tell publishes apart. */
export function publishBody(seq: number): string {
  return `{"id":"#${seq}#","text":"Hello from the Thunderpush benchmark"}`;
}

/** The current time as epoch milliseconds with sub-millisecond precision (as the workers). */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

/** The `q`-quantile (0..1) of `values` (nearest rank); NaN when empty. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

async function apiGet(base: string, path: string): Promise<unknown> {
  const res = await fetch(`${base}/api/1.0.0/${KEY}${path}`, {
    headers: { "X-Thunder-Secret-Key": SECRET },
  });
  return await res.json();
}

async function publish(base: string, seq: number, channels: number): Promise<number | null> {
  const res = await fetch(`${base}/api/1.0.0/${KEY}/channels/ch${seq % channels}/`, {
    method: "POST",
    headers: { "X-Thunder-Secret-Key": SECRET, "Content-Type": "application/json" },
    body: publishBody(seq),
  });
  const text = await res.text();
  if (res.status !== 200) return null;
  return (JSON.parse(text) as { count: number }).count;
}

async function waitForUsers(base: string, count: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { count: online } = await apiGet(base, "/users/") as { count: number };
    if (online >= count) return;
    if (Date.now() > deadline) {
      throw new Error(`only ${online} of ${count} clients registered after ${timeoutMs} ms`);
    }
    await sleep(50);
  }
}

function loadgenCpu(fleet: Fleet): number {
  return fleet.pids.reduce((n, pid) => {
    try {
      return n + cpuMicros(pid);
    } catch {
      return n;
    }
  }, 0);
}

interface PhaseContext {
  readonly base: string;
  readonly fleet: Fleet;
  readonly serverPid: number;
  readonly plan: PushPlan;
}

async function phase(
  ctx: PhaseContext,
  firstSeq: number,
  count: number,
  concurrency: number,
  before: { received: number; frames: number },
): Promise<PhaseResult & { after: { received: number; frames: number } }> {
  const { base, fleet, plan } = ctx;
  const sentAt = new Map<number, number>();
  const lastAt = new Map<number, number | null>();
  let badAnswers = 0;
  let expected = 0;
  const cpu0 = cpuMicros(ctx.serverPid);
  const stat0 = statCpuMicros(ctx.serverPid);
  const gen0 = loadgenCpu(fleet);
  const started = epochNow();
  const one = async (seq: number) => {
    const want = fleet.expectedFor(seq);
    expected += want;
    sentAt.set(seq, epochNow());
    const answered = await publish(base, seq, plan.channels).catch(() => null);
    if (answered !== want) badAnswers++;
  };
  if (concurrency <= 1) {
    for (let seq = firstSeq; seq < firstSeq + count; seq++) {
      await one(seq);
      lastAt.set(seq, await fleet.delivered(seq, plan.publishTimeoutMs));
    }
  } else {
    let next = firstSeq;
    const lane = async () => {
      while (next < firstSeq + count) await one(next++);
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
    for (let seq = firstSeq; seq < firstSeq + count; seq++) {
      lastAt.set(seq, await fleet.delivered(seq, plan.publishTimeoutMs));
    }
  }
  const done = [...lastAt.values()].filter((t): t is number => t !== null);
  const ended = done.length > 0 ? Math.max(...done) : epochNow();
  const cpu1 = cpuMicros(ctx.serverPid);
  const stat1 = statCpuMicros(ctx.serverPid);
  const gen1 = loadgenCpu(fleet);
  const stats = await fleet.stats();
  const received = stats.received - before.received;
  const frames = stats.frames - before.frames;
  const latencies: number[] = [];
  let incomplete = 0;
  for (const [seq, sent] of sentAt) {
    const last = lastAt.get(seq);
    if (last === null || last === undefined) incomplete++;
    else latencies.push(last - sent);
  }
  const wallMs = ended - started;
  const serverCpuUs = cpu1 - cpu0;
  return {
    publishes: count,
    expected,
    received,
    frames,
    serverCpuUs,
    serverStatCpuUs: stat1 - stat0,
    loadgenCpuUs: gen1 - gen0,
    wallMs,
    usPerMsg: received > 0 ? serverCpuUs / received : NaN,
    msgsPerSec: wallMs > 0 ? received / (wallMs / 1000) : NaN,
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
    incomplete,
    badAnswers,
    after: { received: stats.received, frames: stats.frames },
  };
}

/** Optional hooks around the measured phases (the profiler uses them). */
export interface PushHooks {
  /** Flags for the server's runtime, such as `--inspect=127.0.0.1:0`. */
  readonly runtimeArgs?: string[];
  /** Sees every line the server writes. */
  readonly onServerLine?: (line: string) => void;
  /** Runs once the clients are connected, before the paced phase. */
  readonly beforeMeasure?: (pid: number) => Promise<void>;
  /** Runs after the burst phase. */
  readonly afterMeasure?: (pid: number) => Promise<void>;
}

/** Runs one push scenario against a fresh server process and stops it. */
export async function runPush(
  target: Target,
  plan: PushPlan,
  log: (line: string) => void,
  hooks: PushHooks = {},
): Promise<PushResult> {
  let fleet: Fleet | null = null;
  const result = {
    target: target.id,
    clients: plan.clients,
    channels: plan.channels,
    perClient: plan.perClient,
    open: 0,
    failed: 0,
    connectMs: 0,
    rssBaseKiB: 0,
    rssIdleKiB: 0,
    bytesPerClient: NaN,
    paced: null as PhaseResult | null,
    burst: null as PhaseResult | null,
    closedDuringRun: 0,
    complaints: [] as string[],
    crashed: false,
    error: null as string | null,
  };
  let server;
  try {
    server = await startTarget(target, {
      runtimeArgs: hooks.runtimeArgs ?? [],
      onStderr: hooks.onServerLine,
    });
  } catch (error) {
    // A server that cannot start is a row with its error, not the end of the run.
    result.error = (error as Error).message;
    log(`  error: ${result.error}`);
    return result;
  }
  result.complaints = server.complaints;
  const base = `http://127.0.0.1:${server.port}`;
  try {
    // Warm the HTTP path, then take the baseline.
    for (let i = 0; i < 3; i++) {
      await apiGet(base, "/users/");
      await publish(base, 1_000_000, 1).catch(() => null);
    }
    await sleep(Math.min(plan.settleMs, 1_000));
    result.rssBaseKiB = rssKiB(server.pid);
    const maxSeq = plan.warmup + plan.paced + plan.burst;
    fleet = await Fleet.start({
      host: "127.0.0.1",
      port: server.port,
      clients: plan.clients,
      key: KEY,
      channels: plan.channels,
      perClient: plan.perClient,
      maxSeq,
    });
    result.open = fleet.open;
    result.failed = fleet.failed;
    result.connectMs = fleet.connectMs;
    log(`  ${fleet.open} open, ${fleet.failed} failed in ${fleet.connectMs} ms`);
    await waitForUsers(base, fleet.open, 30_000);
    await sleep(plan.settleMs);
    result.rssIdleKiB = rssKiB(server.pid);
    result.bytesPerClient = (result.rssIdleKiB - result.rssBaseKiB) * 1024 / fleet.open;
    const ctx: PhaseContext = { base, fleet, serverPid: server.pid, plan };
    const warm = await phase(ctx, 0, plan.warmup, 1, { received: 0, frames: 0 });
    if (warm.incomplete > 0) {
      log(`  warm-up: ${warm.incomplete} of ${plan.warmup} publishes did not reach everybody`);
    }
    await hooks.beforeMeasure?.(server.pid);
    await sleep(200);
    const { after: afterPaced, ...paced } = await phase(
      ctx,
      plan.warmup,
      plan.paced,
      1,
      warm.after,
    );
    result.paced = paced;
    await sleep(200);
    if (plan.burst > 0) {
      const { after: _, ...burst } = await phase(
        ctx,
        plan.warmup + plan.paced,
        plan.burst,
        plan.burstConcurrency,
        afterPaced,
      );
      result.burst = burst;
    }
    await hooks.afterMeasure?.(server.pid);
    result.closedDuringRun = (await fleet.stats()).closed;
  } catch (error) {
    result.error = (error as Error).message;
    log(`  error: ${result.error}`);
  } finally {
    result.crashed = server.crashed();
    await fleet?.close();
    await server.stop();
  }
  return result;
}
