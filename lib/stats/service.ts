/**
 * The figures of the stats endpoint and the paged list of online users, from this node and, in a
 * cluster, the shared presence and the other nodes' reports (docs/architecture.md, "Stats").
 *
 * @module
 */

import type { App, Hub } from "../hub/hub.ts";
import type { ClusterStats, HistoryPoint, NodeFigures } from "../broker/stats.ts";
import type { PyJsonValue } from "../json.ts";
import { round, StatsRecorder } from "./recorder.ts";
import { busiest, type ChannelSize, pageAfter } from "./select.ts";

/** Settings of the stats. */
export interface StatsOptions {
  /** The cluster broker's figures, if the server is one node of several. */
  readonly cluster?: ClusterStats;
  /** How many of the busiest channels to list (default 10). */
  readonly topChannels?: number;
  /** Milliseconds an answer is reused for (default 1,000). */
  readonly cacheMs?: number;
  /** Milliseconds between history samples (default 2,000). */
  readonly step?: number;
}

/** A page of the online users of an application. */
export interface UsersPage {
  /** How many users are online (cluster-wide in a cluster). */
  readonly count: number;
  /** The page's user ids, in UTF-16 code unit order. */
  readonly users: string[];
  /** Whether more users come after the last one. */
  readonly more: boolean;
}

/** The stats of every application of a hub. */
export class Stats {
  /** The recorder of this node's history. */
  readonly recorder: StatsRecorder;
  #cluster: ClusterStats | undefined;
  #top: number;
  #cacheMs: number;
  #cache = new Map<App, { time: number; body: Promise<PyJsonValue> }>();

  /** Stats over `hub`; in a cluster, sampling (and reporting) runs from now on. */
  constructor(hub: Hub, options: StatsOptions = {}) {
    const cluster = this.#cluster = options.cluster;
    this.#top = options.topChannels ?? 10;
    this.#cacheMs = options.cacheMs ?? 1_000;
    this.recorder = new StatsRecorder(hub, {
      nodeId: cluster?.nodeId,
      step: options.step || undefined, // 0 too means the default
      // Best effort: a report lost while Redis is away is made again a step later.
      onSample: cluster
        ? (app, report, point) => cluster.report(app, report, point).catch(() => {})
        : undefined,
    });
    if (cluster) this.recorder.pin();
  }

  /** The stats of an application, as the endpoint answers them (JSON). */
  read(app: App): Promise<PyJsonValue> {
    const now = Date.now();
    this.recorder.touch(now);
    const cached = this.#cache.get(app);
    if (cached && now - cached.time < this.#cacheMs) return cached.body;
    const body = this.#compute(app, now);
    this.#cache.set(app, { time: now, body });
    // A failure (Redis away) is not kept: the next read tries again.
    body.catch(() => {
      if (this.#cache.get(app)?.body === body) this.#cache.delete(app);
    });
    return body;
  }

  /** A page of the application's online users: the first `limit` after `after`. */
  async users(app: App, after: string | undefined, limit: number): Promise<UsersPage> {
    app.flush();
    const ids = this.#cluster ? new Set(await this.#cluster.onlineUsers(app)) : app.users();
    const count = ids instanceof Set ? ids.size : app.userCount;
    const page = pageAfter(ids, after, limit);
    return { count, users: page.ids, more: page.more };
  }

  /** Stops sampling. Safe to call twice. */
  close(): void {
    this.recorder.close();
  }

  /** The step of the history, in milliseconds. */
  get step(): number {
    return this.recorder.step;
  }

  async #compute(app: App, now: number): Promise<PyJsonValue> {
    app.flush();
    const self: NodeFigures = {
      report: this.recorder.report(app, now),
      history: this.recorder.history(app),
    };
    if (!this.#cluster) {
      const top = busiest(channelSizes(app), this.#top);
      return this.#body([self], app.userCount, app.channelCount, top, now);
    }
    const [ids, sizes, others] = await Promise.all([
      this.#cluster.onlineUsers(app),
      this.#cluster.channelSizes(app),
      this.#cluster.others(app),
    ]);
    const top = busiest(sizes, this.#top);
    return this.#body([self, ...others], new Set(ids).size, sizes.size, top, now);
  }

  /** The endpoint's JSON body: sums over `nodes`, and the cluster-wide distinct counts given. */
  #body(
    nodes: NodeFigures[],
    users: number,
    channels: number,
    top: ChannelSize[],
    now: number,
  ): PyJsonValue {
    const sum = (value: (n: NodeFigures) => number) => nodes.reduce((t, n) => t + value(n), 0);
    const history = mergeHistory(nodes.map((n) => n.history), this.step);
    return {
      connections: sum((n) => n.report.connections),
      users,
      channels,
      published_per_second: round(sum((n) => n.report.publishedPerSecond)),
      delivered_per_second: round(sum((n) => n.report.deliveredPerSecond)),
      published: sum((n) => n.report.published),
      delivered: sum((n) => n.report.delivered),
      top_channels: top.map((c) => ({ channel: c.channel, connections: c.connections })),
      history: {
        step: this.step / 1000,
        time: history.map((p) => p.time),
        connections: history.map((p) => p.connections),
        published: history.map((p) => round(p.published)),
        delivered: history.map((p) => round(p.delivered)),
      },
      nodes: nodes.map(({ report: r }) => ({
        id: r.id,
        connections: r.connections,
        users: r.users,
        channels: r.channels,
        published_per_second: r.publishedPerSecond,
        delivered_per_second: r.deliveredPerSecond,
        published: r.published,
        delivered: r.delivered,
        started: r.started,
        seen: r.time,
      })),
      node: this.recorder.nodeId,
      time: now,
    };
  }
}

/** The application's local channels with their connections. */
function* channelSizes(app: App): Generator<[string, number]> {
  for (const channel of app.channels()) yield [channel, app.channelSize(channel)];
}

/**
 * The nodes' histories added up step by step, oldest first. Points are matched by the step they
 * fall in (the nodes sample at their own moments, and a timer may drift past a step); a node
 * without a point in a step counts with its point before, so that a missed step is no dip. Steps
 * newer than the newest one every node reported are left out, for the same reason.
 */
export function mergeHistory(
  histories: readonly (readonly HistoryPoint[])[],
  step: number,
): HistoryPoint[] {
  if (histories.length === 1) return [...histories[0]];
  const keyed = histories.filter((h) => h.length > 0).map((h) =>
    h.map((point) => ({ slot: Math.round(point.time / step), point }))
  );
  const complete = Math.min(...keyed.map((h) => h[h.length - 1].slot));
  const slots = [...new Set(keyed.flatMap((h) => h.map((k) => k.slot)))]
    .filter((slot) => slot <= complete).sort((a, b) => a - b);
  const at = keyed.map(() => -1); // each node's newest point up to the step
  return slots.map((slot) => {
    const sum = { time: 0, connections: 0, published: 0, delivered: 0 };
    keyed.forEach((h, n) => {
      while (at[n] + 1 < h.length && h[at[n] + 1].slot <= slot) at[n]++;
      if (at[n] < 0) return;
      const p = h[at[n]].point;
      sum.time = Math.max(sum.time, p.time);
      sum.connections += p.connections;
      sum.published += p.published;
      sum.delivered += p.delivered;
    });
    return sum;
  });
}
