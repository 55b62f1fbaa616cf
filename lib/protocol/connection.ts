/**
 * A Thunderpush connection: one client session, driven by its commands, registered in the hub.
 * `RECOVER <channel> <epoch> <offset>` subscribes, then sends what the client missed from the
 * channel's history (or `{"recovered": false, ...}`), then the live pushes that came meanwhile,
 * with no gap and no duplicate (see `ChannelPositions`).
 *
 * @module
 */

import type { App, Hub, HubConnection } from "../hub/hub.ts";
import type { Message } from "../hub/message.ts";
import { type CloseReason, INTERNAL_ERROR, TOO_MANY_COMMANDS } from "../sockjs/close_codes.ts";
import {
  HISTORY_UNAVAILABLE,
  INVALID_API_KEY,
  INVALID_TOKEN,
  INVALID_USER_ID,
  NOT_CONNECTED,
  TOKEN_EXPIRED,
} from "./close_codes.ts";
import type { Logger } from "../log.ts";
import { type Command, isValidChannel, isValidUserId, parseCommand } from "./commands.ts";
import type { TokenPolicy } from "../auth/policy.ts";
import { isPrivateChannel } from "../auth/claims.ts";
import { type HistoryQuery, type HistoryRead, MAX_RECOVERED } from "../history/history.ts";
import {
  ChannelPositions,
  historyMessage,
  notRecoveredMessage,
  recoveredEntries,
} from "../history/recovery.ts";

/**
 * Reads a channel's history: the answer, a promise of it, or undefined when the application
 * keeps none (the broker's `readHistory`).
 */
export type HistoryReader = (
  app: App,
  channel: string,
  query: HistoryQuery,
) => HistoryRead | Promise<HistoryRead> | undefined;

/**
 * The way to the transports `T` under connections: one object for a whole server, told which
 * client each call is for, so that a connection keeps no adapter object of its own.
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
  /** Most commands per second, bursts of twice that; past it the connection is closed (1008). */
  readonly maxCommandsPerSecond: number;
  /** Longest user id CONNECT accepts, in UTF-16 code units (else 9003, see `isValidUserId`). */
  readonly maxIdLength: number;
}

/** Why a CONNECT was refused, as counted in `/metrics`. */
export type ConnectRefusal =
  | "api_key"
  | "user_id"
  | "token_missing"
  | "token_invalid"
  | "token_expired"
  | "token_user";

/** Where connections count the commands they refuse. */
export interface RefusalCounter {
  /** A CONNECT was refused (and the session closed). */
  connectRefused(reason: ConnectRefusal): void;
  /** A SUBSCRIBE to a `private-` channel the token does not grant was ignored. */
  subscribeRefused(): void;
}

/** What every connection of a server shares (one reference per connection instead of several). */
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
  /** Which applications require user tokens (`--require-token`); none when absent. */
  readonly tokens?: TokenPolicy;
  /** Where refused commands are counted; nowhere when absent. */
  readonly refusals?: RefusalCounter;
}

/** One client: unauthenticated until CONNECT, then registered in its application's index. */
export class ThunderConnection<T> implements HubConnection {
  #context: ConnectionContext<T>;
  #target: T;
  /** Where the application this connection joined keeps its channels (see `HubConnection`). */
  hubChannels: Set<string> | undefined = undefined;
  #app: App | null = null;
  #userId = "";
  /** The `private-` channels its token grants; null when its application takes no tokens. */
  #grants: ReadonlySet<string> | null = null;
  /** Commands that came while its token was being verified, handled after it. */
  #waiting: string[] | null = null;
  #closed = false;
  #tokens: number;
  #refilled = Date.now();
  // The channels this connection recovered (RECOVER), if any: their pushes are filtered.
  #positions: ChannelPositions | undefined;

  /** Creates a connection over the transport `target`; it joins the hub on a valid CONNECT. */
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
    if (!this.#takeToken()) {
      this.#context.log.verbose(`User ${JSON.stringify(this.#userId)} sent too many commands.`);
      this.close(TOO_MANY_COMMANDS);
      return;
    }
    // In order: what comes while a token is checked waits for the verdict.
    if (this.#waiting) this.#waiting.push(message);
    else this.#run(message);
  }

  #run(message: string): void {
    const command = parseCommand(message);
    switch (command.kind) {
      case "invalid":
        this.#context.log.verbose(
          `${command.reason} Ignored: ${JSON.stringify(message.slice(0, 200))}`,
        );
        return;
      case "CONNECT":
        return this.#connect(command, message);
      case "SUBSCRIBE":
      case "UNSUBSCRIBE":
        return this.#subscribe(command);
      case "RECOVER":
        return this.#recover(command);
    }
  }

  #connect(command: Extract<Command, { kind: "CONNECT" }>, message: string): void {
    const { log, hub, tokens } = this.#context;
    if (this.#app) {
      log.verbose("User already connected. CONNECT ignored.");
      return;
    }
    const app = hub.app(command.publicKey);
    const takesToken = app ? tokens?.requires(app.publicKey) === true : tokens?.any === true;
    if (command.token !== undefined && !takesToken) {
      // Without --require-token, `CONNECT u:k:x` is ignored, as in the original.
      log.verbose(`Invalid message syntax. Ignored: ${JSON.stringify(message.slice(0, 200))}`);
      return;
    }
    if (!app) return this.#refuse(INVALID_API_KEY, "api_key");
    if (!isValidUserId(command.userId, this.#context.limits.maxIdLength)) {
      log.verbose(
        `Invalid user id (${command.userId.length} characters): ${
          JSON.stringify(command.userId.slice(0, 200))
        }`,
      );
      return this.#refuse(INVALID_USER_ID, "user_id");
    }
    if (!takesToken) return this.#join(app, command.userId, null);
    if (command.token === undefined) return this.#refuse(INVALID_TOKEN, "token_missing");
    this.#verify(tokens!, app, command.userId, command.token);
  }

  /** Checks the token, then joins (or closes) and handles the commands that came meanwhile. */
  #verify(tokens: TokenPolicy, app: App, userId: string, token: string): void {
    this.#waiting = [];
    tokens.verify(app.publicKey, userId, token).then((verdict) => {
      const waiting = this.#waiting ?? [];
      this.#waiting = null;
      if (this.#closed) return;
      if (!verdict.ok) {
        this.#context.log.verbose(
          `Token refused for user ${JSON.stringify(userId.slice(0, 200))}: ${verdict.detail}`,
        );
        if (verdict.reason === "expired") return this.#refuse(TOKEN_EXPIRED, "token_expired");
        return this.#refuse(
          INVALID_TOKEN,
          verdict.reason === "user" ? "token_user" : "token_invalid",
        );
      }
      this.#join(app, userId, verdict.grants);
      for (const next of waiting) if (!this.#closed) this.#run(next);
    }).catch((error) => {
      // A bug, as SockJS's onError would meet it: this session only.
      this.#context.log.error(`Connection failed: ${(error as Error)?.stack ?? error}`, {
        event: "error",
      });
      this.close(INTERNAL_ERROR);
    });
  }

  #refuse(reason: CloseReason, label: ConnectRefusal): void {
    this.#context.refusals?.connectRefused(label);
    this.close(reason);
  }

  #join(app: App, userId: string, grants: ReadonlySet<string> | null): void {
    this.#app = app;
    this.#userId = userId;
    this.#grants = grants;
    app.register(this);
    this.#context.log.verbose(`User ${JSON.stringify(userId)} connected.`);
  }

  #subscribe(command: Extract<Command, { kind: "SUBSCRIBE" | "UNSUBSCRIBE" }>): void {
    const app = this.#app;
    if (!app) return this.close(NOT_CONNECTED);
    for (const channel of command.channels) {
      if (!isValidChannel(channel)) continue;
      if (command.kind === "UNSUBSCRIBE") {
        app.unsubscribe(this, channel);
        this.#positions?.forget(channel);
      } else if (this.#mayAdd(app, channel)) {
        app.subscribe(this, channel);
      }
    }
    this.#context.log.verbose(
      `User ${JSON.stringify(this.#userId)} ${command.kind.toLowerCase()}d: ${
        command.channels.join(":")
      }`,
    );
  }

  /**
   * Whether SUBSCRIBE or RECOVER may add `channel`: a `private-` one only when the token grants it
   * (a refusal is silent: docs/tokens.md), and within the channel limit.
   */
  #mayAdd(app: App, channel: string): boolean {
    if (this.#grants && isPrivateChannel(channel) && !this.#grants.has(channel)) {
      this.#context.refusals?.subscribeRefused();
      this.#context.log.verbose(`User ${JSON.stringify(this.#userId)} may not join ${channel}.`);
      return false;
    }
    const limit = this.#context.limits.maxChannelsPerConnection;
    return app.subscriptionsOf(this).has(channel) || app.subscriptionCount(this) < limit;
  }

  /** RECOVER: subscribes like SUBSCRIBE (same limit, same private-channel grants), then recovers. */
  #recover(request: Extract<Command, { kind: "RECOVER" }>): void {
    const app = this.#app;
    if (!app) return this.close(NOT_CONNECTED);
    const { channel } = request;
    if (!this.#mayAdd(app, channel)) return;
    const { log, history } = this.#context;
    log.verbose(`User ${JSON.stringify(this.#userId)} recovers: ${channel}`);
    // Subscribing flushes the pushes made so far: the connection gets none of them live, and its
    // live pushes from here on wait until the history is read.
    app.subscribe(this, channel);
    (this.#positions ??= new ChannelPositions()).begin(channel);
    let answer: HistoryRead | Promise<HistoryRead> | undefined;
    try {
      const query = { since: request.offset, limit: MAX_RECOVERED, maxGap: MAX_RECOVERED };
      answer = history?.(app, channel, query);
    } catch (error) {
      answer = Promise.reject(error);
    }
    if (!(answer instanceof Promise)) return this.#recovered(app, request, answer);
    answer.then((read) => this.#recovered(app, request, read), (error) => {
      this.#positions?.forget(channel);
      if (!app.has(this)) return;
      log.warn(`Cannot read the history of ${JSON.stringify(channel)}: ${error}`);
      this.close(HISTORY_UNAVAILABLE);
    });
  }

  /** Sends the verdict's pushes (or notice), then the live pushes that waited. */
  #recovered(
    app: App,
    request: Extract<Command, { kind: "RECOVER" }>,
    read: HistoryRead | undefined,
  ): void {
    const { channel } = request;
    const positions = this.#positions ??= new ChannelPositions();
    // Left meanwhile (closed, unsubscribed): nothing to send.
    if (!app.has(this) || !app.subscriptionsOf(this).has(channel)) {
      positions.forget(channel);
      return;
    }
    // No history for this application: the client cannot know what it missed.
    const epoch = read?.epoch ?? "";
    const offset = read?.offset ?? 0;
    const entries = read ? recoveredEntries(request, read) : null;
    this.#context.recovered?.(entries !== null);
    const { link } = this.#context;
    if (entries === null) link.deliver(this.#target, notRecoveredMessage(channel, epoch, offset));
    else if (entries.length > 0) {
      link.deliver(this.#target, historyMessage(channel, epoch, entries));
    }
    for (const message of positions.finish(channel, epoch, offset)) {
      link.deliver(this.#target, message);
    }
    if (read === undefined) positions.forget(channel);
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
