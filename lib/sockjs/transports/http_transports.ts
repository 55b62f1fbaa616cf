/**
 * The HTTP transports. Receiving ones are each a shape of response body for `receive`: `xhr` and
 * `xhr_streaming` (a frame per line), `eventsource`, and the script transports `htmlfile` and
 * `jsonp`, whose frames call a callback of the page; `xhr_send` and `jsonp_send` carry messages in.
 *
 * @module
 */

import type { TransportRequest } from "../transport.ts";
import { notFound, preflightResponse, textResponse } from "../http.ts";
import { scriptString } from "../frames.ts";
import { readBody } from "../../http/body.ts";
import { HttpError } from "../../http/errors.ts";
import { cookieHeader, receive, transportHeaders } from "./http_receiver.ts";

/** `POST /{server}/{session}/xhr`: one frame per request. */
export function xhrPolling(t: TransportRequest): Response {
  return xhr(t, false);
}

/** `POST /{server}/{session}/xhr_streaming`: frames as they come. */
export function xhrStreaming(t: TransportRequest): Response {
  return xhr(t, true);
}

function xhr(t: TransportRequest, streaming: boolean): Response {
  return receive(t, {
    streaming,
    contentType: "application/javascript; charset=UTF-8",
    // 2 KiB make old browsers hand over partial responses.
    prelude: streaming ? "h".repeat(2048) + "\n" : undefined,
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

// Characters that would end or corrupt an event line are percent-escaped, `%` itself too.
const UNSAFE = /[%\r\n\0]/g;
const escape = (ch: string) => "%" + ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0");

/** `GET /{server}/{session}/eventsource`: `data: <frame>` events. */
export function eventsource(t: TransportRequest): Response {
  // EventSource requests from pages without an origin say `Origin: null`: answer `*`.
  let req = t.req;
  if (req.headers.get("Origin") === "null") {
    const headers = new Headers(req.headers);
    headers.delete("Origin");
    req = new Request(req, { headers });
  }
  return receive({ ...t, req }, {
    streaming: true,
    contentType: "text/event-stream",
    prelude: "\r\n",
    format: (f) => `data: ${f.replace(UNSAFE, escape)}\r\n\r\n`,
    cors: true,
  });
}

const CALLBACK = /^[a-zA-Z0-9_.-]{1,32}$/;

/** The callback name from the query, checked so that it cannot inject script, or the 500 answer. */
function callbackParam(t: TransportRequest): string | Response {
  const callback = t.url.searchParams.get("c") ?? t.url.searchParams.get("callback");
  if (!callback) return textResponse(500, '"callback" parameter required');
  if (!CALLBACK.test(callback)) return textResponse(500, 'invalid "callback" parameter');
  return callback;
}

/** The page `htmlfile` starts with: its script hands frames to the parent's callback. */
function htmlfilePage(callback: string): string {
  const head = `<!doctype html>
<html><head>
  <meta http-equiv="X-UA-Compatible" content="IE=edge" />
  <meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
</head><body><h2>Don't panic!</h2>
  <script>
    document.domain = document.domain;
    var c = parent.${callback};
    c.start();
    function p(d) {c.message(d);};
    window.onload = function() {c.stop();};
  </script>
`;
  // Padded to 1 KiB so that browsers start rendering (and running the scripts) at once.
  return head + " ".repeat(Math.max(0, 1024 - head.length)) + "\r\n\r\n";
}

/** `GET /{server}/{session}/htmlfile?c=callback`: a never-ending page of script tags (old IE). */
export function htmlfile(t: TransportRequest): Response {
  const callback = callbackParam(t);
  if (callback instanceof Response) return callback;
  return receive(t, {
    streaming: true,
    contentType: "text/html; charset=UTF-8",
    prelude: htmlfilePage(callback),
    format: (f) => `<script>\np(${scriptString(f)});\n</script>\r\n`,
    cors: false,
  });
}

/** `GET /{server}/{session}/jsonp?c=callback`: `/**\/callback("frame");`. */
export function jsonp(t: TransportRequest): Response {
  const callback = callbackParam(t);
  if (callback instanceof Response) return callback;
  return receive(t, {
    streaming: false,
    contentType: "application/javascript; charset=UTF-8",
    // The leading comment defuses content sniffing attacks (Rosetta Flash).
    format: (f) => `/**/${callback}(${scriptString(f)});\r\n`,
    cors: false,
    headers: { "X-Content-Type-Options": "nosniff" },
  });
}

const decoder = new TextDecoder();

/**
 * Reads a send request's body (bounded by `maxMessageSize`), hands its messages to the session and
 * answers `status` with `answer`; or the error response: a broken body before an unknown session,
 * as the reference server does.
 */
async function deliver(
  t: TransportRequest,
  extract: (body: string) => string,
  status: number,
  answer: string,
): Promise<Response> {
  const headers = transportHeaders(t, "text/plain; charset=UTF-8");
  let body: string;
  try {
    body = decoder.decode(await readBody(t.req, t.server.options.maxMessageSize));
  } catch (error) {
    if (error instanceof HttpError) {
      return textResponse(error.status, "Payload too large.", headers);
    }
    throw error;
  }
  const text = extract(body);
  let messages: unknown;
  try {
    messages = text === "" ? undefined : JSON.parse(text);
  } catch {
    return textResponse(500, "Broken JSON encoding.", headers);
  }
  if (!Array.isArray(messages)) return textResponse(500, "Payload expected.", headers);
  const session = t.server.session(t.sessionId);
  if (!session) return notFound(headers);
  for (const message of messages) if (typeof message === "string") session.receive(message);
  return textResponse(status, answer, headers);
}

/** `POST /{server}/{session}/xhr_send`: 204 once the messages are handed over. */
export function xhrSend(t: TransportRequest): Promise<Response> {
  return deliver(t, (body) => body, 204, "");
}

/** `POST /{server}/{session}/jsonp_send`: a form field `d` or a raw body; answers `ok`. */
export function jsonpSend(t: TransportRequest): Promise<Response> {
  const form = (t.req.headers.get("Content-Type") ?? "").toLowerCase()
    .startsWith("application/x-www-form-urlencoded");
  const extract = (body: string) => form ? new URLSearchParams(body).get("d") ?? "" : body;
  return deliver(t, extract, 200, "ok");
}
