/**
 * Presence webhooks: the hub tells a presence ledger of every local change (synchronously), the
 * ledger decides which are events, and the application's sender (`sender.ts`) posts them.
 *
 * @module
 */

import type { App, Hub } from "../hub/hub.ts";
import type { Logger } from "../log.ts";
import type { LedgerFactory, PresenceLedger, WebhookEvent } from "./events.ts";
import { MemoryLedger } from "./memory_ledger.ts";
import { type SenderSettings, WebhookCounts, WebhookSender } from "./sender.ts";

/** Settings of the webhooks; every field has a default. */
export interface WebhookOptions extends SenderSettings {
  /** Milliseconds `user_offline` and `channel_vacated` wait, dropped if undone (3,000). */
  readonly grace?: number;
  /** Makes the presence ledger (default: the in-memory one of a single node). */
  readonly ledger?: LedgerFactory;
  /** Milliseconds `close()` waits for queued webhooks to go out (3,000). */
  readonly closeTimeout?: number;
}

/** What `/metrics` shows of the webhooks. */
export interface WebhookStats {
  /** Events accepted by receivers. */
  readonly sent: number;
  /** Events given up after retries. */
  readonly failed: number;
  /** Events dropped from a full queue. */
  readonly dropped: number;
  /** Events waiting or in flight. */
  readonly queued: number;
}

/** The webhooks of a server's applications. */
export class Webhooks {
  #counts = new WebhookCounts();
  #senders = new Map<App, WebhookSender>();
  #ledger: PresenceLedger;
  #apps: App[];
  #closeTimeout: number;
  #closing: Promise<void> | undefined;

  /** Starts watching the applications of `hub` that have a URL in `urls` (public key -> URL). */
  constructor(
    hub: Hub,
    urls: ReadonlyMap<string, string>,
    options: WebhookOptions = {},
    log: Logger,
  ) {
    this.#apps = [...hub.apps()].filter((app) => urls.has(app.publicKey));
    for (const app of this.#apps) {
      const url = urls.get(app.publicKey)!;
      this.#senders.set(app, new WebhookSender(url, app, options, this.#counts, log));
    }
    this.#closeTimeout = options.closeTimeout ?? 3_000;
    const context = {
      apps: this.#apps,
      graceMs: options.grace ?? 3_000,
      emit: (app: App, event: WebhookEvent) => this.#senders.get(app)?.enqueue(event),
    };
    const ledger = this.#ledger = (options.ledger ?? ((c) => new MemoryLedger(c)))(context);
    for (const app of this.#apps) {
      app.watchPresence((app, kind, key, present) => ledger.change(app, kind, key, present));
    }
  }

  /** The counts and the queue length, for `/metrics`. */
  stats(): WebhookStats {
    let queued = 0;
    for (const sender of this.#senders.values()) queued += sender.queued;
    return { ...this.#counts, queued };
  }

  /**
   * Stops: the ledger emits (or leaves to the other nodes) what is pending, and the queues get
   * up to `closeTimeout` ms to go out. Call after the sessions are closed. Safe to call twice.
   */
  close(): Promise<void> {
    return this.#closing ??= (async () => {
      await this.#ledger.close();
      for (const app of this.#apps) app.watchPresence(null);
      await Promise.all([...this.#senders.values()].map((s) => s.close(this.#closeTimeout)));
    })();
  }
}
