/**
 * Test helpers for history: read the push elements a SockJS client receives, one by one.
 *
 * @module
 */

import type { SockjsWs } from "./sockjs_ws.ts";

/** One element a client received: a push, or a `recovered: false` notice. */
export interface Element {
  payload?: string;
  channel?: string;
  offset?: number;
  epoch?: string;
  recovered?: boolean;
}

/** Reads a client's frames as push elements (the elements of `a[...]` frames, in order). */
export class Elements {
  #client: SockjsWs;
  #queue: Element[] = [];

  constructor(client: SockjsWs) {
    this.#client = client;
  }

  /** The next element; rejects after `timeoutMs`. Heartbeats are skipped; a close throws. */
  async next(timeoutMs = 3_000): Promise<Element> {
    while (this.#queue.length === 0) {
      const frame = await this.#client.next(timeoutMs);
      if (frame === "h") continue;
      if (!frame.startsWith("a[")) throw new Error(`Unexpected frame ${frame}`);
      this.#queue.push(...JSON.parse(frame.slice(1)) as Element[]);
    }
    return this.#queue.shift()!;
  }

  /** The next `n` elements. */
  async take(n: number, timeoutMs = 3_000): Promise<Element[]> {
    const out = [];
    for (let i = 0; i < n; i++) out.push(await this.next(timeoutMs));
    return out;
  }

  /** Elements already received and not read (after waiting `ms` for stragglers). */
  async rest(ms = 150): Promise<Element[]> {
    await new Promise((r) => setTimeout(r, ms));
    const out = [...this.#queue];
    this.#queue = [];
    for (const frame of this.#client.unread) {
      await this.#client.next();
      if (frame.startsWith("a[")) out.push(...JSON.parse(frame.slice(1)) as Element[]);
    }
    return out;
  }
}
