/**
 * The close codes a SockJS session can end with (SockJS and WebSocket ones; the Thunderpush codes
 * are in `../protocol/close_codes.ts`).
 *
 * @module
 */

/** A close code with its reason text, as sent in a `c[code,"reason"]` frame. */
export interface CloseReason {
  /** The numeric code. */
  readonly code: number;
  /** The human-readable reason. */
  readonly reason: string;
}

/** The server closed the session on purpose (SockJS default). */
export const GO_AWAY: CloseReason = { code: 3000, reason: "Go away!" };

/** A second receiver tried to attach to a session that already has one. */
export const ANOTHER_CONNECTION: CloseReason = {
  code: 2010,
  reason: "Another connection still open",
};

/** The receiver went away while the session was open (SockJS). */
export const INTERRUPTED: CloseReason = { code: 1002, reason: "Connection interrupted" };

/** The server is shutting down; clients should reconnect later. */
export const SHUTTING_DOWN: CloseReason = { code: 1001, reason: "Server shutting down" };

/** A client frame was not valid SockJS framing (not JSON, or not strings). */
export const BROKEN_FRAMING: CloseReason = { code: 1002, reason: "Broken framing." };

/** A client frame was larger than the server accepts. */
export const MESSAGE_TOO_BIG: CloseReason = { code: 1009, reason: "Message too big." };

/** The client reads too slowly: past `maxBufferedBytes` unwritten, or `maxQueuedMessages`. */
export const SEND_BUFFER_FULL: CloseReason = { code: 1008, reason: "Send buffer full." };

/** The client sent more commands per second than the server allows. */
export const TOO_MANY_COMMANDS: CloseReason = { code: 1008, reason: "Too many commands." };

/** The server has `maxConnections` open sessions already; the client should retry later. */
export const SERVER_FULL: CloseReason = { code: 1013, reason: "Server is full." };

/** The server failed on the client's message (a bug, logged): this session closes, no other. */
export const INTERNAL_ERROR: CloseReason = { code: 1011, reason: "Internal server error." };
