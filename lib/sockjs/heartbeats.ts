/**
 * One timer for every session's heartbeat: a timing wheel of `SLOTS` buckets, advanced every
 * `delay / SLOTS` ms while some session waits (see docs/architecture.md, "Heartbeats").
 *
 * @module
 */

/** Buckets per heartbeat period. */
export const SLOTS = 8;

/** Something that sends heartbeats: told when its tick comes round. */
export interface Beating {
  /** The tick it is armed for (what `arm` returned); the wheel skips entries no longer due. */
  readonly heartbeatDue: number | undefined;
  /** Called when the tick it is armed for comes round; it may `arm` itself again. */
  beat(): void;
}

/** The heartbeat wheel of one SockJS server. */
export class Heartbeats {
  /** Milliseconds between ticks. */
  readonly tick: number;
  // Bucket `t % (SLOTS + 1)` lists what is armed for tick `t`: arrays (a slot each) rather than
  // Sets (a hash-table entry each), as disarming leaves the entry for its tick to skip.
  #ring: Beating[][] = Array.from({ length: SLOTS + 1 }, () => []);
  #cursor = 0;
  #ticks = 0;
  #waiting = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** Creates a wheel for heartbeats every `delay` ms. */
  constructor(delay: number) {
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
   * delay). Returns that tick, which `who.heartbeatDue` must then be.
   */
  arm(who: Beating, ticks: number = SLOTS): number {
    const ahead = Math.min(SLOTS, Math.max(1, ticks));
    this.#ring[(this.#cursor + ahead) % (SLOTS + 1)].push(who);
    if (this.#waiting++ === 0) this.#schedule();
    return this.#ticks + ahead;
  }

  /**
   * Tells the wheel that one armed entry no longer waits (once per `arm`); its `heartbeatDue`
   * must change with it: the entry stays until its tick, skipped.
   */
  disarm(): void {
    if (--this.#waiting > 0) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const bucket of this.#ring) bucket.length = 0; // only skipped entries are left
  }

  #schedule(): void {
    this.#timer = setTimeout(() => this.#advance(), this.tick);
  }

  #advance(): void {
    this.#timer = undefined;
    const tick = ++this.#ticks;
    this.#cursor = (this.#cursor + 1) % (SLOTS + 1);
    const due = this.#ring[this.#cursor];
    if (due.length > 0) {
      this.#ring[this.#cursor] = [];
      // A beat may disarm another entry of this tick (then skipped) or arm again (a later one).
      for (const who of due) {
        if (who.heartbeatDue !== tick) continue;
        this.#waiting--;
        who.beat();
      }
    }
    if (this.#waiting > 0 && this.#timer === undefined) this.#schedule();
  }
}
