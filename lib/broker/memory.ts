/**
 * The in-memory broker: one process, the hub is the whole truth. The embedded default. It answers
 * at once, not with promises: the API then answers without waiting either.
 *
 * @module
 */

import type { App } from "../hub/hub.ts";
import { Message } from "../hub/message.ts";
import {
  type HistoryPolicies,
  type HistoryQuery,
  type HistoryRead,
  type HistoryStats,
  policyOf,
} from "../history/history.ts";
import { MemoryHistory } from "../history/memory.ts";
import type { Broker } from "./broker.ts";

/** A broker for a single server process. */
export class MemoryBroker implements Broker {
  /** Always ready. */
  readonly ready: boolean = true;
  #histories = new Map<string, MemoryHistory>();

  /** Creates the broker; applications with a policy in `history` keep their channels' history. */
  constructor(history?: HistoryPolicies) {
    for (const publicKey of history?.keys() ?? []) {
      const policy = policyOf(history, publicKey);
      if (policy) this.#histories.set(publicKey, new MemoryHistory(policy));
    }
  }

  /** Sends to the channel's local connections (kept in its history first, if any). */
  publishToChannel(app: App, channel: string, payload: string): number {
    const history = this.#histories.get(app.publicKey);
    if (history === undefined) return app.publishToChannel(channel, payload);
    const position = history.append(channel, payload);
    return app.deliverToChannel(channel, Message.forChannel(payload, channel, position));
  }

  /** Reads a channel's history in memory. */
  readHistory(app: App, channel: string, query: HistoryQuery): HistoryRead | undefined {
    return this.#histories.get(app.publicKey)?.read(channel, query);
  }

  /** Pushes and bytes kept by every application's history; undefined when none keeps any. */
  historyStats(): HistoryStats | undefined {
    if (this.#histories.size === 0) return undefined;
    let messages = 0;
    let bytes = 0;
    for (const history of this.#histories.values()) {
      const stats = history.stats();
      messages += stats.messages;
      bytes += stats.bytes;
    }
    return { messages, bytes };
  }

  /** Sends to the user's local connections. */
  publishToUser(app: App, userId: string, payload: string): number {
    return app.publishToUser(userId, payload);
  }

  /** Closes the user's local connections. */
  logout(app: App, userId: string): void {
    app.logout(userId);
  }

  /** Distinct local user ids. */
  userCount(app: App): number {
    return app.userCount;
  }

  /** Whether the user has a local connection. */
  isOnline(app: App, userId: string): boolean {
    return app.isOnline(userId);
  }

  /** The channel's local users. */
  channelUsers(app: App, channel: string): string[] {
    return app.channelUsers(channel);
  }

  /** Nothing to stop. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
