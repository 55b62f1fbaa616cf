/**
 * The outbox of an application: pushes wait here until the end of the event-loop turn, so that a
 * burst of publishes to one target goes out as one frame per connection, built once.
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

/** Collects pushes and hands them over, in order, once per event-loop turn or when asked. */
export class Outbox {
  #runs: (Run & { bytes: number })[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #deliver: (run: Run) => void;

  /** Creates an outbox that hands each run to `deliver`. */
  constructor(deliver: (run: Run) => void) {
    this.#deliver = deliver;
  }

  /** Queues a push; it goes out at the end of this event-loop turn, or at the next `flush()`. */
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
    this.#timer ??= setTimeout(() => this.flush(), 0);
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
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#runs = [];
    for (const run of runs) this.#deliver(run);
  }
}
