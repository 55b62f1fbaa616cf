/**
 * The in-memory broker: one process, the hub is the whole truth. The embedded default. It answers
 * at once, not with promises: the API then answers without waiting either.
 *
 * @module
 */

import type { App } from "../hub/hub.ts";
import type { Broker } from "./broker.ts";

/** A broker for a single server process. */
export class MemoryBroker implements Broker {
  /** Always ready. */
  readonly ready: boolean = true;

  /** Sends to the channel's local connections. */
  publishToChannel(app: App, channel: string, payload: string): number {
    return app.publishToChannel(channel, payload);
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
