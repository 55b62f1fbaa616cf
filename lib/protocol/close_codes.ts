/**
 * The close codes of the Thunderpush protocol (9000-9003), shared by the server and the clients:
 * after them, clients do not reconnect. Imports nothing but a type, so browsers can load it.
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

/**
 * Thunderpush: CONNECT with a user id the HTTP API could never reach (empty, `.` or `..`, with a
 * lone surrogate) or longer than the server's `maxIdLength`.
 */
export const INVALID_USER_ID: CloseReason = { code: 9003, reason: "Invalid user id." };

/**
 * Thunderpush: RECOVER could not read the channel's history (Redis away); the client reconnects
 * and recovers again (1011, a code clients reconnect after).
 */
export const HISTORY_UNAVAILABLE: CloseReason = { code: 1011, reason: "History unavailable." };

/** Whether a close code tells Thunderpush clients not to reconnect (9000-9003). */
export function isFinalCloseCode(code: number): boolean {
  return code >= 9000 && code <= 9003;
}
