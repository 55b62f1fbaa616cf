/**
 * The `jsonp` polling transport: each frame is a call of the page's callback.
 *
 * @module
 */

import type { TransportRequest } from "../transport.ts";
import { callbackParam } from "./callback.ts";
import { receive } from "./http_receiver.ts";
import { scriptString } from "../frames.ts";

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
