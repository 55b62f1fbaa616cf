/**
 * The endpoints with no session: the greeting (`GET /prefix/`), `/info`, which the SockJS client
 * asks first, and the iframe page iframe-based transports load to bootstrap the client.
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

/** Text as an HTML attribute value: `&`, `"`, `'`, `<` and `>` as character references. */
function attribute(text: string): string {
  return text.replace(/[&"'<>]/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** The iframe page; it loads the SockJS client from `sockjsUrl`. */
function page(sockjsUrl: string): string {
  return `<!DOCTYPE html>
<html>
<head>
  <meta http-equiv="X-UA-Compatible" content="IE=edge" />
  <meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
  <script src="${attribute(sockjsUrl)}"></script>
  <script>
    document.domain = document.domain;
    SockJS.bootstrap_iframe();
  </script>
</head>
<body>
  <h2>Don't panic!</h2>
  <p>This is a SockJS hidden iframe. It's used for cross domain magic.</p>
</body>
</html>`;
}

/** The page's ETag: a SHA-1 of its text. */
async function etagOf(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text));
  return '"' + [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("") +
    '"';
}

/** `GET /iframe.html` (and `/iframe-<anything>.html`), cached for a year, with an ETag. */
export async function iframe(t: TransportRequest): Promise<Response> {
  const body = page(t.server.options.sockjsUrl);
  const etag = await etagOf(body);
  if (t.req.headers.get("If-None-Match") === etag) return textResponse(304, "");
  return textResponse(200, body, {
    "Content-Type": "text/html; charset=UTF-8",
    ...cacheForAYear(),
    "ETag": etag,
  });
}
