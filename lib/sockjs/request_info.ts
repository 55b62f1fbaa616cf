/**
 * What a session keeps of the request that opened it: its transport, the client's address, the
 * URL, and a few headers that say who the client is. Like sockjs-node's `conn.headers`, only the
 * headers in `KEPT_HEADERS` are kept: a session lives for hours, and the rest of a request's
 * headers (cookies, caching, WebSocket handshake) would cost memory for every connected client.
 *
 * @module
 */

import type { TransportRequest } from "./routes.ts";
import type { SessionRequestInfo } from "./session.ts";

/**
 * The request headers a session keeps, lower case: the ones that identify the client or the
 * proxies in front of the server (the same list as sockjs-node's).
 */
export const KEPT_HEADERS: readonly string[] = [
  "referer",
  "x-client-ip",
  "x-forwarded-for",
  "x-cluster-client-ip",
  "via",
  "x-real-ip",
  "x-forwarded-proto",
  "x-ssl",
  "dnt",
  "host",
  "user-agent",
  "accept-language",
];

/** The kept headers of `headers` that are present, by lower-case name. */
export function keptHeaders(headers: Headers): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = headers.get(name);
    if (value !== null) kept[name] = value;
  }
  return kept;
}

/** The information a session created by this request keeps, for the given transport. */
export function requestInfo(t: TransportRequest, protocol: string): SessionRequestInfo {
  return {
    protocol,
    remoteAddress: t.ctx.remoteAddress ?? "",
    url: t.req.url,
    headers: keptHeaders(t.req.headers),
  };
}
