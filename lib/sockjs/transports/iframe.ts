/**
 * The iframe page that iframe-based transports load from the server's origin. It loads the
 * SockJS client (served by this server unless `sockjsUrl` says otherwise) and bootstraps it.
 *
 * @module
 */

import type { TransportRequest } from "../transport.ts";
import { cacheForAYear, textResponse } from "../http.ts";

/** Text as an HTML attribute value: `&`, `"`, `'`, `<` and `>` as character references. */
function attribute(text: string): string {
  return text.replace(/[&"'<>]/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

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
