/**
 * The `RECOVER <channel> <epoch> <offset>` command: subscribes, then sends what the client
 * missed from the channel's history, or `{"recovered": false, ...}`, then the live pushes that
 * came meanwhile; no gap and no duplicate between the two (see `ChannelPositions`).
 *
 * @module
 */

import type { App, HubConnection } from "../hub/hub.ts";
import type { Message } from "../hub/message.ts";
import type { HistoryQuery, HistoryRead } from "../history/history.ts";
import { MAX_RECOVERED } from "../history/history.ts";
import {
  type ChannelPositions,
  historyMessage,
  notRecoveredMessage,
  recoveredEntries,
  type RecoverRequest,
} from "../history/recovery.ts";

/**
 * Reads a channel's history: the answer, a promise of it, or undefined when the application
 * keeps none (the broker's `readHistory`).
 */
export type HistoryReader = (
  app: App,
  channel: string,
  query: HistoryQuery,
) => HistoryRead | Promise<HistoryRead> | undefined;

/** What a recovery needs of its connection. */
export interface Recovering {
  /** The connection, registered in `app`. */
  readonly conn: HubConnection;
  /** Its application. */
  readonly app: App;
  /** Where it is in the channels it recovered. */
  readonly positions: ChannelPositions;
  /** Reads history. */
  readonly read: HistoryReader;
  /** Sends to the client now, past the positions' filter. */
  send(message: Message): void;
  /** The history could not be read: the connection is closed (the client comes back). */
  failed(error: unknown): void;
  /** Told each verdict (for the metrics). */
  readonly counted?: (recovered: boolean) => void;
}

/** Subscribes `r.conn` to `channel` and recovers it from `request`. */
export function recover(r: Recovering, channel: string, request: RecoverRequest): void {
  // Subscribing flushes the pushes made so far: the connection gets none of them live, and its
  // live pushes from here on wait until the history is read.
  r.app.subscribe(r.conn, channel);
  r.positions.begin(channel);
  let answer: HistoryRead | Promise<HistoryRead> | undefined;
  try {
    answer = r.read(r.app, channel, {
      since: request.offset,
      limit: MAX_RECOVERED,
      maxGap: MAX_RECOVERED,
    });
  } catch (error) {
    answer = Promise.reject(error);
  }
  if (answer instanceof Promise) {
    answer.then((read) => finish(r, channel, request, read), (error) => {
      r.positions.forget(channel);
      if (r.app.has(r.conn)) r.failed(error);
    });
  } else {
    finish(r, channel, request, answer);
  }
}

/** Sends the verdict's pushes (or notice), then the live pushes that waited. */
function finish(
  r: Recovering,
  channel: string,
  request: RecoverRequest,
  read: HistoryRead | undefined,
): void {
  // Left meanwhile (closed, unsubscribed): nothing to send.
  if (!r.app.has(r.conn) || !r.app.subscriptionsOf(r.conn).has(channel)) {
    r.positions.forget(channel);
    return;
  }
  // No history for this application: the client cannot know what it missed.
  const epoch = read?.epoch ?? "";
  const offset = read?.offset ?? 0;
  const entries = read ? recoveredEntries(request, read) : null;
  r.counted?.(entries !== null);
  if (entries === null) r.send(notRecoveredMessage(channel, epoch, offset));
  else if (entries.length > 0) r.send(historyMessage(channel, epoch, entries));
  for (const message of r.positions.finish(channel, epoch, offset)) r.send(message);
  if (read === undefined) r.positions.forget(channel);
}
