/**
 * The Redis side of the stats endpoint: cluster-wide users and channels from the presence hashes,
 * and each node's own figures, which it reports on each sample with an expiry (a node that stops,
 * even killed, drops out within `REPORT_TTL_MS`).
 *
 * | Key                    | Type | Holds                                                     |
 * | ---------------------- | ---- | --------------------------------------------------------- |
 * | `tp:stats:nodes`       | ZSET | node ids, scored by the time their reports expire (ms)    |
 * | `tp:{app}:stats:{node}`| STR  | the node's `NodeReport` for the application (JSON, PX)    |
 * | `tp:{app}:hist:{node}` | LIST | its last `HISTORY_LENGTH` `HistoryPoint`s (JSON, PEXPIRE) |
 *
 * @module
 */

import type { App } from "../hub/hub.ts";
import type { BrokerClient } from "./redis_client.ts";
import { encodeKeyPart, keysFor } from "./redis_keys.ts";
import type { ClusterStats, HistoryPoint, NodeFigures, NodeReport } from "./stats.ts";

/** The nodes that reported, scored by when their reports expire. */
const STATS_NODES_KEY = "tp:stats:nodes";
/** A node's report lives this long: three missed reports (at 2 s) and it is gone. */
export const REPORT_TTL_MS = 6_000;
/** History points kept per node and application: five minutes at 2 s. */
const HISTORY_LENGTH = 150;

/** The report and history keys of a node for an application. */
function statsKeys(publicKey: string, node: string): { report: string; history: string } {
  const app = `tp:${encodeKeyPart(publicKey)}`;
  return { report: `${app}:stats:${node}`, history: `${app}:hist:${node}` };
}

/** What the stats need of the broker. */
export interface RedisStatsOptions {
  /** This node's id. */
  readonly nodeId: string;
  /** Whether the broker is ready (reports are skipped while it is not). */
  readonly ready: () => boolean;
  /** The broker's connection (for reports, which nobody waits for). */
  readonly client: BrokerClient;
  /** Runs the commands of a read: 503 while Redis is away, or past the timeout. */
  readonly read: <T>(send: (client: BrokerClient) => Promise<T>) => Promise<T>;
  /** The other live nodes' `[name, count]` entries in a `node|name` presence hash (503 likewise). */
  readonly remote: (key: string) => Promise<Iterable<[string, number]>>;
}

/** Cluster-wide figures through Redis. */
export class RedisStats implements ClusterStats {
  /** This node's id. */
  readonly nodeId: string;
  #o: RedisStatsOptions;
  #written = new Set<string>(); // the report and history keys this node wrote

  /** Stats over the broker's Redis connection. */
  constructor(options: RedisStatsOptions) {
    this.nodeId = options.nodeId;
    this.#o = options;
  }

  /** Every user online on a live node (this one's from its hub), each once. */
  async onlineUsers(app: App): Promise<Set<string>> {
    const remote = await this.#o.remote(keysFor(app.publicKey).users);
    const users = new Set(app.users());
    for (const [user] of remote) users.add(user);
    return users;
  }

  /** The connections in each channel over the live nodes (this one's from its hub). */
  async channelSizes(app: App): Promise<Map<string, number>> {
    const remote = await this.#o.remote(keysFor(app.publicKey).channels);
    const sizes = new Map<string, number>();
    for (const channel of app.channels()) sizes.set(channel, app.channelSize(channel));
    for (const [channel, n] of remote) {
      sizes.set(channel, (sizes.get(channel) ?? 0) + n);
    }
    return sizes;
  }

  /** Writes this node's report and newest history point (skipped while Redis is away). */
  async report(app: App, report: NodeReport, point: HistoryPoint): Promise<void> {
    if (!this.#o.ready()) return;
    const keys = statsKeys(app.publicKey, this.nodeId);
    this.#written.add(keys.report).add(keys.history);
    const now = Date.now();
    const expiration = { type: "PX", value: REPORT_TTL_MS } as const;
    await this.#o.client.multi() // one round trip, applied at once
      .set(keys.report, JSON.stringify(report), { expiration })
      .rPush(keys.history, JSON.stringify(point))
      .lTrim(keys.history, -HISTORY_LENGTH, -1)
      .pExpire(keys.history, REPORT_TTL_MS)
      .zAdd(STATS_NODES_KEY, { score: now + REPORT_TTL_MS, value: this.nodeId })
      .zRemRangeByScore(STATS_NODES_KEY, "-inf", `(${now}`) // expired nodes
      .exec();
  }

  /** The other nodes' reports and histories for an application, those not expired. */
  async others(app: App): Promise<NodeFigures[]> {
    const nodes = await this.#o.read((c) => c.zRangeByScore(STATS_NODES_KEY, Date.now(), "+inf"));
    const figures = await Promise.all(
      nodes.filter((node) => node !== this.nodeId).map((node) => this.#figures(app, node)),
    );
    return figures.filter((f): f is NodeFigures => f !== undefined);
  }

  async #figures(app: App, node: string): Promise<NodeFigures | undefined> {
    const keys = statsKeys(app.publicKey, node);
    const [report, history] = await this.#o.read((c) =>
      Promise.all([c.get(keys.report), c.lRange(keys.history, 0, -1)])
    );
    const parsed = report === null ? undefined : parse<NodeReport>(report);
    if (parsed === undefined) return undefined;
    const points = history.map((p) => parse<HistoryPoint>(p));
    return {
      report: parsed,
      history: points.filter((p): p is HistoryPoint => p !== undefined),
    };
  }

  /** Removes this node's reports (a graceful stop). */
  async leave(): Promise<void> {
    await this.#o.client.zRem(STATS_NODES_KEY, this.nodeId);
    if (this.#written.size > 0) await this.#o.client.del([...this.#written]);
  }
}

/** A JSON value another node wrote, or undefined when it is not JSON. */
function parse<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}
