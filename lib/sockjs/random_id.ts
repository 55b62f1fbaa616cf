/**
 * Random ids for sessions never found by id (WebSocket sessions, raw WebSockets).
 *
 * @module
 */

/** Returns a random session id (a UUID), as one flat string. */
export function randomId(): string {
  // Node's `randomUUID` is a tree of strings a session would keep for life; copied, it is flat.
  const uuid = crypto.randomUUID();
  const codes = new Array<number>(uuid.length);
  for (let i = 0; i < uuid.length; i++) codes[i] = uuid.charCodeAt(i);
  return String.fromCharCode(...codes);
}
