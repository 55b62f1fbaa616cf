/**
 * The outbox of an application: pushes wait here until the end of the task that made them, or,
 * when the last pushes went out less than `BATCH_MS` ago, until the next turn of the event loop
 * (a timer), so that a burst of publishes to one target goes out as few frames per connection,
 * each built once, while a lone publish goes out at once.
 *
 * Pushes keep their order: consecutive pushes to the same target are joined into one run, and
 * runs are delivered in the order they were made. A run holds at most `MAX_RUN_MESSAGES`
 * pushes and about `MAX_RUN_BYTES` of JSON, so that a long burst still goes out in frames of
 * reasonable size.
 *
 * @module
 */

import { Message } from "./message.ts";

/** Most pushes joined into one frame. */
export const MAX_RUN_MESSAGES = 64;
/** A run takes no more pushes once its JSON is this long (in UTF-16 code units, ASCII here). */
export const MAX_RUN_BYTES = 65_536;

/**
 * Pushes made within this many milliseconds of the end of the last delivery (or within as long as
 * that delivery took, if longer) wait for a timer (at least a millisecond in Deno and Node) and
 * share frames; later ones go out once the task that made them ends.
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

/**
 * Collects pushes and hands them over, in order: at the end of the task that made them (a
 * microtask), or on a timer when they come less than `BATCH_MS` (or as long as the last delivery
 * took, if longer) after the last delivery, or when asked.
 */
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

  /**
   * Queues a push; it goes out at the end of this task, or of the `BATCH_MS` window after the
   * last delivery, or at the next `flush()`.
   */
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
    // A timer costs a lone publish a millisecond or two of latency (and the loop a wake-up)
    // before anyone gets it; pushes that follow a delivery closely are a burst, and the timer
    // lets the rest of it join them. Measured from the end of the delivery, which can take
    // milliseconds at thousands of connections while the next publishes queue up; and for as
    // long as it took, since the runtime's writes of its frames (Node's, after the delivery
    // returns) delay the next requests about as much.
    if (performance.now() - this.#deliveredAt >= this.#window) queueMicrotask(this.#flushNow);
    else this.#timer = setTimeout(this.#flushNow, 0);
  }

  /**
   * Hands every waiting run to the deliver callback, in order. Runs queued while delivering (a
   * delivery that closes a connection, say) wait for the next flush.
   */
  flush(): void {
    const runs = this.#runs;
    // Nothing waiting means no timer either (one is set with the first run): cheap enough to
    // call before every change to the index.
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
