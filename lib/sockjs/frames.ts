/**
 * SockJS frames, built in one place: `o` (open), `h` (heartbeat), `a[...]` (messages, ASCII JSON,
 * see `asciiJson`) and `c[code,"reason"]` (close).
 *
 * @example
 * ```ts
 * [OPEN_FRAME, HEARTBEAT_FRAME]; // ["o", "h"]
 * messageFrame(['"hello"', '{"a":1}']); // 'a["hello",{"a":1}]'
 * closeFrame(3000, "Go away!"); // 'c[3000,"Go away!"]'
 * scriptString('a["</script>"]'); // '"a[\\"\\u003c/script\\u003e\\"]"'
 * ```
 *
 * @module
 */

import { asciiJson, escapeUnit } from "../json.ts";

/** The open frame, the first frame of every session. */
export const OPEN_FRAME = "o";

/** The heartbeat frame, sent while a session is idle so that proxies keep the connection. */
export const HEARTBEAT_FRAME = "h";

// What a JavaScript string literal written into a page must not hold as it is: `<` and `>`
// (`</script>` ends the element, `<!--` changes how the HTML parser reads the rest), `&`, and
// every non-ASCII unit (U+2028 and U+2029 end a line in older JavaScript engines).
const SCRIPT_UNSAFE = /[<>&\u007f-\uffff]/g;

/** A frame as a JavaScript string literal safe anywhere in a page (`htmlfile`, `jsonp`). */
export function scriptString(frame: string): string {
  return JSON.stringify(frame).replace(SCRIPT_UNSAFE, escapeUnit);
}

/** Builds a message frame `a[...]` from message elements that are already JSON encoded. */
export function messageFrame(encoded: readonly string[]): string {
  return "a[" + encoded.join(",") + "]";
}

/** Builds a close frame `c[code,"reason"]`. */
export function closeFrame(code: number, reason: string): string {
  return "c[" + code + "," + asciiJson(reason) + "]";
}
