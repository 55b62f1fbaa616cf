/**
 * A Thunderpush connection: one client session, driven by its commands, registered in the hub.
 *
 * @module
 */

import type { App, Hub, HubConnection } from "../hub/hub.ts";
import type { Message } from "../hub/message.ts";
import type { CloseReason } from "../sockjs/close_codes.ts";
import { INVALID_API_KEY, NOT_CONNECTED, TOO_MANY_COMMANDS } from "../sockjs/close_codes.ts";
import type { Logger } from "../log.ts";
import { isValidChannel, parseCommand } from "./commands.ts";

/** The transport under a connection: a SockJS session or a raw WebSocket. */
export interface Link {
  /** Delivers one push to the client. */
  deliver(message: Message): void;
  /** Closes the client's session with a close frame. */
  close(reason: CloseReason): void;
  /** Whether the client's session is still open. */
  readonly isOpen?: boolean;
}

/** Limits on what one connection may do. */
export interface ConnectionLimits {
  /** Most channels one connection may be subscribed to; further SUBSCRIBEs are ignored. */
  readonly maxChannelsPerConnection: number;
  /**
   * Most commands per second, on average; bursts of twice that are allowed. Past it the
   * connection is closed with `c[1008,"Too many commands."]`.
   */
  readonly maxCommandsPerSecond: number;
}

/** One client: unauthenticated until CONNECT, then registered in its application's index. */
export class ThunderConnection implements HubConnection {
  #hub: Hub;
  #link: Link;
  #log: Logger;
  #limits: ConnectionLimits;
  #app: App | null = null;
  #userId = "";
  #closed = false;
  #tokens: number;
  #refilled = Date.now();

  /** Creates a connection over `link`; it joins the hub on a valid CONNECT. */
  constructor(hub: Hub, link: Link, log: Logger, limits: ConnectionLimits) {
    this.#hub = hub;
    this.#link = link;
    this.#log = log;
    this.#limits = limits;
    this.#tokens = 2 * limits.maxCommandsPerSecond;
  }

  /** The user id asserted by CONNECT (empty before it). */
  get userId(): string {
    return this.#userId;
  }

  /** Whether the session under this connection is open. */
  get isOpen(): boolean {
    return !this.#closed && (this.#link.isOpen ?? true);
  }

  /** The application this connection joined, or null before CONNECT. */
  get app(): App | null {
    return this.#app;
  }

  /** Delivers a push to the client. */
  deliver(message: Message): void {
    this.#link.deliver(message);
  }

  /** Leaves the hub and closes the client's session. */
  close(reason: CloseReason): void {
    this.closed();
    this.#link.close(reason);
  }

  /** Leaves the hub: called when the session is over, whoever ended it. Safe to call twice. */
  closed(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#app) {
      this.#app.unregister(this);
      this.#log.verbose(`User ${JSON.stringify(this.#userId)} has disconnected.`);
    }
  }

  /** Handles one client message (one command). */
  handle(message: string): void {
    if (this.#closed) return;
    if (!this.#takeToken()) {
      this.#log.verbose(`User ${JSON.stringify(this.#userId)} sent too many commands.`);
      this.close(TOO_MANY_COMMANDS);
      return;
    }
    const command = parseCommand(message);
    switch (command.kind) {
      case "invalid":
        this.#log.verbose(`${command.reason} Ignored: ${JSON.stringify(message.slice(0, 200))}`);
        return;
      case "CONNECT": {
        if (this.#app) {
          this.#log.verbose("User already connected. CONNECT ignored.");
          return;
        }
        const app = this.#hub.app(command.publicKey);
        if (!app) {
          this.close(INVALID_API_KEY);
          return;
        }
        this.#app = app;
        this.#userId = command.userId;
        app.register(this);
        this.#log.verbose(`User ${JSON.stringify(command.userId)} connected.`);
        return;
      }
      case "SUBSCRIBE":
      case "UNSUBSCRIBE": {
        const app = this.#app;
        if (!app) {
          this.close(NOT_CONNECTED);
          return;
        }
        for (const channel of command.channels) {
          if (!isValidChannel(channel)) continue;
          if (command.kind === "UNSUBSCRIBE") app.unsubscribe(this, channel);
          else if (app.subscriptionCount(this) < this.#limits.maxChannelsPerConnection) {
            app.subscribe(this, channel);
          }
        }
        this.#log.verbose(
          `User ${JSON.stringify(this.#userId)} ${command.kind.toLowerCase()}d: ${
            command.channels.join(":")
          }`,
        );
      }
    }
  }

  // A token bucket: refilled at the allowed rate, holding at most two seconds' worth.
  #takeToken(): boolean {
    const rate = this.#limits.maxCommandsPerSecond;
    const now = Date.now();
    this.#tokens = Math.min(2 * rate, this.#tokens + ((now - this.#refilled) / 1000) * rate);
    this.#refilled = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
