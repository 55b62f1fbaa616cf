/**
 * The Redis broker: many server processes share channels, users and presence through Redis. Each
 * node mirrors its connection counts into hashes under its node id (`redis_keys.ts`), publishes
 * on pub/sub, and answers 503 when Redis is away or hangs; docs/scaling.md tells the design.
 *
 * @module
 */

import type { App, AppObserver, Hub } from "../hub/hub.ts";
import { Message } from "../hub/message.ts";
import type { Logger } from "../log.ts";
import { type Broker, BrokerUnavailableError } from "./broker.ts";
import {
  cleanupLockKey,
  hasNodeUserFields,
  keysFor,
  nodeKeysKey,
  NODES_KEY,
  nodeUserField,
  parseNodeUserField,
} from "./redis_keys.ts";
import { removeNodeEntries, type Target, writeSnapshot } from "./redis_presence.ts";
import { Echoes, historyKeys } from "./redis_history.ts";
import { type BrokerClient, createRedisClient, SCRIPTS, within } from "./redis_client.ts";
import {
  type HistoryPolicies,
  type HistoryPolicy,
  type HistoryQuery,
  type HistoryRead,
  policyOf,
} from "../history/history.ts";
import { RedisHealth } from "./redis_health.ts";
import { RedisStats } from "./redis_stats.ts";

/** Settings of the Redis broker. */
export interface RedisBrokerOptions {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://` for TLS). */
  readonly url: string;
  /** Milliseconds after which a node that stopped renewing drops out of presence (15,000). */
  readonly presenceTtl?: number;
  /** Where to log connection changes. */
  readonly logger?: Logger;
  /** Milliseconds Redis may take to answer (3,000): past it an API call answers 503. */
  readonly timeout?: number;
  /** The applications that keep history, and how much (see `redis_history.ts`). */
  readonly history?: HistoryPolicies;
}

/** The most commands one connection keeps waiting for Redis; more are refused (503). */
const QUEUE_LIMIT = 100_000;

/** The state of one API call: its deadline, and whether it was given up on. */
interface Call {
  readonly deadline: number;
  expired: boolean;
}

// `n` and `e`: the offset and epoch of a channel push with history.
type Envelope = { o: string; p?: string; l?: 1; n?: number; e?: string };

/** A broker that shares channels, users and presence between nodes through Redis. */
export class RedisBroker implements Broker, AppObserver {
  /** This node's id. */
  readonly nodeId: string;
  /** Cluster-wide figures and this node's reports, for the stats endpoint. */
  readonly cluster: RedisStats;
  #hub: Hub;
  #ttl: number;
  #log: Logger | undefined;
  #timeout: number;
  #health: RedisHealth;
  #client: BrokerClient;
  #subscriber: BrokerClient;
  #synced = false;
  #dirty = false;
  #closed = false;
  #syncing: Promise<void> | null = null;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #live = new Map<string, number>(); // node -> expiry (ms)
  #topics = new Set<string>(); // pub/sub channels subscribed at Redis
  #subscribing = new Map<string, Promise<unknown>>(); // SUBSCRIBEs not yet confirmed
  #echoes = new Echoes(); // publishes with history waiting for their delivery here
  #history: HistoryPolicies | undefined;
  #deltas = new Map<string, Map<string, number>>(); // key -> field -> delta, not yet written
  #flushQueued = false;

  /** Creates the broker for `hub` and starts connecting in the background. */
  constructor(hub: Hub, options: RedisBrokerOptions) {
    this.#hub = hub;
    this.#ttl = options.presenceTtl ?? 15_000;
    this.#log = options.logger;
    this.nodeId = crypto.randomUUID();
    this.#timeout = options.timeout ?? 3_000;
    this.#history = options.history;
    this.#client = createRedisClient(options.url, this.#timeout, SCRIPTS, QUEUE_LIMIT);
    this.#health = new RedisHealth({
      timeout: this.#timeout,
      url: options.url,
      logger: this.#log,
      client: this.#client,
      onDown: () => this.#unsync(),
      onAnswer: () => {
        if (!this.#synced) this.#resync();
      },
    });
    this.#subscriber = this.#client.duplicate();
    this.cluster = new RedisStats({
      nodeId: this.nodeId,
      ready: () => this.ready,
      client: this.#client,
      read: (send) => this.#call((call) => this.#command(() => send(this.#client), call)),
      remote: (key) => this.#call((call) => this.#remote(key, call)),
    });
    for (
      const [name, client] of [["commands", this.#client], ["pub/sub", this.#subscriber]] as const
    ) {
      client.on("error", (error: Error) => this.#lost(name, error));
      client.on("ready", () => this.#resync());
    }
    for (const app of hub.apps()) app.observe(this);
    this.#client.connect().catch(() => {});
    this.#subscriber.connect().catch(() => {});
  }

  /** Whether both connections are up, Redis answers, and this node's presence is written. */
  get ready(): boolean {
    return this.#synced && !this.#health.down && this.#client.isReady && this.#subscriber.isReady;
  }

  /** Resolves once the broker is ready, or rejects after `timeoutMs`. */
  async whenReady(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ready) {
      if (this.#closed || Date.now() > deadline) throw new BrokerUnavailableError();
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  // --- Broker ---------------------------------------------------------------------------------

  /** Publishes to a channel on every node; the count adds up the live nodes' connections. */
  publishToChannel(app: App, channel: string, payload: string): Promise<number> {
    const keys = keysFor(app.publicKey);
    const policy = policyOf(this.#history, app.publicKey);
    return this.#call(async (call) => {
      if (policy) return await this.#publishKept(app, channel, payload, policy, call);
      const topic = keys.channelTopic(channel);
      const envelope = { o: this.nodeId, p: payload };
      const remote = await this.#publish(topic, keys.channelCounts(channel), envelope, call);
      return remote + app.publishToChannel(channel, payload);
    });
  }

  /** Publishes to a user on every node. */
  publishToUser(app: App, userId: string, payload: string): Promise<number> {
    const keys = keysFor(app.publicKey);
    return this.#call(async (call) => {
      const topic = keys.userTopic(userId);
      const envelope = { o: this.nodeId, p: payload };
      const remote = await this.#publish(topic, keys.userCounts(userId), envelope, call);
      return remote + app.publishToUser(userId, payload);
    });
  }

  /**
   * Reads a channel's history in Redis, once this node's subscription to the channel's pushes
   * (if it has one) is in place: what the read misses comes live, and nothing falls between.
   */
  readHistory(
    app: App,
    channel: string,
    query: HistoryQuery,
  ): Promise<HistoryRead> | undefined {
    const policy = policyOf(this.#history, app.publicKey);
    if (!policy) return undefined;
    const topic = keysFor(app.publicKey).channelTopic(channel);
    return this.#call(async (call) => {
      await this.#subscribed(topic, call);
      return await this.#client.historyRead(historyKeys(app.publicKey, channel), query, policy);
    });
  }

  /** Closes the user's connections on every node. */
  logout(app: App, userId: string): Promise<void> {
    const keys = keysFor(app.publicKey);
    return this.#call(async (call) => {
      const envelope = { o: this.nodeId, l: 1 } as const;
      await this.#publish(keys.userTopic(userId), keys.userCounts(userId), envelope, call);
      app.logout(userId);
    });
  }

  /** Distinct users over all live nodes (those the stats count). */
  async userCount(app: App): Promise<number> {
    return (await this.cluster.onlineUsers(app)).size;
  }

  /** Whether the user has a connection on any live node. */
  isOnline(app: App, userId: string): Promise<boolean> {
    return this.#call(async (call) => {
      const remote = await this.#hash(keysFor(app.publicKey).userCounts(userId), call);
      return app.isOnline(userId) || this.#sumRemote(remote) > 0;
    });
  }

  /** The channel's users on every live node: this node's first, in subscription order. */
  channelUsers(app: App, channel: string): Promise<string[]> {
    return this.#call(async (call) => {
      const remote = await this.#remote(keysFor(app.publicKey).channelUsers(channel), call);
      const users = new Set(app.channelUsers(channel));
      for (const [user] of remote) users.add(user);
      return [...users];
    });
  }

  /** Removes this node's presence and disconnects. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#echoes.releaseAll();
    clearInterval(this.#heartbeat);
    this.#health.stop();
    for (const app of this.#hub.apps()) app.observe(null);
    // Gracefully only while Redis answers, and within the timeout: a hung Redis must not hold
    // the stop (the others drop this node after the presence TTL).
    if (this.ready) {
      await within(this.#timeout, async () => {
        await removeNodeEntries(this.#client, this.nodeId);
        await this.#client.zRem(NODES_KEY, this.nodeId);
        await this.cluster.leave();
      });
    }
    await within(
      this.#timeout,
      () => Promise.all([this.#client.close(), this.#subscriber.close()]),
    );
    this.#client.destroy();
    this.#subscriber.destroy();
  }

  // --- AppObserver: mirror local changes ------------------------------------------------------

  /** A local connection of `userId` registered. */
  registered(app: App, userId: string): void {
    const keys = keysFor(app.publicKey);
    this.#add(keys.userCounts(userId), this.nodeId, 1);
    this.#add(keys.users, nodeUserField(this.nodeId, userId), 1);
    if (app.connectionCountOf(userId) === 1) {
      this.#listen(keys.userTopic(userId), { app, user: userId });
    }
  }

  /** A local connection of `userId` left. */
  unregistered(app: App, userId: string): void {
    const keys = keysFor(app.publicKey);
    this.#add(keys.userCounts(userId), this.nodeId, -1);
    this.#add(keys.users, nodeUserField(this.nodeId, userId), -1);
    if (!app.isOnline(userId)) this.#listen(keys.userTopic(userId), null);
  }

  /** A local connection joined a channel. */
  subscribed(app: App, channel: string, userId: string): void {
    const keys = keysFor(app.publicKey);
    this.#add(keys.channelCounts(channel), this.nodeId, 1);
    this.#add(keys.channelUsers(channel), nodeUserField(this.nodeId, userId), 1);
    this.#add(keys.channels, nodeUserField(this.nodeId, channel), 1);
    if (app.channelSize(channel) === 1) this.#listen(keys.channelTopic(channel), { app, channel });
  }

  /** A local connection left a channel. */
  unsubscribed(app: App, channel: string, userId: string): void {
    const keys = keysFor(app.publicKey);
    this.#add(keys.channelCounts(channel), this.nodeId, -1);
    this.#add(keys.channelUsers(channel), nodeUserField(this.nodeId, userId), -1);
    this.#add(keys.channels, nodeUserField(this.nodeId, channel), -1);
    if (app.channelSize(channel) === 0) this.#listen(keys.channelTopic(channel), null);
  }

  // --- Internals -------------------------------------------------------------------------------

  /**
   * Runs the Redis part of an API call: refused at once (503) while the broker is not ready, and
   * given up on (503, Redis counted as away) when it is not done within the timeout. The work
   * checks `call.expired` before it delivers locally, so a call given up on has no effect here.
   */
  async #call<T>(work: (call: Call) => Promise<T>): Promise<T> {
    if (!this.ready) throw new BrokerUnavailableError();
    const call: Call = { deadline: Date.now() + this.#timeout, expired: false };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        call.expired = true;
        reject(new Error(`no answer within ${this.#timeout} ms`));
      }, this.#timeout);
    });
    try {
      // The work's own late failure is handled by the race (which has settled by then).
      return await Promise.race([work(call), late]);
    } catch (error) {
      if (call.expired) this.#health.failed(error);
      throw error instanceof BrokerUnavailableError ? error : new BrokerUnavailableError(error);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends the commands of an API call; fails when the call was given up on. */
  async #command<T>(send: () => Promise<T>, call: Call): Promise<T> {
    if (call.expired) throw new BrokerUnavailableError();
    const reply = await send();
    if (call.expired) throw new BrokerUnavailableError();
    return reply;
  }

  /**
   * A presence hash. When it names a node this node does not know yet (it registered since the
   * last renewal), the list of live nodes is read again.
   */
  async #hash(key: string, call: Call): Promise<Record<string, string>> {
    const hash = await this.#command(() => this.#client.hGetAll(key), call);
    const nodeUserFields = hasNodeUserFields(key);
    for (const field of Object.keys(hash)) {
      if (!this.#live.has(nodeUserFields ? parseNodeUserField(field).node : field)) {
        await this.#readLive();
        if (call.expired) throw new BrokerUnavailableError();
        break;
      }
    }
    return hash;
  }

  /** The other live nodes' `[name, count]` entries (count above 0) in the `node|name` hash `key`. */
  async #remote(key: string, call: Call): Promise<[string, number][]> {
    const entries: [string, number][] = [];
    for (const [field, value] of Object.entries(await this.#hash(key, call))) {
      const { node, user: name } = parseNodeUserField(field);
      const count = Number(value);
      if (name !== undefined && node !== this.nodeId && this.#isLive(node) && count > 0) {
        entries.push([name, count]);
      }
    }
    return entries;
  }

  /** Waits until this node's subscription to `topic`, if it has one, is in place at Redis. */
  async #subscribed(topic: string, call: Call): Promise<void> {
    await this.#subscribing.get(topic);
    if (call.expired) throw new BrokerUnavailableError();
  }

  /**
   * Publishes `envelope` on `topic` in one script call, which also answers the other live nodes'
   * count in `counts` (a `node -> count` hash).
   */
  async #publish(topic: string, counts: string, envelope: Envelope, call: Call): Promise<number> {
    const remote = await this.#command(() =>
      this.#client.countedPublish({
        counts,
        deadline: this.#health.redisDeadline(call.deadline),
        nodeId: this.nodeId,
        topic,
        message: JSON.stringify(envelope),
      }), call);
    // null: Redis ran it after the deadline and did not publish.
    if (remote === null) throw new BrokerUnavailableError();
    return remote;
  }

  /**
   * Publishes a push with history (`redis_history.ts`) and answers how many connections it goes
   * to. This node delivers it as the others do, when Redis sends it back on the channel's
   * subscription: so every node delivers a channel's pushes in the order of their offsets, its
   * own among the others'. The answer waits for that delivery (a poll after it sees the push).
   */
  async #publishKept(
    app: App,
    channel: string,
    payload: string,
    policy: HistoryPolicy,
    call: Call,
  ): Promise<number> {
    const keys = keysFor(app.publicKey);
    const topic = keys.channelTopic(channel);
    await this.#subscribed(topic, call);
    const published = await this.#client.historyPublish({
      keys: historyKeys(app.publicKey, channel),
      topic,
      counts: keys.channelCounts(channel),
      nodeId: this.nodeId,
      payload,
      policy,
      deadline: this.#health.redisDeadline(call.deadline),
    });
    if (published === null || call.expired) throw new BrokerUnavailableError();
    const local = app.channelSize(channel);
    if (local > 0 && this.#topics.has(topic)) {
      await this.#echoes.wait(topic, published.position.offset);
    }
    return published.remote + local;
  }

  #isLive(node: string): boolean {
    return (this.#live.get(node) ?? 0) > Date.now();
  }

  /** Adds up the counts of the other live nodes in a `node -> count` hash. */
  #sumRemote(hash: Record<string, string>): number {
    let sum = 0;
    for (const [node, count] of Object.entries(hash)) {
      if (node !== this.nodeId && this.#isLive(node)) sum += Number(count);
    }
    return sum;
  }

  #add(key: string, field: string, delta: number): void {
    if (!this.#synced) {
      this.#dirty = true; // written in full by the (next) resync
      return;
    }
    let fields = this.#deltas.get(key);
    if (!fields) this.#deltas.set(key, fields = new Map());
    fields.set(field, (fields.get(field) ?? 0) + delta);
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      queueMicrotask(() => this.#flush());
    }
  }

  #flush(): void {
    this.#flushQueued = false;
    const deltas = this.#deltas;
    this.#deltas = new Map();
    const nodeKeys = nodeKeysKey(this.nodeId);
    for (const [key, fields] of deltas) {
      for (const [field, delta] of fields) {
        if (delta === 0) continue;
        this.#client.incrCount(key, nodeKeys, field, delta)
          .catch((error: unknown) => this.#lost("commands", error));
      }
    }
  }

  /** Subscribes to a pub/sub channel for `target` (null: leaves it); a resync catches up. */
  #listen(topic: string, target: Target | null): void {
    if (!this.#synced || !this.#subscriber.isReady) {
      this.#dirty = true;
      return;
    }
    if (target && !this.#topics.has(topic)) {
      const subscribed = this.#subscribe(topic, target)
        .catch((error: unknown) => this.#lost("pub/sub", error))
        .finally(() => {
          if (this.#subscribing.get(topic) === subscribed) this.#subscribing.delete(topic);
        });
      this.#subscribing.set(topic, subscribed);
    } else if (!target && this.#topics.delete(topic)) {
      this.#echoes.release(topic);
      this.#subscriber.unsubscribe(topic).catch((error: unknown) => this.#lost("pub/sub", error));
    }
  }

  #subscribe(topic: string, target: Target): Promise<void> {
    this.#topics.add(topic);
    return this.#subscriber.subscribe(topic, (text: string) => this.#receive(topic, target, text));
  }

  #receive(topic: string, target: Target, text: string): void {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(text);
    } catch {
      return;
    }
    // This node's own pushes are delivered when published, but those with history as they come.
    if (envelope.o === this.nodeId && envelope.n === undefined) return;
    const { app } = target;
    const { p: payload, n: offset, e: epoch } = envelope;
    if ("user" in target) {
      if (envelope.l) app.logout(target.user);
      else if (payload !== undefined) app.deliverToUser(target.user, Message.forUser(payload));
    } else if (payload !== undefined) {
      const position = typeof offset === "number" && typeof epoch === "string"
        ? { offset, epoch }
        : undefined;
      app.deliverToChannel(target.channel, Message.forChannel(payload, target.channel, position));
      if (position) this.#echoes.arrived(topic, position.offset);
    }
  }

  /** A command or a connection failed: out of service until a resync (logged once). */
  #lost(name: string, error: unknown): void {
    if (this.#closed) return;
    this.#health.failed(error, `${name} connection: `);
    this.#unsync();
  }

  /** Stops mirroring changes: they are written in full by the next resync. */
  #unsync(): void {
    this.#synced = false;
    this.#echoes.releaseAll();
    this.#deltas.clear();
  }

  /** On (re)connection: write this node's whole presence and pub/sub interest again. */
  #resync(): void {
    if (this.#closed || !this.#client.isReady || !this.#subscriber.isReady) return;
    this.#syncing ??= this.#writeAll().then(
      () => {
        this.#syncing = null;
        if (this.#closed) return;
        this.#health.up();
        this.#log?.info(`Redis broker ready (node ${this.nodeId}).`);
      },
      (error) => {
        this.#syncing = null;
        this.#lost("commands", error);
        if (!this.#closed) setTimeout(() => this.#resync(), 500);
      },
    );
  }

  async #writeAll(): Promise<void> {
    await this.#health.probe(); // Redis's clock, for the deadlines of publishes
    do {
      this.#synced = false;
      this.#dirty = false;
      await this.#renew();
      await removeNodeEntries(this.#client, this.nodeId);
      const wanted = await writeSnapshot(this.#client, this.#hub, this.nodeId);
      // Pub/sub: node-redis resubscribes what it had; add and drop the difference.
      for (const topic of [...this.#topics]) {
        if (!wanted.has(topic)) {
          this.#topics.delete(topic);
          await this.#subscriber.unsubscribe(topic);
        }
      }
      for (const [topic, target] of wanted) {
        if (!this.#topics.has(topic)) await this.#subscribe(topic, target);
      }
      // Changes made while the snapshot was written were not mirrored: write it again.
    } while (this.#dirty);
    this.#synced = true;
    clearInterval(this.#heartbeat);
    this.#heartbeat = setInterval(() => this.#beat(), Math.max(50, Math.floor(this.#ttl / 5)));
  }

  /** Renews this node's registration and reads who else is alive. */
  async #renew(): Promise<void> {
    // Pipelined (one round trip): Redis runs them in order.
    const expiry = Date.now() + this.#ttl;
    await Promise.all([
      this.#client.zAdd(NODES_KEY, { score: expiry, value: this.nodeId }),
      this.#readLive(),
    ]);
  }

  /** Reads the live nodes and their expiry times. */
  async #readLive(): Promise<void> {
    const nodes = await this.#client.zRangeWithScores(NODES_KEY, "-inf", "+inf", { BY: "SCORE" });
    this.#live.clear();
    for (const { value, score } of nodes) this.#live.set(value, score);
  }

  async #beat(): Promise<void> {
    if (!this.ready) return;
    try {
      await this.#renew();
      // Another node took this one for dead (Redis hung longer than the TTL) and removed its
      // entries, the last of them its list of keys: write them again.
      const present = [...this.#hub.apps()].some((app) => app.userCount > 0);
      if (present && await this.#client.exists(nodeKeysKey(this.nodeId)) === 0) {
        this.#log?.warn("This node's presence was removed by another node; writing it again.");
        this.#unsync();
        this.#resync();
        return;
      }
      const now = Date.now();
      for (const [node, expiry] of this.#live) {
        if (expiry > now || node === this.nodeId) continue;
        // Dead: one survivor removes its entries.
        const locked = await this.#client.set(cleanupLockKey(node), this.nodeId, {
          condition: "NX",
          expiration: { type: "PX", value: this.#ttl },
        });
        if (locked === null) continue;
        await removeNodeEntries(this.#client, node);
        await this.#client.zRem(NODES_KEY, node);
        this.#log?.info(`Removed the presence of dead node ${node}.`);
      }
    } catch (error) {
      this.#lost("commands", error);
    }
  }
}
