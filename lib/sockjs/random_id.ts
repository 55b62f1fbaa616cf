/**
 * Random session ids, for sessions whose id is not used to find them again (WebSocket sessions,
 * raw WebSockets).
 *
 * @module
 */

/** Returns a random session id (a UUID), as one flat string. */
export function randomId(): string {
  // Node's `randomUUID` joins its id from 16 pieces: a tree of 14 strings (about 450 bytes) that
  // a session would keep for its whole life. Copied through its char codes, it is one flat string.
  const uuid = crypto.randomUUID();
  const codes = new Array<number>(uuid.length);
  for (let i = 0; i < uuid.length; i++) codes[i] = uuid.charCodeAt(i);
  return String.fromCharCode(...codes);
}
