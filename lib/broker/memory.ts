/**
 * The in-memory broker: one process, the hub is the whole truth. The embedded default.
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
  publishToChannel(app: App, channel: string, payload: string): Promise<number> {
    return Promise.resolve(app.publishToChannel(channel, payload));
  }

  /** Sends to the user's local connections. */
  publishToUser(app: App, userId: string, payload: string): Promise<number> {
    return Promise.resolve(app.publishToUser(userId, payload));
  }

  /** Closes the user's local connections. */
  logout(app: App, userId: string): Promise<void> {
    app.logout(userId);
    return Promise.resolve();
  }

  /** Distinct local user ids. */
  userCount(app: App): Promise<number> {
    return Promise.resolve(app.userCount);
  }

  /** Whether the user has a local connection. */
  isOnline(app: App, userId: string): Promise<boolean> {
    return Promise.resolve(app.isOnline(userId));
  }

  /** The channel's local users. */
  channelUsers(app: App, channel: string): Promise<string[]> {
    return Promise.resolve(app.channelUsers(channel));
  }

  /** Nothing to stop. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
