/**
 * The `htmlfile` transport: a never-ending HTML page whose script tags hand frames to a
 * callback in the parent window (for old Internet Explorer).
 *
 * @module
 */

import type { TransportRequest } from "../transport.ts";
import { callbackParam } from "./callback.ts";
import { receive } from "./http_receiver.ts";
import { scriptString } from "../frames.ts";

function page(callback: string): string {
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

/** `GET /{server}/{session}/htmlfile?c=callback`. */
export function htmlfile(t: TransportRequest): Response {
  const callback = callbackParam(t);
  if (callback instanceof Response) return callback;
  return receive(t, {
    streaming: true,
    contentType: "text/html; charset=UTF-8",
    prelude: page(callback),
    format: (f) => `<script>\np(${scriptString(f)});\n</script>\r\n`,
    cors: false,
  });
}
