/**
 * What a cluster broker tells the stats endpoint beyond this node's hub: the online users and the
 * channels of every live node, and the other nodes' own figures, which each node reports
 * periodically (see `redis_stats.ts`). The in-memory broker has none: the hub is the whole truth.
 *
 * @module
 */

import type { App } from "../hub/hub.ts";

/** One node's figures for one application, as it reports them. */
export interface NodeReport {
  /** The node's id. */
  readonly id: string;
  /** When the node started (Unix ms). */
  readonly started: number;
  /** When the report was made (Unix ms). */
  readonly time: number;
  /** The application's connections on the node. */
  readonly connections: number;
  /** Distinct users of the application on the node. */
  readonly users: number;
  /** Channels of the application with a subscriber on the node. */
  readonly channels: number;
  /** Pushes the node's API accepted since it started. */
  readonly published: number;
  /** Pushes the node handed to its connections since it started. */
  readonly delivered: number;
  /** Pushes accepted per second over the recent window. */
  readonly publishedPerSecond: number;
  /** Pushes handed to connections per second over the recent window. */
  readonly deliveredPerSecond: number;
}

/** One point of a node's recent history: connections and per-second rates at a time. */
export interface HistoryPoint {
  /** When (Unix ms). */
  readonly time: number;
  /** Connections then. */
  readonly connections: number;
  /** Pushes accepted per second since the point before. */
  readonly published: number;
  /** Pushes handed to connections per second since the point before. */
  readonly delivered: number;
}

/** A node's report and its recent history. */
export interface NodeFigures {
  /** The node's figures. */
  readonly report: NodeReport;
  /** Its recent history, oldest first. */
  readonly history: readonly HistoryPoint[];
}

/** The cluster-wide figures a cluster broker gives (each read may fail with 503). */
export interface ClusterStats {
  /** This node's id. */
  readonly nodeId: string;
  /** Every user id with a connection on a live node, this one included, each once. */
  onlineUsers(app: App): Promise<Iterable<string>>;
  /** The connections in each channel with a subscriber on a live node, this one included. */
  channelSizes(app: App): Promise<ReadonlyMap<string, number>>;
  /** Writes this node's figures for an application, with its newest history point. */
  report(app: App, report: NodeReport, point: HistoryPoint): Promise<void>;
  /** The other live nodes' figures for an application. */
  others(app: App): Promise<NodeFigures[]>;
}
