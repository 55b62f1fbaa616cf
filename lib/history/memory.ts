/**
 * One application's history in this process's memory: per channel, its position and last `size`
 * pushes, dropped `ttl` seconds after its last push (the position after `POSITION_TTL`). Expired
 * channels are removed as the store is used (oldest first), so it needs no timer.
 *
 * @module
 */

import {
  type HistoryPolicy,
  type HistoryQuery,
  type HistoryRead,
  type HistoryStats,
  newEpoch,
  POSITION_TTL,
} from "./history.ts";
import type { Position } from "../hub/message.ts";

/** A channel's position and kept payloads (offsets `top - kept + 1` to `top`). */
interface Channel {
  readonly epoch: string;
  top: number;
  payloads: string[];
  /** Index of the oldest kept payload in `payloads` (the ones before it are dropped). */
  head: number;
  bytes: number;
  pushedAt: number;
  touchedAt: number;
}

/** A bounded in-memory history for the channels of one application. */
export class MemoryHistory {
  readonly #size: number;
  readonly #ttlMs: number;
  readonly #positionTtlMs: number;
  readonly #now: () => number;
  // Channels with kept payloads, by last push (oldest first), and every channel with a
  // position, by last push or read (oldest first): the ones to expire are at the front.
  #kept = new Map<string, Channel>();
  #channels = new Map<string, Channel>();
  #messages = 0;
  #bytes = 0;

  /** Creates an empty history keeping `policy.size` pushes per channel for `policy.ttl` s. */
  constructor(policy: HistoryPolicy, now: () => number = Date.now) {
    this.#size = policy.size;
    this.#ttlMs = policy.ttl * 1000;
    this.#positionTtlMs = Math.max(policy.ttl, POSITION_TTL) * 1000;
    this.#now = now;
  }

  /** Keeps a push and answers its position. */
  append(channel: string, payload: string): Position {
    const now = this.#now();
    this.#expire(now);
    const ch = this.#touch(channel, now);
    ch.top++;
    ch.pushedAt = now;
    ch.payloads.push(payload);
    ch.bytes += payload.length;
    this.#messages++;
    this.#bytes += payload.length;
    if (ch.payloads.length - ch.head > this.#size) this.#dropOldest(ch);
    this.#kept.delete(channel);
    this.#kept.set(channel, ch);
    return { offset: ch.top, epoch: ch.epoch };
  }

  /**
   * Reads a channel's position and kept pushes. A channel without a position has epoch `""` and
   * offset 0, and gets none: reads (a client's RECOVER of any name) do not fill memory.
   */
  read(channel: string, query: HistoryQuery): HistoryRead {
    const now = this.#now();
    this.#expire(now);
    if (!this.#channels.has(channel)) return { epoch: "", offset: 0, entries: [] };
    const ch = this.#touch(channel, now);
    const kept = ch.payloads.length - ch.head;
    const first = ch.top - kept + 1;
    const { since, limit, maxGap = Infinity } = query;
    let from = Math.max(first, since === undefined ? ch.top - limit + 1 : since + 1);
    if (since !== undefined && ch.top - since > maxGap) from = ch.top + 1;
    const to = Math.min(ch.top, from + limit - 1);
    const entries = [];
    for (let offset = from; offset <= to; offset++) {
      entries.push({ offset, payload: ch.payloads[ch.head + offset - first] });
    }
    return { epoch: ch.epoch, offset: ch.top, entries };
  }

  /** Pushes and payload bytes kept now. */
  stats(): HistoryStats {
    this.#expire(this.#now());
    return { messages: this.#messages, bytes: this.#bytes };
  }

  /** Channels with a position (kept pushes or not). */
  get channelCount(): number {
    return this.#channels.size;
  }

  /** The channel's record, made with a new epoch if it has none; marked as used now. */
  #touch(channel: string, now: number): Channel {
    let ch = this.#channels.get(channel);
    if (ch === undefined) {
      ch = {
        epoch: newEpoch(),
        top: 0,
        payloads: [],
        head: 0,
        bytes: 0,
        pushedAt: now,
        touchedAt: now,
      };
    } else {
      this.#channels.delete(channel);
    }
    ch.touchedAt = now;
    this.#channels.set(channel, ch);
    return ch;
  }

  #dropOldest(ch: Channel): void {
    const payload = ch.payloads[ch.head];
    ch.bytes -= payload.length;
    this.#messages--;
    this.#bytes -= payload.length;
    ch.payloads[ch.head++] = "";
    // Compact once the dropped part is half the list: amortized O(1) per push.
    if (ch.head >= 32 && ch.head * 2 >= ch.payloads.length) {
      ch.payloads = ch.payloads.slice(ch.head);
      ch.head = 0;
    }
  }

  #expire(now: number): void {
    for (const [channel, ch] of this.#kept) {
      if (ch.pushedAt + this.#ttlMs > now) break;
      this.#kept.delete(channel);
      this.#messages -= ch.payloads.length - ch.head;
      this.#bytes -= ch.bytes;
      ch.payloads = [];
      ch.head = 0;
      ch.bytes = 0;
    }
    for (const [channel, ch] of this.#channels) {
      if (ch.touchedAt + this.#positionTtlMs > now) break;
      this.#channels.delete(channel);
    }
  }
}
