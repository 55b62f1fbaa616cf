/**
 * One push scenario against a group of servers side by side: each server gets its own clients,
 * connected and subscribed, and its idle memory is read; then every server is warmed up and
 * publishes go paced (each publish waits for the previous one to reach every subscriber: latency
 * without queueing) in rounds, every server taking each round in turn, the order reversed every
 * other round; last comes a burst on each (many publishes at once: throughput, coalescing). The
 * server's CPU time and the time from each POST to its last delivery are measured in each phase.
 *
 * Taking the paced rounds in turn puts whatever else the shared machine does on every server of
 * the group alike, within seconds: the ratio of two servers' figures in one round is measured
 * side by side, and the median of those ratios leaves a disturbed round out
 * (`pacedRoundRatios` in report.ts).
 *
 * A cluster target (three nodes on one Redis) runs the same scenario: the clients are spread
 * evenly over the nodes, the publishes go to the nodes' APIs round-robin, and each phase also
 * reports every node's CPU time and deliveries, and the Redis process's CPU time.
 *
 * @module
 */

import { cpuOf, type RunningServers, startServers } from "./cluster.ts";
import {
  type DeliveryLatency,
  EMPTY,
  type Histogram,
  mergeHistograms,
  summarize,
} from "./latency.ts";
import { Fleet } from "./loadgen/fleet.ts";
import { cpuMicros, rssKiB, sleep, statCpuMicros } from "./proc.ts";
import { KEY, SECRET, type Target } from "./targets.ts";

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
  /**
   * The paced publishes are taken in this many rounds of `ceil(paced / pacedRounds)` each (so
   * `pacedPublishes(plan)` in all); in a group every server takes round k before any takes k + 1.
   */
  readonly pacedRounds: number;
  /** Burst publishes: sent at once, `burstConcurrency` requests in flight. */
  readonly burst: number;
  /** Requests in flight during the burst. */
  readonly burstConcurrency: number;
  /** Milliseconds between the last client connecting and the idle RSS reading. */
  readonly settleMs: number;
  /** Milliseconds one publish may take to reach everybody before it counts as incomplete. */
  readonly publishTimeoutMs: number;
}

/** One node of a cluster in one phase. */
export interface NodePhase {
  /** Clients connected to this node. */
  readonly clients: number;
  /** Deliveries to this node's clients. */
  readonly received: number;
  /** This node's CPU time in the phase, microseconds. */
  readonly cpuUs: number;
  /** `cpuUs / received`: the node's CPU per message it delivered to its own clients. */
  readonly usPerMsg: number;
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
  /**
   * Publish-to-delivery latency of every delivered message (not only each publish's last):
   * p50, p99 and max. Absent in results written before it was measured.
   */
  readonly delivery?: DeliveryLatency;
  /** Publishes that did not reach every subscriber within the timeout. */
  readonly incomplete: number;
  /** POST answers that were not 200 or whose count was not the number of subscribers. */
  readonly badAnswers: number;
  /** A cluster's nodes, in order (`serverCpuUs` is their sum); absent for a single process. */
  readonly nodes?: NodePhase[];
  /** A cluster's Redis CPU time in the phase, microseconds. */
  readonly redisCpuUs?: number;
  /** `redisCpuUs / publishes`: Redis CPU per published message. */
  readonly redisUsPerPublish?: number;
}

/** The figures of one scenario against one server. */
export interface PushResult {
  /** Target id. */
  readonly target: string;
  /** Server processes (3 for a cluster of three nodes; 1 otherwise). */
  readonly nodes?: number;
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
  /** Server RSS before any client connected, KiB (a cluster: its nodes' added up). */
  readonly rssBaseKiB: number;
  /** Server RSS with every client connected and subscribed, after the settle time, KiB. */
  readonly rssIdleKiB: number;
  /** (idle - base) / open, bytes. */
  readonly bytesPerClient: number;
  /** Paced phase: its rounds added up (latency percentiles over every publish of them). */
  readonly paced: PhaseResult | null;
  /** Each paced round, in order; absent when the plan has one round. */
  readonly pacedRounds?: PhaseResult[];
  /**
   * Which side-by-side group of the run this row was measured in (rows of one group took their
   * paced rounds in turn); absent in results written before groups.
   */
  readonly group?: number;
  /** Burst phase. */
  readonly burst: PhaseResult | null;
  /**
   * A cluster's Redis CPU while idle (every client subscribed, nothing published: the nodes'
   * presence heartbeats), microseconds per second, over the settle time.
   */
  readonly redisIdleUsPerSec?: number;
  /** Sessions closed by the server during the run. */
  readonly closedDuringRun: number;
  /** Error and warning lines the server wrote. */
  readonly complaints: string[];
  /** Whether the server process died. */
  readonly crashed: boolean;
  /** Why the run stopped early, if it did. */
  readonly error: string | null;
}

/**
 * The POST body of publish `seq`, sent at `sentMs` (epoch ms, as `epochNow`): the marker
 * `#seq@sent#` (sent in whole µs) lets the clients tell publishes apart and time each delivery.
 *
 * @example
 * ```ts
 * import { publishBody } from "./push.ts";
 * publishBody(7, 1_700_000_000_000.5); // '{"id":"#7@1700000000000500#","text":"Hello from the Thunderpush benchmark"}'
 * ```
 */
export function publishBody(seq: number, sentMs: number): string {
  const sent = Math.round(sentMs * 1000);
  return `{"id":"#${seq}@${sent}#","text":"Hello from the Thunderpush benchmark"}`;
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

/** No single API call may take longer than this. */
const REQUEST_TIMEOUT_MS = 30_000;

async function apiGet(base: string, path: string): Promise<unknown> {
  const res = await fetch(`${base}/api/1.0.0/${KEY}${path}`, {
    headers: { "X-Thunder-Secret-Key": SECRET },
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  return await res.json();
}

async function publish(
  base: string,
  seq: number,
  channels: number,
  sentMs = epochNow(),
): Promise<number | null> {
  const res = await fetch(`${base}/api/1.0.0/${KEY}/channels/ch${seq % channels}/`, {
    method: "POST",
    headers: { "X-Thunder-Secret-Key": SECRET, "Content-Type": "application/json" },
    body: publishBody(seq, sentMs),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
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
  /** The API base of each server (node); publish `seq` goes to `bases[seq % bases.length]`. */
  readonly bases: readonly string[];
  readonly fleet: Fleet;
  readonly servers: RunningServers;
  readonly plan: PushPlan;
}

/** Fleet counters at the end of a phase, the start of the next. */
export interface Counters {
  /** Deliveries received so far. */
  readonly received: number;
  /** `a[...]` frames received so far. */
  readonly frames: number;
  /** Deliveries received so far by the clients of each node. */
  readonly receivedByNode: readonly number[];
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

/** A phase's figures, the fleet's counters after it, and every publish's latency. */
export interface Measured {
  /** The phase's figures. */
  readonly result: PhaseResult;
  /** The fleet's counters at the end of the phase. */
  readonly after: Counters;
  /** Publish-to-last-delivery latency of each publish that completed, milliseconds. */
  readonly latencies: readonly number[];
  /** Publish-to-delivery latency of every delivery. */
  readonly histogram: Histogram;
}

async function phase(
  ctx: PhaseContext,
  firstSeq: number,
  count: number,
  concurrency: number,
  before: Counters,
): Promise<Measured> {
  const { bases, fleet, plan, servers } = ctx;
  const sentAt = new Map<number, number>();
  const lastAt = new Map<number, number | null>();
  let badAnswers = 0;
  let expected = 0;
  const redisPids = servers.redis ? [servers.redis.pid] : [];
  const cpu0 = cpuOf(servers.pids);
  const stat0 = sum(servers.pids.map(statCpuMicros));
  const redis0 = sum(cpuOf(redisPids));
  const gen0 = loadgenCpu(fleet);
  const started = epochNow();
  const one = async (seq: number) => {
    const want = fleet.expectedFor(seq);
    expected += want;
    const sent = epochNow();
    sentAt.set(seq, sent);
    const base = bases[seq % bases.length];
    const answered = await publish(base, seq, plan.channels, sent).catch(() => null);
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
  const cpu1 = cpuOf(servers.pids);
  const stat1 = sum(servers.pids.map(statCpuMicros));
  const redis1 = sum(cpuOf(redisPids));
  const gen1 = loadgenCpu(fleet);
  const stats = await fleet.stats();
  const histogram = count > 0 ? await fleet.latency(firstSeq, firstSeq + count) : EMPTY;
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
  const serverCpuUs = sum(cpu1) - sum(cpu0);
  const cluster = servers.redis !== null;
  const clientsByNode = fleet.clientsByNode;
  const nodes = cluster
    ? servers.pids.map((_, i) => {
      const got = stats.receivedByNode[i] - (before.receivedByNode[i] ?? 0);
      const cpuUs = cpu1[i] - cpu0[i];
      return {
        clients: clientsByNode[i],
        received: got,
        cpuUs,
        usPerMsg: got > 0 ? cpuUs / got : NaN,
      };
    })
    : undefined;
  const result: PhaseResult = {
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
    delivery: summarize(histogram),
    incomplete,
    badAnswers,
    ...(cluster
      ? {
        nodes,
        redisCpuUs: redis1 - redis0,
        redisUsPerPublish: count > 0 ? (redis1 - redis0) / count : NaN,
      }
      : {}),
  };
  const after = {
    received: stats.received,
    frames: stats.frames,
    receivedByNode: stats.receivedByNode,
  };
  return { result, after, latencies, histogram };
}

/** Paced publishes of a plan in all: its rounds times the publishes of one round. */
export function pacedPublishes(plan: Pick<PushPlan, "paced" | "pacedRounds">): number {
  const rounds = Math.max(1, plan.pacedRounds);
  return rounds * Math.ceil(plan.paced / rounds);
}

/**
 * Phases measured one after the other on the same server, as one: counts, CPU and wall time added
 * up, µs/msg and msgs/s from the sums, latency percentiles over every publish.
 */
export function mergePhases(parts: readonly Measured[]): PhaseResult {
  if (parts.length === 1) return parts[0].result;
  const total = (
    key:
      | "publishes"
      | "expected"
      | "received"
      | "frames"
      | "incomplete"
      | "badAnswers"
      | "serverCpuUs"
      | "serverStatCpuUs"
      | "loadgenCpuUs"
      | "wallMs",
  ) => sum(parts.map((p) => p.result[key]));
  const latencies = parts.flatMap((p) => p.latencies);
  const received = total("received");
  const serverCpuUs = total("serverCpuUs");
  const wallMs = total("wallMs");
  const publishes = total("publishes");
  const first = parts[0].result;
  const nodes = first.nodes?.map((node, i) => {
    const got = sum(parts.map((p) => p.result.nodes?.[i]?.received ?? 0));
    const cpuUs = sum(parts.map((p) => p.result.nodes?.[i]?.cpuUs ?? 0));
    return { clients: node.clients, received: got, cpuUs, usPerMsg: got > 0 ? cpuUs / got : NaN };
  });
  const redisCpuUs = first.redisCpuUs === undefined
    ? undefined
    : sum(parts.map((p) => p.result.redisCpuUs ?? 0));
  return {
    publishes,
    expected: total("expected"),
    received,
    frames: total("frames"),
    serverCpuUs,
    serverStatCpuUs: total("serverStatCpuUs"),
    loadgenCpuUs: total("loadgenCpuUs"),
    wallMs,
    usPerMsg: received > 0 ? serverCpuUs / received : NaN,
    msgsPerSec: wallMs > 0 ? received / (wallMs / 1000) : NaN,
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
    delivery: summarize(mergeHistograms(parts.map((p) => p.histogram))),
    incomplete: total("incomplete"),
    badAnswers: total("badAnswers"),
    ...(nodes ? { nodes } : {}),
    ...(redisCpuUs === undefined ? {} : {
      redisCpuUs,
      redisUsPerPublish: publishes > 0 ? redisCpuUs / publishes : NaN,
    }),
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

/** The row being filled in for one server of a group. */
type Row = { -readonly [K in keyof PushResult]: PushResult[K] };

/**
 * One server (or cluster) of a group with its clients: started and connected by `open`, then
 * driven phase by phase; a step after an error does nothing, and `close` always stops it all.
 */
class PushRun {
  readonly row: Row;
  #server: RunningServers | null = null;
  #fleet: Fleet | null = null;
  #ctx: PhaseContext | null = null;
  #counters: Counters = { received: 0, frames: 0, receivedByNode: [] };
  #nextSeq = 0;
  #paced: Measured[] = [];

  private constructor(
    readonly target: Target,
    readonly plan: PushPlan,
    readonly log: (line: string) => void,
    readonly hooks: PushHooks,
    group: number,
  ) {
    this.row = {
      target: target.id,
      nodes: target.nodes ?? 1,
      clients: plan.clients,
      channels: plan.channels,
      perClient: plan.perClient,
      open: 0,
      failed: 0,
      connectMs: 0,
      rssBaseKiB: 0,
      rssIdleKiB: 0,
      bytesPerClient: NaN,
      paced: null,
      burst: null,
      redisIdleUsPerSec: undefined,
      group,
      closedDuringRun: 0,
      complaints: [],
      crashed: false,
      error: null,
    };
  }

  /**
   * Starts the server, warms its HTTP path, reads its baseline RSS, connects and subscribes the
   * clients, waits until the server counts them all and the settle time has passed, and reads
   * the idle RSS. A server that cannot start gives a row with its error, not the end of the run.
   */
  static async open(
    target: Target,
    plan: PushPlan,
    log: (line: string) => void,
    hooks: PushHooks,
    group: number,
  ): Promise<PushRun> {
    const run = new PushRun(target, plan, log, hooks, group);
    await run.#step(async () => {
      run.#server = await startServers(target, {
        runtimeArgs: hooks.runtimeArgs ?? [],
        onStderr: hooks.onServerLine,
      });
      await run.#connect(run.#server);
    });
    return run;
  }

  async #connect(server: RunningServers): Promise<void> {
    const { plan, row, log } = this;
    const bases = server.ports.map((port) => `http://127.0.0.1:${port}`);
    const rss = () => sum(server.pids.map(rssKiB));
    // Warm the HTTP path, then take the baseline.
    for (let i = 0; i < 3; i++) {
      for (const b of bases) {
        await apiGet(b, "/users/");
        await publish(b, 1_000_000, 1).catch(() => null);
      }
    }
    await sleep(Math.min(plan.settleMs, 1_000));
    row.rssBaseKiB = rss();
    const fleet = this.#fleet = await Fleet.start({
      host: "127.0.0.1",
      port: server.ports[0],
      ...(server.ports.length > 1 ? { ports: server.ports } : {}),
      clients: plan.clients,
      key: KEY,
      channels: plan.channels,
      perClient: plan.perClient,
      maxSeq: plan.warmup + pacedPublishes(plan) + plan.burst,
      // A loaded machine took 70 s to connect 45,000 clients.
      connectTimeoutMs: Math.max(120_000, plan.clients * 4),
    });
    row.open = fleet.open;
    row.failed = fleet.failed;
    row.connectMs = fleet.connectMs;
    log(`  ${this.target.id}: ${fleet.open} open, ${fleet.failed} failed in ${fleet.connectMs} ms`);
    // In a cluster every node must see every user (presence goes through Redis).
    for (const b of bases) await waitForUsers(b, fleet.open, 30_000 + plan.clients);
    const redisPids = server.redis ? [server.redis.pid] : [];
    const idle0 = { cpu: sum(cpuOf(redisPids)), at: performance.now() };
    await sleep(plan.settleMs);
    if (server.redis) {
      row.redisIdleUsPerSec = (sum(cpuOf(redisPids)) - idle0.cpu) /
        ((performance.now() - idle0.at) / 1000);
    }
    row.rssIdleKiB = rss();
    row.bytesPerClient = (row.rssIdleKiB - row.rssBaseKiB) * 1024 / fleet.open;
    this.#ctx = { bases, fleet, servers: server, plan };
  }

  /** Runs `work` unless an earlier step failed; an error is kept in the row. */
  async #step(work: () => Promise<void>): Promise<void> {
    if (this.row.error !== null) return;
    try {
      await work();
    } catch (error) {
      this.row.error = (error as Error).message;
      this.log(`  ${this.target.id} error: ${this.row.error}`);
    }
  }

  /** Publishes `count` more, `concurrency` in flight (1: paced). */
  async #phase(count: number, concurrency: number): Promise<Measured> {
    const measured = await phase(this.#ctx!, this.#nextSeq, count, concurrency, this.#counters);
    this.#nextSeq += count;
    this.#counters = measured.after;
    return measured;
  }

  /** The warm-up publishes (paced, not reported), then the `beforeMeasure` hook. */
  warmUp(): Promise<void> {
    return this.#step(async () => {
      const warm = await this.#phase(this.plan.warmup, 1);
      if (warm.result.incomplete > 0) {
        this.log(
          `  ${this.target.id} warm-up: ${warm.result.incomplete} of ${this.plan.warmup} ` +
            "publishes did not reach everybody",
        );
      }
      await this.hooks.beforeMeasure?.(this.#server!.pids[0]);
    });
  }

  /** One paced round of `count` publishes. */
  pacedRound(count: number): Promise<void> {
    return this.#step(async () => {
      this.#paced.push(await this.#phase(count, 1));
    });
  }

  /** The burst (when the plan has one), then the `afterMeasure` hook. */
  burst(): Promise<void> {
    return this.#step(async () => {
      if (this.plan.burst > 0) {
        this.row.burst = (await this.#phase(this.plan.burst, this.plan.burstConcurrency)).result;
      }
      await this.hooks.afterMeasure?.(this.#server!.pids[0]);
    });
  }

  /** Stops the clients and the server, and gives the row. */
  async close(): Promise<PushResult> {
    const { row } = this;
    if (this.#paced.length > 0) {
      row.paced = mergePhases(this.#paced);
      if (this.plan.pacedRounds > 1) row.pacedRounds = this.#paced.map((p) => p.result);
    }
    try {
      if (this.#fleet && row.error === null) {
        row.closedDuringRun = (await this.#fleet.stats()).closed;
      }
    } catch (error) {
      row.error = (error as Error).message;
    } finally {
      if (this.#server) {
        row.crashed = this.#server.crashed();
        row.complaints = this.#server.complaints();
      }
      await this.#fleet?.close();
      await this.#server?.stop();
    }
    return row;
  }
}

let groups = 0;

/**
 * Runs one push scenario against `targets` side by side (see the module's text), each a fresh
 * server process (or a fresh cluster and its Redis) with its own clients, and stops them. The
 * rows come in the order of `targets`; they share a `group` number no other call gives.
 */
export async function runGroup(
  targets: readonly Target[],
  plan: PushPlan,
  log: (line: string) => void,
  hooks: PushHooks = {},
): Promise<PushResult[]> {
  const group = ++groups;
  const runs: PushRun[] = [];
  const rows: PushResult[] = [];
  try {
    for (const target of targets) runs.push(await PushRun.open(target, plan, log, hooks, group));
    for (const run of runs) await run.warmUp();
    const rounds = Math.max(1, plan.pacedRounds);
    const perRound = pacedPublishes(plan) / rounds;
    for (let k = 0; k < rounds; k++) {
      for (const run of k % 2 === 0 ? runs : [...runs].reverse()) {
        await sleep(200);
        await run.pacedRound(perRound);
      }
    }
    for (const run of rounds % 2 === 0 ? runs : [...runs].reverse()) {
      await sleep(200);
      await run.burst();
    }
  } finally {
    for (const run of runs) rows.push(await run.close());
  }
  return rows;
}

/** Runs one push scenario against a single server (or cluster): a group of one. */
export async function runPush(
  target: Target,
  plan: PushPlan,
  log: (line: string) => void,
  hooks: PushHooks = {},
): Promise<PushResult> {
  return (await runGroup([target], plan, log, hooks))[0];
}
