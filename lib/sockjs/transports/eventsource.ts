/**
 * The `eventsource` transport: frames as Server-Sent Events.
 *
 * @module
 */

import type { TransportRequest } from "../transport.ts";
import { receive } from "./http_receiver.ts";

// Characters that would end or corrupt an event line are percent-escaped, `%` itself too.
const UNSAFE = /[%\r\n\0]/g;
const escape = (ch: string) => "%" + ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0");

/** `GET /{server}/{session}/eventsource`: `data: <frame>` events. */
export function eventsource(t: TransportRequest): Response {
  // EventSource requests from pages without an origin say `Origin: null`: answer `*`.
  const req = t.req.headers.get("Origin") === "null"
    ? new Request(t.req, { headers: withoutOrigin(t.req.headers) })
    : t.req;
  return receive({ ...t, req }, {
    streaming: true,
    contentType: "text/event-stream",
    prelude: "\r\n",
    format: (f) => `data: ${f.replace(UNSAFE, escape)}\r\n\r\n`,
    cors: true,
  });
}

function withoutOrigin(headers: Headers): Headers {
  const copy = new Headers(headers);
  copy.delete("Origin");
  return copy;
}
