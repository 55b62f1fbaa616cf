/**
 * The recovery verdict and what a connection delivers for it, and the per-connection guard that
 * keeps history and live pushes of a channel in order with no gap and no duplicate.
 *
 * @module
 */

import { Message } from "../hub/message.ts";
import { asciiJson } from "../json.ts";
import { type HistoryEntry, type HistoryRead, MAX_RECOVERED } from "./history.ts";

/** Where a client says it was in a channel (`RECOVER <channel> <epoch> <offset>`). */
export interface RecoverRequest {
  /** The epoch it last saw. */
  readonly epoch: string;
  /** The offset of the last push it got. */
  readonly offset: number;
}

/**
 * The pushes that bring a client from `request` to the channel's last push, or null when the
 * history cannot: another epoch, an offset above the last push, more than `max` pushes missed,
 * or some of them no longer kept. (Centrifugo's `isStreamRecovered`.)
 */
export function recoveredEntries(
  request: RecoverRequest,
  read: HistoryRead,
  max: number = MAX_RECOVERED,
): readonly HistoryEntry[] | null {
  if (request.epoch !== read.epoch || request.offset > read.offset) return null;
  const missed = read.offset - request.offset;
  if (missed === 0) return [];
  if (missed > max) return null;
  const entries = read.entries;
  if (
    entries.length !== missed || entries[0].offset !== request.offset + 1 ||
    entries[entries.length - 1].offset !== read.offset
  ) return null;
  return entries;
}

/**
 * The message telling a client its channel could not be recovered, with the channel's current
 * position: `{"channel":"news","recovered":false,"epoch":"...","offset":12}`.
 */
export function notRecoveredMessage(channel: string, epoch: string, offset: number): Message {
  return new Message(
    '{"channel":' + asciiJson(channel) + ',"recovered":false,"epoch":' + asciiJson(epoch) +
      ',"offset":' + String(offset) + "}",
  );
}

/** Kept pushes as one message, each element as its live push was. */
export function historyMessage(
  channel: string,
  epoch: string,
  entries: readonly HistoryEntry[],
): Message {
  return Message.join(
    entries.map((e) => Message.forChannel(e.payload, channel, { offset: e.offset, epoch })),
  );
}

/** A channel's state on one connection: recovering (live pushes wait) or at a position. */
interface ChannelState {
  epoch: string;
  offset: number;
  /** Live pushes that came while the history was read; null once recovered. */
  waiting: Message[] | null;
}

/**
 * The channels a connection recovered, and for each where it is: live pushes of a channel wait
 * while its history is read, and afterwards those at or below the connection's offset (sent
 * already from the history) are dropped.
 */
export class ChannelPositions {
  #channels = new Map<string, ChannelState>();

  /** Starts a recovery of `channel`: its live pushes wait until `finish`. */
  begin(channel: string): void {
    const state = this.#channels.get(channel);
    if (state) state.waiting ??= [];
    else this.#channels.set(channel, { epoch: "", offset: 0, waiting: [] });
  }

  /**
   * Ends a recovery: the connection is at `epoch`/`offset` now; answers the live pushes that
   * waited, without those it has already.
   */
  finish(channel: string, epoch: string, offset: number): Message[] {
    const state = this.#channels.get(channel);
    if (!state) return [];
    const waiting = state.waiting ?? [];
    state.waiting = null;
    state.epoch = epoch;
    state.offset = offset;
    return waiting.flatMap((message) => this.filter(message) ?? []);
  }

  /** Forgets a channel (unsubscribed). */
  forget(channel: string): void {
    this.#channels.delete(channel);
  }

  /**
   * What of a push to deliver: all of it for channels not recovered here, null while waiting
   * (kept for `finish`), and otherwise its pushes above the connection's offset in the same
   * epoch (a push of another epoch moves the connection to it).
   */
  filter(message: Message): Message | null {
    const positions = message.positions;
    if (positions === undefined) return message;
    const state = this.#channels.get(positions.channel);
    if (state === undefined) return message;
    if (state.waiting !== null) {
      state.waiting.push(message);
      return null;
    }
    const offsets = positions.offsets;
    const last = offsets[offsets.length - 1];
    if (positions.epoch !== state.epoch || offsets[0] > state.offset) {
      state.epoch = positions.epoch;
      state.offset = last;
      return message;
    }
    const kept = message.elements.filter((_, i) => offsets[i] > state.offset);
    if (kept.length === 0) return null;
    const keptOffsets = offsets.filter((offset) => offset > state.offset);
    state.offset = last;
    return new Message(kept, { ...positions, offsets: keptOffsets });
  }
}
