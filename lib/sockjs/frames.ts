/**
 * SockJS frames, built in one place.
 *
 * The wire format of the SockJS protocol: `o` opens a session, `h` is a heartbeat, `a[...]` carries
 * an array of messages and `c[code,"reason"]` closes the session. Message text is JSON with every
 * character outside printable ASCII written as `\uXXXX`, so the frames survive any proxy and every
 * range the SockJS protocol asks to escape is covered (see `asciiJson` in `../json.ts`).
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

/**
 * A frame as a JavaScript string literal that is safe anywhere in a page or a script file: its
 * JSON with `<`, `>`, `&` and every non-ASCII code unit written as `\uXXXX`, which `JSON.parse`
 * and JavaScript read back to the same frame. For the transports whose frames are script
 * (`htmlfile`, `jsonp`).
 *
 * @example
 * ```ts
 * import { scriptString } from "./frames.ts";
 * scriptString('a["</script>"]'); // '"a[\\"\\u003c/script\\u003e\\"]"'
 * ```
 */
export function scriptString(frame: string): string {
  return JSON.stringify(frame).replace(SCRIPT_UNSAFE, escapeUnit);
}

/**
 * Builds a message frame `a[...]` from message elements that are already JSON encoded.
 *
 * @example
 * ```ts
 * import { messageFrame } from "./frames.ts";
 * messageFrame(['"hello"', '{"a":1}']); // 'a["hello",{"a":1}]'
 * ```
 */
export function messageFrame(encoded: readonly string[]): string {
  return "a[" + encoded.join(",") + "]";
}

/**
 * Builds a close frame `c[code,"reason"]`.
 *
 * @example
 * ```ts
 * import { closeFrame } from "./frames.ts";
 * closeFrame(3000, "Go away!"); // 'c[3000,"Go away!"]'
 * ```
 */
export function closeFrame(code: number, reason: string): string {
  return "c[" + code + "," + asciiJson(reason) + "]";
}
