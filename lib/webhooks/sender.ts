/**
 * Sends one application's webhook events: batched, in order, signed, retried with capped backoff,
 * from a bounded queue (docs/architecture.md, "Webhook sender"). `enqueue` only appends.
 *
 * @module
 */

import type { App } from "../hub/hub.ts";
import type { Logger } from "../log.ts";
import type { WebhookEvent } from "./events.ts";
import { post, signer, sleep, where } from "./post.ts";

/** How webhooks are sent; every field has a default. */
export interface SenderSettings {
  /** Milliseconds a batch waits for more events after its first (250). */
  readonly batchDelay?: number;
  /** Most events in one request (100). */
  readonly maxBatch?: number;
  /** Most events waiting per application; more are dropped (10,000). */
  readonly maxQueue?: number;
  /** Milliseconds a request may take before it counts as failed (5,000). */
  readonly timeout?: number;
  /** Milliseconds a batch is retried for before it is given up (300,000: 5 minutes). */
  readonly retryFor?: number;
  /** Milliseconds before the first retry; each next one waits twice as long (1,000). */
  readonly firstRetry?: number;
  /** Longest wait between retries (30,000). */
  readonly maxRetryDelay?: number;
}

/** Event counts over every application, for `/metrics`. */
export class WebhookCounts {
  /** Events the receiver accepted (2xx). */
  sent = 0;
  /** Events given up after retrying (or left unsent when the server stopped). */
  failed = 0;
  /** Events dropped because the queue was full. */
  dropped = 0;
}

const encoder = new TextEncoder();

/** The sender of one application. */
export class WebhookSender {
  #url: string;
  #key: string;
  #settings: Required<SenderSettings>;
  #counts: WebhookCounts;
  #log: Logger;
  #sign: (body: Uint8Array<ArrayBuffer>) => Promise<string>;
  #queue: WebhookEvent[] = [];
  #inFlight = 0;
  #running = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #draining = false;
  #stop = new AbortController();
  #droppedNow = 0; // in the current episode of a full queue
  #failing = false;

  /** Creates the sender of `app` to `url`; `counts` is shared by every application's sender. */
  constructor(url: string, app: App, settings: SenderSettings, counts: WebhookCounts, log: Logger) {
    this.#url = url;
    this.#key = app.publicKey;
    this.#settings = {
      batchDelay: settings.batchDelay ?? 250,
      maxBatch: settings.maxBatch ?? 100,
      maxQueue: settings.maxQueue ?? 10_000,
      timeout: settings.timeout ?? 5_000,
      retryFor: settings.retryFor ?? 300_000,
      firstRetry: settings.firstRetry ?? 1_000,
      maxRetryDelay: settings.maxRetryDelay ?? 30_000,
    };
    this.#counts = counts;
    this.#log = log;
    this.#sign = signer(app.secret);
  }

  /** Events waiting or in flight. */
  get queued(): number {
    return this.#queue.length + this.#inFlight;
  }

  /** Queues an event (dropped and counted when the queue is full or the sender stopped). */
  enqueue(event: WebhookEvent): void {
    if (this.#stop.signal.aborted) {
      this.#counts.failed++;
      return;
    }
    if (this.#queue.length >= this.#settings.maxQueue) {
      this.#counts.dropped++;
      if (this.#droppedNow++ === 0) {
        this.#log.warn(
          `Webhook queue of ${this.#key} is full (${this.#settings.maxQueue} ` +
            `events): dropping events until the receiver catches up.`,
          { event: "webhook-queue-full", app: this.#key },
        );
      }
      return;
    }
    this.#queue.push(event);
    this.#kick();
  }

  /**
   * Sends what is queued now, without the batch delay, waits up to `timeoutMs` for it, then
   * stops (requests in flight are aborted; what is left counts as failed). Safe to call twice.
   */
  async close(timeoutMs: number): Promise<void> {
    this.#draining = true;
    this.#kick();
    const deadline = Date.now() + timeoutMs;
    while (this.queued > 0 && Date.now() < deadline && !this.#stop.signal.aborted) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    this.#stop.abort();
    clearTimeout(this.#timer);
    while (this.#running) await new Promise((resolve) => setTimeout(resolve, 1));
    this.#counts.failed += this.#queue.length;
    this.#queue = [];
  }

  /** Starts a batch now when one is full (or the sender drains), else after the batch delay. */
  #kick(): void {
    if (this.#running || this.#queue.length === 0 || this.#stop.signal.aborted) return;
    if (this.#queue.length < this.#settings.maxBatch && !this.#draining) {
      this.#timer ??= setTimeout(() => {
        this.#timer = undefined;
        this.#start();
      }, this.#settings.batchDelay);
      return;
    }
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#start();
  }

  #start(): void {
    if (this.#running || this.#queue.length === 0) return;
    this.#running = true;
    this.#sendBatch().finally(() => {
      this.#running = false;
      this.#kick();
    });
  }

  #take(): WebhookEvent[] {
    const batch = this.#queue.splice(0, this.#settings.maxBatch);
    if (this.#droppedNow > 0) {
      this.#log.warn(
        `Webhook queue of ${this.#key} accepts events again; ` +
          `${this.#droppedNow} were dropped.`,
        { event: "webhook-queue-resumed", app: this.#key, dropped: this.#droppedNow },
      );
      this.#droppedNow = 0;
    }
    return batch;
  }

  async #sendBatch(): Promise<void> {
    const events = this.#take();
    this.#inFlight = events.length;
    try {
      // Serialized once: the signature covers these exact bytes, retries send them again.
      const body = encoder.encode(JSON.stringify({ time_ms: Date.now(), events }));
      const headers = { "X-Thunder-Key": this.#key, "X-Thunder-Signature": await this.#sign(body) };
      const { timeout, retryFor, firstRetry, maxRetryDelay } = this.#settings;
      const giveUpAt = Date.now() + retryFor;
      let delay = firstRetry;
      for (;;) {
        const problem = await post(this.#url, body, headers, timeout, this.#stop.signal);
        if (problem === undefined) {
          this.#counts.sent += events.length;
          if (this.#failing) this.#recovered();
          return;
        }
        if (!this.#failing) this.#failed(problem);
        if (this.#stop.signal.aborted || Date.now() + delay > giveUpAt) break;
        await sleep(delay, this.#stop.signal);
        delay = Math.min(delay * 2, maxRetryDelay);
      }
      this.#counts.failed += events.length;
      if (!this.#stop.signal.aborted) {
        this.#log.warn(`Gave up a webhook of ${events.length} events after retrying.`, {
          event: "webhook-given-up",
          app: this.#key,
          events: events.length,
        });
      }
    } finally {
      this.#inFlight = 0;
    }
  }

  #failed(problem: string): void {
    this.#failing = true;
    this.#log.warn(`Webhook to ${where(this.#url)} failed (${problem}); retrying.`, {
      event: "webhook-failed",
      app: this.#key,
      problem,
    });
  }

  #recovered(): void {
    this.#failing = false;
    this.#log.info(`Webhooks to ${where(this.#url)} are delivered again.`, {
      event: "webhook-recovered",
      app: this.#key,
    });
  }
}
