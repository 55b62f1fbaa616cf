/**
 * A Thunderpush connection: one client session, driven by its commands, registered in the hub.
 *
 * @module
 */

import type { App, Hub, HubConnection } from "../hub/hub.ts";
import type { Message } from "../hub/message.ts";
import type { OneOrMore } from "../hub/one_or_more.ts";
import { type CloseReason, TOO_MANY_COMMANDS } from "../sockjs/close_codes.ts";
import {
  HISTORY_UNAVAILABLE,
  INVALID_API_KEY,
  INVALID_USER_ID,
  NOT_CONNECTED,
} from "./close_codes.ts";
import type { Logger } from "../log.ts";
import { isValidChannel, isValidUserId, parseCommand } from "./commands.ts";
import { ChannelPositions } from "../history/recovery.ts";
import { type HistoryReader, recover } from "./recover.ts";

/**
 * The way to the transport under connections (a SockJS session or a raw WebSocket, `T`): one
 * object for every connection of a server, told which client's transport each call is for, so
 * that a connection keeps no adapter object of its own.
 */
export interface Link<T> {
  /** Delivers one push to the client of `target`. */
  deliver(target: T, message: Message): void;
  /** Closes the client's session with a close frame. */
  close(target: T, reason: CloseReason): void;
  /** Whether the client's session is still open. */
  isOpen(target: T): boolean;
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
  /**
   * Longest user id CONNECT accepts, in UTF-16 code units; a longer one (or one the API could
   * never reach, see `isValidUserId`) closes the connection with `c[9003,"Invalid user id."]`.
   */
  readonly maxIdLength: number;
}

/**
 * What every connection of a server shares: its hub, its link to the transports, its logger and
 * its limits (one object for all, so that a connection keeps one reference instead of four).
 */
export interface ConnectionContext<T> {
  /** The applications connections join. */
  readonly hub: Hub;
  /** The way to each connection's transport. */
  readonly link: Link<T>;
  /** Where connections log. */
  readonly log: Logger;
  /** What one connection may do. */
  readonly limits: ConnectionLimits;
  /** Reads channels' history for `RECOVER` (default: no application keeps history). */
  readonly history?: HistoryReader;
  /** Told whether each `RECOVER` recovered (for the metrics). */
  readonly recovered?: (recovered: boolean) => void;
}

/** One client: unauthenticated until CONNECT, then registered in its application's index. */
export class ThunderConnection<T> implements HubConnection {
  #context: ConnectionContext<T>;
  #target: T;
  /** Where the application this connection joined keeps its channels (see `HubConnection`). */
  hubChannels: OneOrMore<string> | null | undefined = undefined;
  #app: App | null = null;
  #userId = "";
  #closed = false;
  #tokens: number;
  #refilled = Date.now();
  // The channels this connection recovered (RECOVER), if any: their pushes are filtered.
  #positions: ChannelPositions | undefined;

  /**
   * Creates a connection over the transport `target`, reached through `context.link`; it joins
   * the hub on a valid CONNECT.
   */
  constructor(context: ConnectionContext<T>, target: T) {
    this.#context = context;
    this.#target = target;
    this.#tokens = 2 * context.limits.maxCommandsPerSecond;
  }

  /** The user id asserted by CONNECT (empty before it). */
  get userId(): string {
    return this.#userId;
  }

  /** Whether the session under this connection is open. */
  get isOpen(): boolean {
    return !this.#closed && this.#context.link.isOpen(this.#target);
  }

  /** The application this connection joined, or null before CONNECT. */
  get app(): App | null {
    return this.#app;
  }

  /** Delivers a push to the client. */
  deliver(message: Message): void {
    if (this.#positions !== undefined) {
      const passed = this.#positions.filter(message);
      if (passed === null) return;
      message = passed;
    }
    this.#context.link.deliver(this.#target, message);
  }

  /** Leaves the hub and closes the client's session. */
  close(reason: CloseReason): void {
    this.closed();
    this.#context.link.close(this.#target, reason);
  }

  /** Leaves the hub: called when the session is over, whoever ended it. Safe to call twice. */
  closed(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#app) {
      this.#app.unregister(this);
      this.#context.log.verbose(`User ${JSON.stringify(this.#userId)} has disconnected.`);
    }
  }

  /** Handles one client message (one command). */
  handle(message: string): void {
    if (this.#closed) return;
    const log = this.#context.log;
    if (!this.#takeToken()) {
      log.verbose(`User ${JSON.stringify(this.#userId)} sent too many commands.`);
      this.close(TOO_MANY_COMMANDS);
      return;
    }
    const command = parseCommand(message);
    switch (command.kind) {
      case "invalid":
        log.verbose(`${command.reason} Ignored: ${JSON.stringify(message.slice(0, 200))}`);
        return;
      case "CONNECT": {
        if (this.#app) {
          log.verbose("User already connected. CONNECT ignored.");
          return;
        }
        const app = this.#context.hub.app(command.publicKey);
        if (!app) {
          this.close(INVALID_API_KEY);
          return;
        }
        if (!isValidUserId(command.userId, this.#context.limits.maxIdLength)) {
          log.verbose(
            `Invalid user id (${command.userId.length} characters): ${
              JSON.stringify(command.userId.slice(0, 200))
            }`,
          );
          this.close(INVALID_USER_ID);
          return;
        }
        this.#app = app;
        this.#userId = command.userId;
        app.register(this);
        log.verbose(`User ${JSON.stringify(command.userId)} connected.`);
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
          if (command.kind === "UNSUBSCRIBE") {
            app.unsubscribe(this, channel);
            this.#positions?.forget(channel);
          } else if (app.subscriptionCount(this) < this.#context.limits.maxChannelsPerConnection) {
            app.subscribe(this, channel);
          }
        }
        log.verbose(
          `User ${JSON.stringify(this.#userId)} ${command.kind.toLowerCase()}d: ${
            command.channels.join(":")
          }`,
        );
        return;
      }
      case "RECOVER":
        this.#recover(command.channel, command);
    }
  }

  /** RECOVER: subscribes like SUBSCRIBE (same limit), then recovers (see `recover.ts`). */
  #recover(channel: string, request: { epoch: string; offset: number }): void {
    const app = this.#app;
    if (!app) {
      this.close(NOT_CONNECTED);
      return;
    }
    const limit = this.#context.limits.maxChannelsPerConnection;
    if (!app.subscriptionsOf(this).has(channel) && app.subscriptionCount(this) >= limit) return;
    const context = this.#context;
    context.log.verbose(`User ${JSON.stringify(this.#userId)} recovers: ${channel}`);
    recover(
      {
        conn: this,
        app,
        positions: this.#positions ??= new ChannelPositions(),
        read: context.history ?? (() => undefined),
        send: (message) => context.link.deliver(this.#target, message),
        ...(context.recovered ? { counted: context.recovered } : {}),
        failed: (error) => {
          context.log.warn(`Cannot read the history of ${JSON.stringify(channel)}: ${error}`);
          this.close(HISTORY_UNAVAILABLE);
        },
      },
      channel,
      request,
    );
  }

  // A token bucket: refilled at the allowed rate, holding at most two seconds' worth.
  #takeToken(): boolean {
    const rate = this.#context.limits.maxCommandsPerSecond;
    const now = Date.now();
    this.#tokens = Math.min(2 * rate, this.#tokens + ((now - this.#refilled) / 1000) * rate);
    this.#refilled = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
