/**
 * The broker: how a publish reaches every connection and how presence is answered, whether the
 * server runs alone (the in-memory broker) or as one node of several (a cluster broker). The HTTP
 * API talks only to a broker; it does not know which one runs.
 *
 * @module
 */

import type { App } from "../hub/hub.ts";
import type { HistoryQuery, HistoryRead, HistoryStats } from "../history/history.ts";
import type { ClusterStats } from "./stats.ts";

/**
 * A broker's answer: the value itself when the broker has it at hand (the in-memory broker, so
 * that the API can answer without waiting), or a promise of it (a cluster broker).
 */
export type BrokerAnswer<T> = T | Promise<T>;

/** Carries publishes to connections and answers presence questions, for every application. */
export interface Broker {
  /** Whether publishes can be carried now (a cluster broker is not while its engine is away). */
  readonly ready: boolean;
  /** Sends to every connection in the channel; answers how many it was sent to. */
  publishToChannel(app: App, channel: string, payload: string): BrokerAnswer<number>;
  /** Sends to every connection of the user; answers how many it was sent to. */
  publishToUser(app: App, userId: string, payload: string): BrokerAnswer<number>;
  /** Closes every connection of the user with 9002. */
  logout(app: App, userId: string): BrokerAnswer<void>;
  /** The number of distinct user ids with at least one connection. */
  userCount(app: App): BrokerAnswer<number>;
  /** Whether the user has at least one connection. */
  isOnline(app: App, userId: string): BrokerAnswer<boolean>;
  /** The user ids in the channel, each once. */
  channelUsers(app: App, channel: string): BrokerAnswer<string[]>;
  /**
   * Reads a channel's history (see `lib/history/`); undefined when the application keeps none.
   * A broker without this method keeps no history.
   */
  readHistory?(
    app: App,
    channel: string,
    query: HistoryQuery,
  ): BrokerAnswer<HistoryRead> | undefined;
  /** What this process keeps in memory for history (a broker that keeps it elsewhere: none). */
  historyStats?(): HistoryStats | undefined;
  /** Cluster-wide figures for the stats endpoint (a cluster broker; without: the hub's). */
  readonly cluster?: ClusterStats;
  /** Stops the broker (disconnects from its engine). Safe to call twice. */
  close(): Promise<void>;
}

/** The error a broker throws when it cannot carry a request now (answered with 503). */
export class BrokerUnavailableError extends Error {
  /** Creates the error; `cause` is the engine's error, if any. */
  constructor(cause?: unknown) {
    super("Cluster broker unavailable.", { cause });
    this.name = "BrokerUnavailableError";
  }
}
