/**
 * The presence ledger of a single node, where local presence is the whole presence. Removals wait
 * in the order made (the order they fall due: the grace is the same), under one timer.
 *
 * @module
 */

import type { App } from "../hub/hub.ts";
import {
  type LedgerContext,
  presenceEvent,
  type PresenceKind,
  type PresenceLedger,
} from "./events.ts";

interface Pending {
  readonly app: App;
  readonly kind: PresenceKind;
  readonly key: string;
  readonly due: number;
}

/** Presence events from one node's hub. */
export class MemoryLedger implements PresenceLedger {
  #context: LedgerContext;
  #pending = new Map<string, Pending>();
  #ids = new Map<App, number>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  /** Creates the ledger. */
  constructor(context: LedgerContext) {
    this.#context = context;
    context.apps.forEach((app, i) => this.#ids.set(app, i));
  }

  /** Emits an addition unless it cancels a pending removal; schedules a removal. */
  change(app: App, kind: PresenceKind, key: string, present: boolean): void {
    if (this.#closed) return;
    const id = `${this.#ids.get(app)}${kind === "user" ? "u" : "c"}${key}`;
    if (present) {
      // Back within the grace: neither the removal nor this addition is an event.
      if (!this.#pending.delete(id)) this.#context.emit(app, presenceEvent(kind, key, true));
      return;
    }
    this.#pending.set(id, { app, kind, key, due: Date.now() + this.#context.graceMs });
    if (this.#timer === undefined) this.#arm();
  }

  /** Emits every pending removal now: the server stops, nobody comes back to it. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#fire(Infinity);
    return Promise.resolve();
  }

  #arm(): void {
    const first = this.#pending.values().next();
    this.#timer = undefined;
    if (first.done) return;
    this.#timer = setTimeout(() => {
      this.#fire(Date.now());
      this.#arm();
    }, Math.max(0, first.value.due - Date.now()));
  }

  #fire(now: number): void {
    for (const [id, p] of this.#pending) {
      if (p.due > now) break;
      this.#pending.delete(id);
      this.#context.emit(p.app, presenceEvent(p.kind, p.key, false));
    }
  }
}
