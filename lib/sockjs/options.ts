/**
 * The settings of a SockJS server, read by the server and its transports.
 *
 * @module
 */

import type { SockjsConnection } from "./session.ts";

/** Settings of a SockJS server; every field but `prefix` has the SockJS default. */
export interface SockjsServerOptions {
  /** Path prefix of the endpoints, without a trailing slash (e.g. `/connect`). */
  readonly prefix: string;
  /** Milliseconds between heartbeats (default 25,000). */
  readonly heartbeatDelay?: number;
  /** Milliseconds a session without a receiver lives on (default 5,000). */
  readonly disconnectDelay?: number;
  /** Bytes a streaming response carries before it ends and the client reconnects (128 KiB). */
  readonly responseLimit?: number;
  /** Whether the WebSocket transports are enabled (default true). */
  readonly websocket?: boolean;
  /** Whether `/info` says `cookie_needed` and responses set `JSESSIONID` (default false). */
  readonly jsessionid?: boolean;
  /** Where the iframe page loads the SockJS client from. */
  readonly sockjsUrl?: string;
  /** Largest client frame in bytes; larger frames close the session (default 65,536). */
  readonly maxMessageSize?: number;
  /** Most messages queued for a session without a receiver (default 1,000). */
  readonly maxQueuedMessages?: number;
  /** Most bytes written and not yet sent before `c[1008,"Send buffer full."]` (1 MiB). */
  readonly maxBufferedBytes?: number;
  /** Most open sessions; one more is closed with `c[1013,"Server is full."]` (50,000). */
  readonly maxConnections?: number;
  /** Called with every frame in and out, for debug logging. */
  readonly trace?: ((direction: "<" | ">", sessionId: string, frame: string) => void) | null;
  /** Called with what a `data` or `close` listener threw (default: the console). */
  readonly onError?: (conn: SockjsConnection, error: unknown) => void;
}

/** The resolved settings of a SockJS server. */
export type ResolvedSockjsOptions = Required<SockjsServerOptions>;
