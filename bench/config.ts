/**
 * The sizes of a full run and of the `--quick` smoke run.
 *
 * @module
 */

import type { ApiPlan } from "./api.ts";
import { workerCount } from "./loadgen/fleet.ts";
import { pacedPublishes, type PushPlan } from "./push.ts";
import { fmt } from "./report.ts";

/** Everything a run does. */
export interface RunConfig {
  /** Client counts of the fan-out scenario (one channel); each also gives an idle memory row. */
  readonly fanoutSizes: readonly number[];
  /**
   * The cluster row (`thunder-cluster`: three nodes, their Redis and the load generator on the
   * same cores) runs at the fan-out sizes up to this many clients only.
   */
  readonly clusterMaxClients: number;
  /** The fan-out scenario, without its client count (see `fanoutPlan` for its scaling). */
  readonly fanout: Omit<PushPlan, "clients">;
  /**
   * At small client counts the fan-out's warm-up and paced publishes grow until they bring this
   * many messages; null: the counts of `fanout` at every size.
   */
  readonly fanoutScaling: FanoutScaling | null;
  /** The many-channels scenario. */
  readonly manyChannels: PushPlan;
  /** The cluster-growth scenario (`thunder-cluster-45k`). */
  readonly clusterGrowth: ClusterGrowth;
  /** The wrk runs. */
  readonly api: ApiPlan;
  /**
   * Each scenario runs this many times (alternating the order of the servers and of the groups);
   * a row reports the round with the lowest paced server CPU per message. Within a round the
   * servers of one runtime already run side by side, their paced rounds in turn
   * (`PushPlan.pacedRounds`), which is what the targets' CPU ratios are taken from.
   */
  readonly rounds: number;
  /** Servers to run when `--only` is not given (null: every available one). */
  readonly targets: readonly string[] | null;
  /** The whole run gives up after this many seconds. */
  readonly deadlineSeconds: number;
}

/**
 * Fan-out publish counts that grow at small client counts. Without it, 20 paced publishes to
 * 1,000 clients measure 20,000 deliveries, a fraction of a second of server CPU, and the work
 * that comes once per phase weighs on the row: V8's background threads (compiling, collecting)
 * cost bare Deno 0.48 µs per message there after 3 warm-up publishes, and 0.01 after 20.
 */
export interface FanoutScaling {
  /** The warm-up publishes bring at least this many messages, in all. */
  readonly warmupDeliveries: number;
  /** The paced publishes bring at least this many messages, in all. */
  readonly pacedDeliveries: number;
}

/**
 * The cluster-growth scenario: a cluster on one Redis at each of `nodeCounts` nodes, with
 * `clientsPerNode` clients on every node, so that each node's load stays the same and what
 * grows is the cluster (Redis and the presence traffic between the nodes).
 */
export interface ClusterGrowth {
  /** Clients connected to each node. */
  readonly clientsPerNode: number;
  /** Node counts, in the order they run. */
  readonly nodeCounts: readonly number[];
  /** The plan, without its client count (`clientsPerNode` times the nodes). */
  readonly plan: Omit<PushPlan, "clients">;
}

/**
 * The plan of the cluster-growth scenario at `nodes` nodes. Client g is on node g mod nodes and
 * in channel g mod channels, so the channel count must share no factor with the node count, or
 * a channel's clients would all be on some nodes (and with 2 nodes and 10 channels, every
 * publish on the node that took its POST): that throws.
 *
 * @example
 * ```ts
 * import { clusterGrowthPlan, FULL } from "./config.ts";
 * clusterGrowthPlan(FULL, 3).clients; // 45000
 * ```
 */
export function clusterGrowthPlan(config: RunConfig, nodes: number): PushPlan {
  const g = config.clusterGrowth;
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  if (gcd(g.plan.channels, nodes) !== 1) {
    throw new Error(
      `Cluster growth: ${g.plan.channels} channels on ${nodes} nodes would leave channels ` +
        "without clients on some nodes (the counts must share no factor)",
    );
  }
  return { ...g.plan, clients: g.clientsPerNode * nodes };
}

/**
 * The fan-out plan at one client count: `config.fanout`, its warm-up and paced publishes grown
 * to bring at least `config.fanoutScaling`'s deliveries (never fewer than `fanout` gives).
 *
 * @example
 * ```ts
 * import { FULL, fanoutPlan } from "./config.ts";
 * fanoutPlan(FULL, 1_000).paced; // 300
 * fanoutPlan(FULL, 10_000).paced; // 30
 * ```
 */
export function fanoutPlan(config: RunConfig, clients: number): PushPlan {
  const f = config.fanout;
  const scale = config.fanoutScaling;
  if (scale === null) return { ...f, clients };
  const grown = (base: number, deliveries: number) =>
    Math.max(base, Math.ceil(deliveries / (clients * f.perClient)));
  return {
    ...f,
    clients,
    warmup: grown(f.warmup, scale.warmupDeliveries),
    paced: grown(f.paced, scale.pacedDeliveries),
  };
}

/** A full run: the figures BENCHMARKS.md quotes. */
export const FULL: RunConfig = {
  fanoutSizes: [1_000, 5_000, 10_000, 15_000],
  clusterMaxClients: 15_000,
  fanout: {
    channels: 1,
    perClient: 1,
    warmup: 3,
    paced: 20,
    pacedRounds: 10,
    burst: 20,
    burstConcurrency: 20,
    settleMs: 3_000,
    publishTimeoutMs: 20_000,
  },
  fanoutScaling: { warmupDeliveries: 20_000, pacedDeliveries: 300_000 },
  manyChannels: {
    clients: 10_000,
    channels: 1_000,
    perClient: 10,
    warmup: 10,
    paced: 200,
    pacedRounds: 4,
    burst: 1_000,
    burstConcurrency: 32,
    settleMs: 3_000,
    publishTimeoutMs: 20_000,
  },
  clusterGrowth: {
    clientsPerNode: 15_000,
    nodeCounts: [1, 3],
    plan: {
      channels: 5,
      perClient: 1,
      warmup: 10,
      paced: 150,
      pacedRounds: 1,
      burst: 0,
      burstConcurrency: 1,
      settleMs: 3_000,
      publishTimeoutMs: 20_000,
    },
  },
  api: { seconds: 3, connections: 50, rounds: 5 },
  rounds: 1,
  targets: null,
  deadlineSeconds: 40 * 60,
};

/** The smoke run CI makes: every code path, small sizes, well under a minute. */
export const QUICK: RunConfig = {
  fanoutSizes: [100, 300],
  clusterMaxClients: 100,
  fanout: {
    channels: 1,
    perClient: 1,
    warmup: 2,
    paced: 6,
    pacedRounds: 2,
    burst: 5,
    burstConcurrency: 5,
    settleMs: 300,
    publishTimeoutMs: 5_000,
  },
  fanoutScaling: null,
  manyChannels: {
    clients: 300,
    channels: 30,
    perClient: 3,
    warmup: 3,
    paced: 20,
    pacedRounds: 2,
    burst: 30,
    burstConcurrency: 10,
    settleMs: 300,
    publishTimeoutMs: 5_000,
  },
  clusterGrowth: {
    clientsPerNode: 100,
    nodeCounts: [1, 3],
    plan: {
      channels: 5,
      perClient: 1,
      warmup: 3,
      paced: 20,
      pacedRounds: 1,
      burst: 0,
      burstConcurrency: 1,
      settleMs: 300,
      publishTimeoutMs: 5_000,
    },
  },
  api: { seconds: 1, connections: 16, rounds: 1 },
  rounds: 1,
  targets: ["bare-deno", "sockjs-node", "thunder-deno", "thunder-cluster", "thunder-cluster-45k"],
  deadlineSeconds: 150,
};

/** The plan of a fan-out run, as a sentence for the report. */
export function describeFanout(config: RunConfig): string {
  const f = config.fanout;
  const rounds = Math.max(1, f.pacedRounds);
  return `Clients are spread over Node worker processes (bench/loadgen/worker.mjs, at most ` +
    `3,000 each, at least 2) that speak RFC 6455 and SockJS framing over node:net. ` +
    `The servers of one runtime run side by side, each with its own clients (the cluster on ` +
    `its own). Every client in one channel. After ${f.warmup} warm-up publishes: ` +
    `${pacedPublishes(f)} paced publishes (each sent once the previous reached every client` +
    (rounds > 1
      ? `; taken in ${rounds} rounds, every server of the group taking each round in turn, ` +
        `the order reversed every other round`
      : "") +
    `)${scalingNote(config)}, then a burst of ${f.burst} ` +
    `sent at once (${f.burstConcurrency} requests in flight). µs/msg = server CPU time ` +
    `(user + system, every thread) / messages delivered; msgs/s = messages delivered / time from the first POST ` +
    `to the last delivery; p50/p99 = time from sending a POST to the last client receiving it.`;
}

// Where the scaling gives other counts than `fanout`, the counts at those sizes.
function scalingNote(config: RunConfig): string {
  const scale = config.fanoutScaling;
  if (scale === null) return "";
  const grown = config.fanoutSizes
    .map((clients) => ({ clients, plan: fanoutPlan(config, clients) }))
    .filter(({ plan }) =>
      plan.warmup !== config.fanout.warmup || plan.paced !== config.fanout.paced
    )
    .map(({ clients, plan }) =>
      `${plan.warmup} and ${pacedPublishes(plan)} at ${fmt(clients)} clients`
    );
  if (grown.length === 0) return "";
  return `; at small sizes both grow until the warm-up brings ${fmt(scale.warmupDeliveries)} ` +
    `messages and the paced phase ${fmt(scale.pacedDeliveries)}, so that the work that comes ` +
    `once per phase (V8 compiling and collecting) weighs less: ${grown.join(", ")}`;
}

/** What the cluster row measures, as a sentence for the report. */
export function describeCluster(config: RunConfig): string {
  return "`thunder-cluster`: three `thunder-deno` processes (`main.ts --redis`) on one " +
    '`redis-server` (`--save "" --appendonly no`), all on this machine; the same fan-out ' +
    "scenario, the clients spread evenly over the nodes (client g on node g mod 3), the " +
    "publishes sent to the nodes' HTTP APIs in turn: the node that takes a POST runs one " +
    "script (the other live nodes' counts, then PUBLISH) and delivers to its own clients; the other two " +
    "get it from Redis. µs/msg (all nodes) = the three nodes' CPU added up / messages " +
    "delivered; node 1 / 2 / 3 = that node's CPU / messages delivered to its own clients (it " +
    "also pays for the POSTs it answers); Redis µs/publish = redis-server CPU in the phase / " +
    "publishes, its background work included (Redis idle µs/s: its CPU per second with every " +
    "client subscribed and nothing published, over the settle time: the nodes' presence " +
    "heartbeats); CPU servers / loadgen: the three nodes' CPU added up, of one core." +
    (Number.isFinite(config.clusterMaxClients)
      ? ` Run at up to ${fmt(config.clusterMaxClients)} clients.`
      : "");
}

/** What the cluster-growth scenario measures, as a sentence for the report. */
export function describeClusterGrowth(config: RunConfig): string {
  const g = config.clusterGrowth;
  const p = g.plan;
  const counts = g.nodeCounts.map((n) => `${n} (${fmt(n * g.clientsPerNode)} clients)`);
  return `\`thunder-cluster-45k\`: \`thunder-deno\` nodes (\`main.ts --redis\`) on one ` +
    `\`redis-server\`, run at ${counts.join(", then ")} nodes, ${fmt(g.clientsPerNode)} ` +
    `clients on every node (client g on node g mod nodes), each client in one of ` +
    `${p.channels} channels (client g in channel g mod ${p.channels}: every channel has ` +
    `clients on every node). After ${p.warmup} warm-up publishes, ${pacedPublishes(p)} paced ` +
    `publishes (each sent once the previous reached every subscriber), publish s to channel ` +
    `s mod ${p.channels} through the API of node s mod nodes: each reaches ` +
    `${fmt(g.clientsPerNode / p.channels)} clients on every node, all but one node's through ` +
    `Redis. µs/msg per node = that ` +
    "node's CPU / messages delivered to its own clients; Redis µs/publish = redis-server's " +
    "CPU in the phase / publishes; growth = a figure at n nodes ÷ the same at 1 node (on Redis " +
    "too). The load generator has " +
    `${fmt(workerCount(Math.max(...g.nodeCounts) * g.clientsPerNode))} worker processes at ` +
    `${Math.max(...g.nodeCounts)} nodes.`;
}

/** The plan of the many-channels run, as a sentence for the report. */
export function describeManyChannels(config: RunConfig): string {
  const m = config.manyChannels;
  return `${fmt(m.clients)} clients, each in ${m.perClient} of ` +
    `${fmt(m.channels)} channels (${
      Math.round(m.clients * m.perClient / m.channels)
    } per channel); publishes go round-robin over the channels: ${pacedPublishes(m)} paced` +
    (m.pacedRounds > 1
      ? ` in ${m.pacedRounds} rounds taken in turn by the servers of a runtime`
      : "") +
    `, then ` +
    `${m.burst} with ${m.burstConcurrency} requests in flight. The bare anchors broadcast to ` +
    `every socket and are left out.`;
}

/** The plan of the wrk runs, as a sentence for the report. */
export function describeApi(config: RunConfig, rounds = config.api.rounds): string {
  return `\`wrk -t1 -c${config.api.connections} -d${config.api.seconds}s --latency\`, side by side: ` +
    "every server started once and warmed up (1 s of each request), then measured in turn, " +
    `${rounds === 1 ? "once" : `${rounds} rounds, the order reversed every other round`}. ` +
    "POST sends a 58-byte JSON body to a channel nobody is in (bench/wrk/post.lua). " +
    "µs/req = server CPU time / requests. " +
    (rounds === 1
      ? ""
      : "Each figure is the median over the rounds (errors: the sum), and each ratio in the " +
        "targets the median of the rounds' ratios, so that a round disturbed by other processes " +
        "weighs on neither. ");
}
