/**
 * An application's outbox: consecutive pushes to one target join into a run (one frame, built
 * once), delivered in order at the end of the task, or on a timer during a burst (see "When pushes
 * go out" in docs/architecture.md).
 *
 * @module
 */

import { Message } from "./message.ts";

/** Most pushes joined into one frame. */
export const MAX_RUN_MESSAGES = 64;
/** A run takes no more pushes once its JSON is this long (in UTF-16 code units, ASCII here). */
export const MAX_RUN_BYTES = 65_536;

/**
 * Pushes made within this many milliseconds of the end of the last delivery (or as long as it
 * took, if longer) wait for a timer and share frames; later ones go out when their task ends.
 */
export const BATCH_MS = 1;

/** Who a run goes to: every connection in a channel, or every connection of a user. */
export type Target = "channel" | "user";

/** Consecutive pushes to one target. */
export interface Run {
  /** Whether `key` names a channel or a user. */
  readonly target: Target;
  /** The channel name or the user id. */
  readonly key: string;
  /** The pushes, in order. */
  readonly messages: Message[];
}

/** Collects pushes and hands them over in runs, in order: in a microtask, on a timer, or when asked. */
export class Outbox {
  #runs: (Run & { bytes: number })[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  // When the last delivery ended (performance.now()).
  #deliveredAt = -Infinity;
  // How close after it a push counts as a burst's: `batchMs`, or as long as that delivery took.
  #window = 0;
  #deliver: (run: Run) => void;
  readonly #batchMs: number;
  readonly #flushNow = () => this.flush();

  /**
   * Creates an outbox that hands each run to `deliver`; pushes within `batchMs` of the end of the
   * last delivery wait for a timer (default `BATCH_MS`).
   */
  constructor(deliver: (run: Run) => void, batchMs: number = BATCH_MS) {
    this.#deliver = deliver;
    this.#batchMs = batchMs;
  }

  /** Queues a push; it goes out at the end of this task, on the burst timer, or at `flush()`. */
  add(target: Target, key: string, message: Message): void {
    const runs = this.#runs;
    const last = runs[runs.length - 1];
    const bytes = message.frame.length;
    if (
      last !== undefined && last.target === target && last.key === key &&
      last.messages.length < MAX_RUN_MESSAGES && last.bytes + bytes <= MAX_RUN_BYTES
    ) {
      last.messages.push(message);
      last.bytes += bytes;
      return;
    }
    runs.push({ target, key, messages: [message], bytes });
    // The first run since the last flush schedules the next one.
    if (runs.length > 1) return;
    // A timer would cost a lone publish a millisecond; pushes that closely follow a delivery are a
    // burst, and the timer lets the rest of it join them. The window grows with a slow delivery,
    // whose frame writes delay the next requests about as much.
    if (performance.now() - this.#deliveredAt >= this.#window) queueMicrotask(this.#flushNow);
    else this.#timer = setTimeout(this.#flushNow, 0);
  }

  /**
   * Hands every waiting run to the deliver callback, in order. Runs queued while delivering (a
   * delivery that closes a connection, say) wait for the next flush.
   */
  flush(): void {
    const runs = this.#runs;
    // Nothing waiting means no timer either: cheap enough before every change to the index.
    if (runs.length === 0) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#runs = [];
    const started = performance.now();
    try {
      for (const run of runs) this.#deliver(run);
    } finally {
      this.#deliveredAt = performance.now();
      this.#window = Math.max(this.#batchMs, this.#deliveredAt - started);
    }
  }
}
