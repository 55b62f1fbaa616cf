/**
 * The SockJS route table: which path under the prefix goes to which endpoint, per method.
 * Each transport lives in its own file under `transports/`.
 *
 * @module
 */

import type { TransportHandler } from "./transport.ts";
import { greeting, info, infoPreflight } from "./transports/info.ts";
import { websocket } from "./transports/websocket.ts";
import { rawWebsocket } from "./transports/raw_websocket.ts";
import { xhrPolling, xhrPreflight, xhrStreaming } from "./transports/xhr.ts";
import { jsonpSend, xhrSend } from "./transports/send.ts";
import { eventsource } from "./transports/eventsource.ts";
import { htmlfile } from "./transports/htmlfile.ts";
import { jsonp } from "./transports/jsonp.ts";
import { iframe } from "./transports/iframe.ts";

/** One row of the route table. */
export interface Route {
  /** Matched against the path after the prefix. */
  readonly pattern: RegExp;
  /** The handler per HTTP method; other methods get 405. */
  readonly methods: Readonly<Record<string, TransportHandler>>;
}

const session = (transport: string) => new RegExp(`^/[^/.]+/(?<session>[^/.]+)/${transport}$`);

/** The routes, in the order they are tried. */
export const ROUTES: readonly Route[] = [
  { pattern: /^\/?$/, methods: { GET: greeting } },
  { pattern: /^\/info$/, methods: { GET: info, OPTIONS: infoPreflight } },
  { pattern: /^\/websocket$/, methods: { GET: rawWebsocket } },
  { pattern: /^\/iframe[0-9a-zA-Z_.-]*\.html$/, methods: { GET: iframe } },
  { pattern: session("websocket"), methods: { GET: websocket } },
  { pattern: session("xhr"), methods: { POST: xhrPolling, OPTIONS: xhrPreflight } },
  { pattern: session("xhr_send"), methods: { POST: xhrSend, OPTIONS: xhrPreflight } },
  { pattern: session("xhr_streaming"), methods: { POST: xhrStreaming, OPTIONS: xhrPreflight } },
  { pattern: session("eventsource"), methods: { GET: eventsource } },
  { pattern: session("htmlfile"), methods: { GET: htmlfile } },
  { pattern: session("jsonp"), methods: { GET: jsonp } },
  { pattern: session("jsonp_send"), methods: { POST: jsonpSend } },
];
