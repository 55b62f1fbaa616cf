/**
 * `GET /api/1.0.0/{key}/channels/{channel}/history/[?since=N][&limit=N]`: a channel's kept pushes,
 * for applications that keep history (see docs/history.md); for the others the path is the channel
 * `{channel}/history` it always named.
 *
 * @module
 */

import type { Broker } from "../broker/broker.ts";
import type { App } from "../hub/hub.ts";
import { type HistoryQuery, type HistoryRead, MAX_READ_LIMIT } from "../history/history.ts";
import { historyMessage } from "../history/recovery.ts";
import { HttpError } from "../http/errors.ts";
import { pyJson } from "../json.ts";
import { errorResponse, jsonTextResponse } from "./errors.ts";

/** What ends a channel name to read its history. */
const HISTORY_SUFFIX = "/history";

/** How many pushes a read returns unless `limit` says otherwise. */
const DEFAULT_READ_LIMIT = 100;

/**
 * The answer to a GET on `channel` when it reads a history: undefined when the name does not end
 * with `/history` or the application keeps no history (the GET then lists the channel's users,
 * as before), else the kept pushes, or 400 for a bad query.
 */
export async function historyAnswer(
  req: Request,
  broker: Broker,
  app: App,
  channel: string,
): Promise<Response | undefined> {
  if (!channel.endsWith(HISTORY_SUFFIX) || broker.readHistory === undefined) return undefined;
  const base = channel.slice(0, -HISTORY_SUFFIX.length);
  if (base === "") return undefined;
  const query = readQuery(req.url);
  // Read even for a bad query: an application that keeps no history answers undefined, and its
  // GET lists the users of the channel named `.../history`.
  const read = broker.readHistory(app, base, query instanceof HttpError ? { limit: 1 } : query);
  if (read === undefined) return undefined;
  if (query instanceof HttpError) {
    Promise.resolve(read).catch(() => {}); // not waited for
    return errorResponse(query);
  }
  return historyResponse(base, await read);
}

/** The answer's JSON text for a read of `channel` (without the suffix). */
function historyResponse(channel: string, read: HistoryRead): Response {
  const messages = read.entries.length === 0
    ? ""
    : historyMessage(channel, read.epoch, read.entries).elements.join(", ");
  return jsonTextResponse(
    200,
    '{"channel": ' + pyJson(channel) + ', "epoch": ' + pyJson(read.epoch) + ', "offset": ' +
      String(read.offset) + ', "messages": [' + messages + "]}\n",
  );
}

/** `since` and `limit` from a URL's query, or the 400 error for a bad one. */
function readQuery(url: string): HistoryQuery | HttpError {
  const params = new URL(url).searchParams;
  const sinceText = params.get("since");
  const limitText = params.get("limit");
  const since = sinceText === null ? undefined : wholeNumber(sinceText, 0);
  const limit = limitText === null ? DEFAULT_READ_LIMIT : wholeNumber(limitText, 1);
  if (since === null) {
    return new HttpError(400, "Invalid since: expected an offset (a whole number).");
  }
  if (limit === null || limit > MAX_READ_LIMIT) {
    return new HttpError(
      400,
      `Invalid limit: expected a whole number from 1 to ${MAX_READ_LIMIT}.`,
    );
  }
  return { since, limit };
}

/** `text` as a whole number of at least `min`, or null. */
function wholeNumber(text: string, min: number): number | null {
  if (!/^[0-9]{1,16}$/.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) && n >= min ? n : null;
}
