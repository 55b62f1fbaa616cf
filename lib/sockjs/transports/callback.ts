/**
 * The `c` (callback) parameter of the `htmlfile` and `jsonp` transports, validated so that it
 * cannot inject script.
 *
 * @module
 */

import type { TransportRequest } from "../transport.ts";
import { textResponse } from "../http.ts";

const CALLBACK = /^[a-zA-Z0-9_.-]{1,32}$/;

/**
 * The callback name from the query (letters, digits, `_`, `.`, `-`; at most 32), or the 500
 * answer the protocol defines.
 */
export function callbackParam(t: TransportRequest): string | Response {
  const callback = t.url.searchParams.get("c") ?? t.url.searchParams.get("callback");
  if (!callback) return textResponse(500, '"callback" parameter required');
  if (!CALLBACK.test(callback)) return textResponse(500, 'invalid "callback" parameter');
  return callback;
}
