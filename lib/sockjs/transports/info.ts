/**
 * The greeting (`GET /prefix/`) and the `/info` endpoint the SockJS client asks first.
 *
 * @module
 */

import type { TransportRequest } from "../transport.ts";
import { cacheForAYear, corsHeaders, NO_CACHE, preflightResponse, textResponse } from "../http.ts";

/** `Welcome to SockJS!`, the answer on the prefix itself. */
export function greeting(_t: TransportRequest): Response {
  return textResponse(200, "Welcome to SockJS!\n", cacheForAYear());
}

/** `/info`: which transports work, whether a cookie is needed, and entropy for the client. */
export function info(t: TransportRequest): Response {
  const { websocket, jsessionid } = t.server.options;
  const entropy = crypto.getRandomValues(new Uint32Array(1))[0];
  const body = JSON.stringify({ websocket, cookie_needed: jsessionid, origins: ["*:*"], entropy });
  return textResponse(200, body, {
    "Content-Type": "application/json; charset=UTF-8",
    "Cache-Control": NO_CACHE,
    ...corsHeaders(t.req),
  });
}

/** The CORS preflight of `/info`. */
export function infoPreflight(t: TransportRequest): Response {
  return preflightResponse(t.req, "OPTIONS, GET");
}
