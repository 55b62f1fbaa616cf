/**
 * The presence ledger of a cluster: presence for webhooks is kept in Redis by node, so that events
 * follow cluster-wide presence and each is sent once, by one node (`redis_scripts.ts` has the keys
 * and the scripts, docs/webhooks.md the design). A change marks a user or channel, and what is
 * written is the hub's state when the write goes out; after an outage the node writes all again.
 *
 * @module
 */

import type { App } from "../hub/hub.ts";
import type { Logger } from "../log.ts";
import {
  createRedisClient,
  describeError,
  type RedisConnection,
  within,
} from "../broker/redis_client.ts";
import {
  type LedgerContext,
  presenceEvent,
  type PresenceKind,
  type PresenceLedger,
} from "./events.ts";
import {
  memberOf,
  nodeSetKey,
  parseMember,
  WEBHOOK_SCRIPTS,
  webhookKeys,
} from "./redis_scripts.ts";

/** Settings of the Redis ledger. */
export interface RedisLedgerOptions {
  /** `redis://...` (or `rediss://`). */
  readonly url: string;
  /** Milliseconds after which a node that stopped renewing is swept (15,000). */
  readonly presenceTtl?: number;
  /** Milliseconds Redis may take to connect, and closing may wait (3,000). */
  readonly timeout?: number;
  /** Where to log losing and finding Redis. */
  readonly logger?: Logger;
}

/** Most entries one sweep takes, and most removals it claims. */
const SWEEP_LIMIT = 500;

type Touched = Map<string, { kind: PresenceKind; key: string }>;

/** Presence events over every node of a cluster. */
export class RedisLedger implements PresenceLedger {
  #node = crypto.randomUUID();
  #context: LedgerContext;
  #client: RedisConnection<typeof WEBHOOK_SCRIPTS>;
  #log: Logger | undefined;
  #ttl: number;
  #timeout: number;
  #touched = new Map<App, Touched>();
  #flushQueued = false;
  #needsReconcile = true;
  #lost = false;
  #closed = false;
  #busy = new Set<Promise<unknown>>();
  #beatTimer: ReturnType<typeof setInterval>;
  #sweepTimer: ReturnType<typeof setInterval>;

  /** Creates the ledger and starts connecting in the background. */
  constructor(context: LedgerContext, options: RedisLedgerOptions) {
    this.#context = context;
    this.#log = options.logger;
    this.#ttl = options.presenceTtl ?? 15_000;
    this.#timeout = options.timeout ?? 3_000;
    this.#client = createRedisClient(options.url, this.#timeout, WEBHOOK_SCRIPTS);
    this.#client.on("error", (error: Error) => this.#failed(error));
    this.#client.on("ready", () => {
      this.#needsReconcile = true;
      this.#beat();
    });
    this.#client.connect().catch(() => {});
    this.#beatTimer = setInterval(() => this.#beat(), Math.max(50, Math.floor(this.#ttl / 5)));
    const sweepEvery = Math.min(500, Math.max(50, Math.floor(context.graceMs / 4)));
    this.#sweepTimer = setInterval(() => this.#sweep(), sweepEvery);
  }

  /** Marks a user or channel to be written (with the hub's state when the write goes out). */
  change(app: App, kind: PresenceKind, key: string): void {
    if (this.#closed) return;
    let touched = this.#touched.get(app);
    if (!touched) this.#touched.set(app, touched = new Map());
    touched.set(memberOf(kind, key), { kind, key });
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      queueMicrotask(() => this.#flush());
    }
  }

  /**
   * Writes the last changes (the closed sessions), leaves the cluster's webhook presence, and
   * disconnects; this node's pending removals are claimed by the other nodes (or the next one
   * to start). Safe to call twice.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#flush();
    this.#closed = true;
    clearInterval(this.#beatTimer);
    clearInterval(this.#sweepTimer);
    await within(this.#timeout, async () => {
      await Promise.all(this.#busy);
      if (!this.#client.isReady) return;
      for (const app of this.#context.apps) {
        await this.#client.presenceLeave(webhookKeys(app.publicKey), this.#node);
      }
    });
    await within(this.#timeout, () => this.#client.close());
    this.#client.destroy();
  }

  /** Writes every marked user and channel as the hub has it now. */
  #flush(): void {
    this.#flushQueued = false;
    const all = this.#touched;
    this.#touched = new Map();
    if (this.#closed) return;
    if (!this.#client.isReady) {
      if (all.size > 0) this.#needsReconcile = true; // written in full once Redis is back
      return;
    }
    const { graceMs } = this.#context;
    const node = this.#node;
    for (const [app, touched] of all) {
      const keys = webhookKeys(app.publicKey);
      for (const [member, { kind, key }] of touched) {
        const present = kind === "user" ? app.connectionCountOf(key) > 0 : app.channelSize(key) > 0;
        this.#run(async () => {
          const reply = await this.#client.presenceChange(keys, node, member, present, graceMs);
          if (reply === 1) this.#context.emit(app, presenceEvent(kind, key, true));
        });
      }
    }
  }

  /** Renews this node; writes everything again when it had expired or Redis was away. */
  #beat(): void {
    this.#run(async () => {
      for (const app of this.#context.apps) {
        const keys = webhookKeys(app.publicKey);
        if (await this.#client.presenceBeat(keys, this.#node, this.#ttl) === 1) {
          this.#needsReconcile = true;
        }
      }
      if (this.#needsReconcile) await this.#reconcile();
      if (this.#lost) {
        this.#lost = false;
        this.#log?.info("Webhook presence is written to Redis again.", { event: "webhook-redis" });
      }
    });
  }

  /** Marks every user and channel this node holds in Redis or in its hub, and writes them. */
  async #reconcile(): Promise<void> {
    this.#needsReconcile = false;
    for (const app of this.#context.apps) {
      const keys = webhookKeys(app.publicKey);
      const members = await this.#client.sMembers(nodeSetKey(keys, this.#node));
      for (const member of members) {
        const parsed = parseMember(member);
        if (parsed) this.change(app, parsed.kind, parsed.key);
      }
      for (const user of app.users()) this.change(app, "user", user);
      for (const channel of app.channels()) this.change(app, "channel", channel);
    }
    this.#flush();
  }

  /** Takes dead nodes' entries and claims the removals that fell due; sends what it claimed. */
  #sweep(): void {
    this.#run(async () => {
      for (const app of this.#context.apps) {
        const keys = webhookKeys(app.publicKey);
        const due = await this.#client.presenceSweep(keys, this.#node, SWEEP_LIMIT);
        for (const member of due) {
          const parsed = parseMember(member);
          if (parsed) this.#context.emit(app, presenceEvent(parsed.kind, parsed.key, false));
        }
      }
    });
  }

  /** Runs writes while connected, kept until done (for `close`); a failure: write all again. */
  #run(work: () => Promise<unknown>): void {
    if (this.#closed || !this.#client.isReady) return;
    const tracked = work().catch((error) => this.#failed(error)).finally(() =>
      this.#busy.delete(tracked)
    );
    this.#busy.add(tracked);
  }

  #failed(error: unknown): void {
    this.#needsReconcile = true;
    if (this.#lost || this.#closed) return;
    this.#lost = true;
    this.#log?.warn(
      `Webhook presence cannot reach Redis (${describeError(error)}); ` +
        "it is written again once Redis answers.",
      { event: "webhook-redis-lost" },
    );
  }
}
