/**
 * The close codes of the Thunderpush protocol (9000-9005), shared by the server and the clients:
 * after them, clients do not reconnect, except after 9004 with a fresh token. Imports nothing but
 * a type, so browsers can load it.
 *
 * @module
 */

import type { CloseReason } from "../sockjs/close_codes.ts";

/** Thunderpush: CONNECT named a public key the server does not know. */
export const INVALID_API_KEY: CloseReason = { code: 9000, reason: "Invalid API key." };

/** Thunderpush: SUBSCRIBE or UNSUBSCRIBE before a successful CONNECT. */
export const NOT_CONNECTED: CloseReason = {
  code: 9001,
  reason: "Subscribing before connecting.",
};

/** Thunderpush: the application logged the user out (DELETE on the user). */
export const FORCED_LOGOUT: CloseReason = {
  code: 9002,
  reason: "Server closed the connection (intentionally).",
};

/** Thunderpush: CONNECT with a user id the API cannot name, or longer than `maxIdLength`. */
export const INVALID_USER_ID: CloseReason = { code: 9003, reason: "Invalid user id." };

/** Thunderpush: RECOVER could not read the history (1011: the client reconnects, recovers again). */
export const HISTORY_UNAVAILABLE: CloseReason = { code: 1011, reason: "History unavailable." };

/** Thunderpush, `--require-token`: the token expired; a client may reconnect with a fresh one. */
export const TOKEN_EXPIRED: CloseReason = { code: 9004, reason: "Token expired." };

/** Thunderpush, `--require-token`: no token, or one not valid (signature, claims, `sub`). */
export const INVALID_TOKEN: CloseReason = { code: 9005, reason: "Invalid token." };

/**
 * Whether a close code tells Thunderpush clients not to reconnect (9000-9003 and 9005; after
 * 9004 only a client that can fetch a fresh token reconnects).
 */
export function isFinalCloseCode(code: number): boolean {
  return (code >= 9000 && code <= 9003) || code === INVALID_TOKEN.code;
}
