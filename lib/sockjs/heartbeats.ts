/**
 * One timer for every session's heartbeat: a timing wheel. A session with a receiver and nothing
 * to say for `delay` ms sends `h`; instead of a timer per session (an allocation and a timer-heap
 * entry each, re-armed every period), sessions wait in one of `SLOTS` buckets of a ring that a
 * single timer advances every `delay / SLOTS` ms, and only while some session waits.
 *
 * A heartbeat is due `delay` after the last frame; it goes out within one tick of that (at most
 * `delay / SLOTS` early or late).
 *
 * @module
 */

/** Buckets per heartbeat period. */
export const SLOTS = 8;

/** Something that sends heartbeats: told when its bucket comes round. */
export interface Beating {
  /** Called when the bucket it waits in comes round; it may `arm` itself again. */
  beat(): void;
}

/** A bucket of the wheel; `arm` returns it so that `disarm` is O(1). */
export type Slot = Set<Beating>;

/** The heartbeat wheel of one SockJS server. */
export class Heartbeats {
  /** Milliseconds between heartbeats. */
  readonly delay: number;
  /** Milliseconds between ticks. */
  readonly tick: number;
  #ring: Slot[] = Array.from({ length: SLOTS + 1 }, () => new Set());
  #cursor = 0;
  #waiting = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** Creates a wheel for heartbeats every `delay` ms. */
  constructor(delay: number) {
    this.delay = delay;
    this.tick = Math.max(1, delay / SLOTS);
  }

  /** How many sessions wait. */
  get size(): number {
    return this.#waiting;
  }

  /**
   * Makes `who.beat()` run in about `inMs` (clamped to one tick .. the whole delay). Returns the
   * slot to pass to `disarm`.
   */
  arm(who: Beating, inMs: number = this.delay): Slot {
    const ticks = Math.min(SLOTS, Math.max(1, Math.round(inMs / this.tick)));
    const slot = this.#ring[(this.#cursor + ticks) % (SLOTS + 1)];
    slot.add(who);
    if (this.#waiting++ === 0) this.#schedule();
    return slot;
  }

  /** Takes `who` out of `slot` (as returned by `arm`). */
  disarm(who: Beating, slot: Slot): void {
    if (!slot.delete(who)) return;
    if (--this.#waiting === 0) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  #schedule(): void {
    this.#timer = setTimeout(() => this.#advance(), this.tick);
  }

  #advance(): void {
    this.#timer = undefined;
    this.#cursor = (this.#cursor + 1) % (SLOTS + 1);
    const due = this.#ring[this.#cursor];
    if (due.size > 0) {
      this.#ring[this.#cursor] = new Set();
      // One at a time: a beat may disarm another session of this slot (deleted, so skipped).
      for (const who of due) {
        due.delete(who);
        this.#waiting--;
        who.beat();
      }
    }
    if (this.#waiting > 0 && this.#timer === undefined) this.#schedule();
  }
}
