/**
 * The hub: which connections are online, as which user, in which channels, per application. Every
 * operation costs O(1) or O(subscribers); a user or channel with no connections is removed at once.
 *
 * @module
 */

import { Message } from "./message.ts";
import { Outbox, type Run } from "./outbox.ts";

/** Why a connection is closed, as the transport sends it (the shape of SockJS's `CloseReason`). */
export interface HubCloseReason {
  /** The numeric code. */
  readonly code: number;
  /** The human-readable reason. */
  readonly reason: string;
}

/** What `App.logout()` closes with unless the hub is told otherwise: SockJS's "Go away!". */
const DEFAULT_LOGOUT: HubCloseReason = { code: 3000, reason: "Go away!" };

/** A connection as the hub sees it: a user id and a way to deliver and to close. */
export interface HubConnection {
  /** The user id the client asserted in CONNECT. */
  readonly userId: string;
  /** Delivers one push, or several pushes in a row (one frame). */
  deliver(message: Message): void;
  /** Closes the connection with a close frame. */
  close(reason: HubCloseReason): void;
  /** Whether the connection's session is still open (for invariant checks). */
  readonly isOpen?: boolean;
  /**
   * The connection's channels, written only by the one application it is registered in (a field
   * costs less than a map entry per connection); undefined while registered nowhere.
   */
  hubChannels?: Set<string> | undefined;
}

/** Told of every change to an application's index (a cluster broker mirrors it); must not throw. */
export interface AppObserver {
  /** A connection of `userId` was registered. */
  registered(app: App, userId: string): void;
  /** A connection of `userId` was unregistered (after leaving its channels). */
  unregistered(app: App, userId: string): void;
  /** A connection of `userId` joined `channel`. */
  subscribed(app: App, channel: string, userId: string): void;
  /** A connection of `userId` left `channel`. */
  unsubscribed(app: App, channel: string, userId: string): void;
}

/**
 * Told when a user or channel gets its first local connection (`present` true) or loses its last
 * (the webhooks listen here). Called synchronously; must not throw.
 */
export type PresenceHook = (
  app: App,
  kind: "user" | "channel",
  key: string,
  present: boolean,
) => void;

/** A channel's local connections, with the channel's name. */
class Subscribers extends Set<HubConnection> {
  /** The channel's name, shared by its subscribers' lists of channels. */
  readonly channel: string;

  constructor(channel: string) {
    super();
    this.channel = channel;
  }
}

/** The connections of one application, indexed by user and by channel. */
export class App {
  /** The public key browsers use in CONNECT and applications in API URLs. */
  readonly publicKey: string;
  /** The secret the HTTP API expects in `X-Thunder-Secret-Key`. */
  readonly secret: string;
  #users = new Map<string, Set<HubConnection>>();
  #channels = new Map<string, Subscribers>();
  #connectionCount = 0;
  /** Pushes this node's API accepted for the application (to a channel or a user); for stats. */
  published = 0;
  /** Pushes handed to this node's connections, one per connection reached; for stats. */
  delivered = 0;
  #observer: AppObserver | null = null;
  #presence: PresenceHook | null = null;
  #outbox = new Outbox((run) => this.#deliverRun(run));
  #logoutReason: HubCloseReason;

  /** Creates an empty application index; `logout()` closes connections with `logoutReason`. */
  constructor(publicKey: string, secret: string, logoutReason: HubCloseReason = DEFAULT_LOGOUT) {
    this.publicKey = publicKey;
    this.secret = secret;
    this.#logoutReason = logoutReason;
  }

  /** Sets (or clears) the observer of this index. */
  observe(observer: AppObserver | null): void {
    this.#observer = observer;
  }

  /** Sets (or clears) the hook told about local presence changes. */
  watchPresence(hook: PresenceHook | null): void {
    this.#presence = hook;
  }

  /** The user ids with at least one local connection. */
  users(): IterableIterator<string> {
    return this.#users.keys();
  }

  /** Every registered connection, user by user. */
  *connections(): IterableIterator<HubConnection> {
    for (const conns of this.#users.values()) yield* conns;
  }

  /** The channels with at least one local subscriber. */
  channels(): IterableIterator<string> {
    return this.#channels.keys();
  }

  /** The local connections in a channel. */
  channelConnections(channel: string): ReadonlySet<HubConnection> {
    return this.#channels.get(channel) ?? new Set();
  }

  /** The number of local connections in a channel. */
  channelSize(channel: string): number {
    return this.#channels.get(channel)?.size ?? 0;
  }

  /** Number of distinct user ids with at least one connection. */
  get userCount(): number {
    this.flush();
    return this.#users.size;
  }

  /** Number of registered connections. */
  get connectionCount(): number {
    return this.#connectionCount;
  }

  /** Number of channels with at least one subscriber. */
  get channelCount(): number {
    return this.#channels.size;
  }

  /** Whether a connection is registered. */
  has(conn: HubConnection): boolean {
    return this.#users.get(conn.userId)?.has(conn) ?? false;
  }

  /**
   * Registers a connection under its user id. Registering twice changes nothing.
   *
   * @throws {Error} when the connection is registered in another application.
   */
  register(conn: HubConnection): void {
    if (this.has(conn)) return;
    if (conn.hubChannels !== undefined) {
      throw new Error("The connection is registered in another application.");
    }
    this.flush();
    conn.hubChannels = new Set();
    this.#connectionCount++;
    let conns = this.#users.get(conn.userId);
    if (!conns) this.#users.set(conn.userId, conns = new Set());
    conns.add(conn);
    this.#observer?.registered(this, conn.userId);
    if (conns.size === 1) this.#presence?.(this, "user", conn.userId, true);
  }

  /** Removes a connection from its user and every channel. Unknown connections are ignored. */
  unregister(conn: HubConnection): void {
    if (!this.has(conn)) return;
    this.flush();
    for (const channel of conn.hubChannels ?? []) this.#leave(conn, channel);
    conn.hubChannels = undefined;
    this.#connectionCount--;
    const conns = this.#users.get(conn.userId);
    conns?.delete(conn);
    if (conns?.size === 0) this.#users.delete(conn.userId);
    this.#observer?.unregistered(this, conn.userId);
    if (this.#presence && !this.#users.has(conn.userId)) {
      this.#presence(this, "user", conn.userId, false);
    }
  }

  /**
   * Subscribes a registered connection to a channel. A connection is in a channel at most once.
   * Returns false for connections that are not registered.
   */
  subscribe(conn: HubConnection, channel: string): boolean {
    const channels = conn.hubChannels;
    if (!channels || !this.has(conn)) return false;
    if (channels.has(channel)) return true;
    this.flush();
    let conns = this.#channels.get(channel);
    if (!conns) this.#channels.set(channel, conns = new Subscribers(channel));
    // The channel's own name, not the client's copy of it: one string for all its subscribers.
    channels.add(conns.channel);
    conns.add(conn);
    this.#observer?.subscribed(this, channel, conn.userId);
    if (conns.size === 1) this.#presence?.(this, "channel", conns.channel, true);
    return true;
  }

  /** Unsubscribes a connection from a channel; other subscribers stay. */
  unsubscribe(conn: HubConnection, channel: string): void {
    const channels = conn.hubChannels;
    if (!channels || !this.has(conn) || !channels.has(channel)) return;
    this.flush();
    channels.delete(channel);
    this.#leave(conn, channel);
  }

  /** The channels a connection is subscribed to. */
  subscriptionsOf(conn: HubConnection): ReadonlySet<string> {
    return (this.has(conn) && conn.hubChannels) || new Set();
  }

  /** The number of channels a connection is subscribed to. */
  subscriptionCount(conn: HubConnection): number {
    return this.has(conn) ? conn.hubChannels?.size ?? 0 : 0;
  }

  /** Whether the user has at least one connection. */
  isOnline(userId: string): boolean {
    this.flush(); // what a reader sees reflects every push made
    return this.#users.has(userId);
  }

  /** The connections of a user (empty when offline). */
  connectionsOf(userId: string): ReadonlySet<HubConnection> {
    return this.#users.get(userId) ?? new Set();
  }

  /** The number of connections of a user (0 when offline). */
  connectionCountOf(userId: string): number {
    return this.#users.get(userId)?.size ?? 0;
  }

  /** Each user id in the channel once, in the order of their first subscription. */
  channelUsers(channel: string): string[] {
    this.flush(); // what a reader sees reflects every push made
    const conns = this.#channels.get(channel);
    if (!conns) return [];
    const users = new Set<string>();
    for (const conn of conns) users.add(conn.userId);
    return [...users];
  }

  /** Sends a payload to every connection in a channel (via the outbox); returns how many. */
  publishToChannel(channel: string, payload: string): number {
    this.published++;
    if (!this.#channels.has(channel)) return 0;
    return this.deliverToChannel(channel, Message.forChannel(payload, channel));
  }

  /** Sends a payload to every connection of a user. Returns the number of connections. */
  publishToUser(userId: string, payload: string): number {
    this.published++;
    if (!this.#users.has(userId)) return 0;
    return this.deliverToUser(userId, Message.forUser(payload));
  }

  /** Delivers an encoded message to the channel's local connections; returns how many. */
  deliverToChannel(channel: string, message: Message): number {
    const conns = this.#channels.get(channel);
    if (!conns) return 0;
    this.#outbox.add("channel", channel, message);
    return conns.size;
  }

  /** Delivers an encoded message to the user's local connections; returns how many. */
  deliverToUser(userId: string, message: Message): number {
    const conns = this.#users.get(userId);
    if (conns === undefined) return 0;
    this.#outbox.add("user", userId, message);
    return conns.size;
  }

  /**
   * Sends the pushes waiting in the outbox now. Every change to the index flushes first, so a push
   * reaches the connections targeted when it was made; presence reads flush too, so they reflect
   * what the pushes did (one that overflowed a session's queue closed it).
   */
  flush(): void {
    this.#outbox.flush();
  }

  /** Closes every connection of a user with the logout reason; returns how many. */
  logout(userId: string): number {
    const conns = this.#users.get(userId);
    if (conns === undefined) return 0;
    this.flush();
    const targets = [...conns];
    for (const conn of targets) {
      this.unregister(conn);
      conn.close(this.#logoutReason);
    }
    return targets.length;
  }

  #deliverRun(run: Run): void {
    const conns = run.target === "channel" ? this.#channels.get(run.key) : this.#users.get(run.key);
    if (conns === undefined) return;
    const message = Message.join(run.messages);
    this.delivered += message.size * conns.size;
    // A delivery may close a connection, removing it from the set: Set iteration tolerates that.
    for (const conn of conns) conn.deliver(message);
  }

  #leave(conn: HubConnection, channel: string): void {
    const conns = this.#channels.get(channel);
    if (!conns) return;
    conns.delete(conn);
    if (conns.size === 0) this.#channels.delete(channel);
    this.#observer?.unsubscribed(this, channel, conn.userId);
    if (conns.size === 0) this.#presence?.(this, "channel", conns.channel, false);
  }
}

/** Settings of a hub. */
export interface HubOptions {
  /** What `App.logout()` closes connections with (default: SockJS's 3000 "Go away!"). */
  readonly logoutReason?: HubCloseReason;
}

/** Every application the server serves, by public key. */
export class Hub {
  #apps = new Map<string, App>();
  #options: HubOptions;

  /** Creates a hub serving the given key pairs. */
  constructor(
    apps: Iterable<{ publicKey: string; secret: string }> = [],
    options: HubOptions = {},
  ) {
    this.#options = options;
    for (const { publicKey, secret } of apps) this.add(publicKey, secret);
  }

  /** Adds an application. Throws when the public key is taken. */
  add(publicKey: string, secret: string): App {
    if (this.#apps.has(publicKey)) throw new Error(`Duplicate public key: ${publicKey}`);
    const app = new App(publicKey, secret, this.#options.logoutReason);
    this.#apps.set(publicKey, app);
    return app;
  }

  /** The application with this public key, if any. */
  app(publicKey: string): App | undefined {
    return this.#apps.get(publicKey);
  }

  /** All applications. */
  apps(): IterableIterator<App> {
    return this.#apps.values();
  }

  /** Sends every application's waiting pushes now (see `App.flush`). */
  flush(): void {
    for (const app of this.#apps.values()) app.flush();
  }
}
