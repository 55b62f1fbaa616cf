/**
 * One timer for every session's heartbeat: a timing wheel. A session with a receiver and nothing
 * to say for `delay` ms sends `h`; instead of a timer per session (an allocation and a timer-heap
 * entry each, re-armed every period), sessions wait in one of `SLOTS` buckets of a ring that a
 * single timer advances every `delay / SLOTS` ms, and only while some session waits.
 *
 * Time is counted in ticks (`now`), not read from the clock: a session notes the tick of its last
 * frame, and a heartbeat goes out once `SLOTS` ticks passed since, that is between seven eighths
 * of the delay and the delay after the last frame (later when the event loop is busy).
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
  #ticks = 0;
  #waiting = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** Creates a wheel for heartbeats every `delay` ms. */
  constructor(delay: number) {
    this.delay = delay;
    this.tick = Math.max(1, delay / SLOTS);
  }

  /** Ticks so far: the wheel's clock, which only moves while some session waits. */
  get now(): number {
    return this.#ticks;
  }

  /** How many sessions wait. */
  get size(): number {
    return this.#waiting;
  }

  /**
   * Makes `who.beat()` run at the `ticks`-th tick from now (1 .. `SLOTS`, default `SLOTS`: one
   * delay). Returns the slot to pass to `disarm`.
   */
  arm(who: Beating, ticks: number = SLOTS): Slot {
    const ahead = Math.min(SLOTS, Math.max(1, ticks));
    const slot = this.#ring[(this.#cursor + ahead) % (SLOTS + 1)];
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
    this.#ticks++;
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
