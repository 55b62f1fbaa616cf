/**
 * The `xhr` (polling) and `xhr_streaming` transports: frames in POST responses, one per line.
 *
 * @module
 */

import type { TransportRequest } from "../transport.ts";
import { preflightResponse } from "../http.ts";
import { cookieHeader, receive } from "./http_receiver.ts";

const CONTENT_TYPE = "application/javascript; charset=UTF-8";

/** `POST /{server}/{session}/xhr`: one frame per request. */
export function xhrPolling(t: TransportRequest): Response {
  return receive(t, {
    streaming: false,
    contentType: CONTENT_TYPE,
    format: (f) => f + "\n",
    cors: true,
  });
}

/**
 * `POST /{server}/{session}/xhr_streaming`: frames as they come, after a 2 KiB prelude that
 * makes old browsers hand over partial responses.
 */
export function xhrStreaming(t: TransportRequest): Response {
  return receive(t, {
    streaming: true,
    contentType: CONTENT_TYPE,
    prelude: "h".repeat(2048) + "\n",
    format: (f) => f + "\n",
    cors: true,
  });
}

/** The CORS preflight of the xhr transports. */
export function xhrPreflight(t: TransportRequest): Response {
  const res = preflightResponse(t.req, "OPTIONS, POST");
  for (const [name, value] of Object.entries(cookieHeader(t))) res.headers.set(name, value);
  return res;
}
