/**
 * Whether Redis answers, for the Redis broker: a periodic `TIME` with a timeout (which also tells
 * Redis's clock as seen from this node), and the log lines of an outage: one when Redis stops
 * answering, a reminder a minute while it lasts, one when it answers again, never one per retry.
 *
 * @module
 */

import type { Logger } from "../log.ts";
import { type BrokerClient, describeError } from "./redis_client.ts";

/** Settings of a {@linkcode RedisHealth}. */
export interface RedisHealthOptions {
  /** Milliseconds an answer may take before Redis counts as not answering. */
  readonly timeout: number;
  /** Redis's URL (log lines tell its `host:port`, never the password). */
  readonly url: string;
  /** The commands connection, which probes go on (only while it is up). */
  readonly client: BrokerClient;
  /** Called when Redis stops answering (once per outage). */
  readonly onDown: () => void;
  /** Called when a probe is answered while the broker is not in service. */
  readonly onAnswer: () => void;
  /** Where to log. */
  readonly logger?: Logger | undefined;
}

/** Milliseconds between two reminders while Redis stays unavailable. */
const REMINDER_MS = 60_000;

/** Watches Redis: probes it, keeps its clock offset, logs outages. */
export class RedisHealth {
  #options: RedisHealthOptions;
  #where: string;
  #timer: ReturnType<typeof setInterval>;
  #started = Date.now();
  #everUp = false;
  #downSince: number | null = null;
  #reminded = 0;
  #reason = "";
  #probing = false;
  #offset = 0;
  #roundTrip = 0;

  /** Creates the watcher, which probes every `min(timeout, 1 s)` until `stop()`. */
  constructor(options: RedisHealthOptions) {
    this.#options = options;
    this.#where = redisAddress(options.url);
    this.#timer = setInterval(() => this.#tick(), Math.min(options.timeout, 1_000));
  }

  /** Whether Redis is known not to answer (since the last `down()`, until `up()`). */
  get down(): boolean {
    return this.#downSince !== null;
  }

  /**
   * This node's `Date.now()` value `local` in Redis's clock, less the last probe's round trip (the
   * answer's way back and the clock estimate's error): Redis drops a publish it runs later.
   */
  redisDeadline(local: number): number {
    return Math.floor(local + this.#offset - Math.max(1, this.#roundTrip));
  }

  /** Stops probing. */
  stop(): void {
    clearInterval(this.#timer);
  }

  /** Redis does not answer, or a connection to it failed (`what` failed). Logs once per outage. */
  failed(error: unknown, what = ""): void {
    const reason = what + describeError(error);
    this.#reason = reason;
    if (this.#downSince !== null) return;
    this.#downSince = this.#reminded = Date.now();
    this.#options.logger?.error(
      `Redis at ${this.#where} is unavailable: ${reason} ` +
        "(retrying; API calls that need it answer 503 and /readyz says not ready until it answers)",
      { event: "redis-unavailable", redis: this.#where, reason },
    );
    this.#options.onDown();
  }

  /** The broker is in service again (connected, presence written). Logs the end of an outage. */
  up(): void {
    this.#everUp = true;
    if (this.#downSince === null) return;
    const seconds = (Date.now() - this.#downSince) / 1000;
    this.#downSince = null;
    this.#options.logger?.info(
      `Redis at ${this.#where} answers again (unavailable for ${seconds.toFixed(1)} s).`,
      { event: "redis-available", redis: this.#where, seconds },
    );
  }

  /** Sends a probe unless one is waiting; resolves when it is answered or fails. */
  async probe(): Promise<void> {
    const client = this.#options.client;
    if (this.#probing || !client.isReady) return;
    this.#probing = true;
    const timeout = this.#options.timeout;
    const timer = setTimeout(() => this.failed(`no answer within ${timeout} ms`), timeout);
    const sent = Date.now();
    try {
      const [seconds, micros] = await client.time();
      const now = Date.now();
      this.#roundTrip = now - sent;
      this.#offset = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) - (sent + now) / 2;
      this.#options.onAnswer();
    } catch (error) {
      this.failed(error);
    } finally {
      clearTimeout(timer);
      this.#probing = false;
    }
  }

  #tick(): void {
    const now = Date.now();
    if (this.#downSince !== null && now - this.#reminded >= REMINDER_MS) {
      this.#reminded = now;
      const seconds = Math.round((now - this.#downSince) / 1000);
      this.#options.logger?.error(
        `Redis at ${this.#where} is still unavailable after ${seconds} s: ${this.#reason}`,
        { event: "redis-unavailable", redis: this.#where, reason: this.#reason, seconds },
      );
    }
    if (this.#options.client.isReady) {
      this.probe();
    } else if (!this.#everUp && now - this.#started > this.#options.timeout) {
      // Connected, but the handshake is not answered (a hung Redis at start): no error comes.
      this.failed(`no connection within ${this.#options.timeout} ms`);
    }
  }
}

/** `host:port` of a Redis URL, without user or password. */
function redisAddress(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname || "localhost"}:${parsed.port || "6379"}`;
  } catch {
    return "(invalid URL)";
  }
}
