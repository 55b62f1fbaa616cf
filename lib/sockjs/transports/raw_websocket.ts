/**
 * The raw WebSocket endpoint, `GET /prefix/websocket`: no SockJS framing. Each text frame from the
 * client is one message; each message to the client is one text frame carrying its JSON.
 *
 * @module
 */

import type { TransportRequest } from "../transport.ts";
import type { SessionRequestInfo, SockjsConnection } from "../session.ts";
import { Listened, randomId, SessionState } from "../session.ts";
import type { WebSocketLike } from "../../http/context.ts";
import type { ResolvedSockjsOptions } from "../options.ts";
import {
  type CloseReason,
  GO_AWAY,
  INTERRUPTED,
  MESSAGE_TOO_BIG,
  SEND_BUFFER_FULL,
} from "../close_codes.ts";
import { exceedsBytes, upgrade } from "./websocket.ts";

/**
 * The WebSocket close code for a SockJS close code. WebSocket close codes stop at 4999, so the
 * Thunderpush codes 9000-9005 become 4000-4005; codes a WebSocket may carry go through unchanged
 * and any other becomes 1000.
 */
function rawCloseCode(code: number): number {
  if (code >= 9000 && code <= 9999) return code - 5000;
  if (code >= 3000 && code <= 4999) return code;
  if ((code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011)) return code;
  return 1000;
}

/** A raw WebSocket seen as a SockJS connection. */
class RawConnection extends Listened implements SockjsConnection {
  readonly id: string = randomId();
  readonly info: SessionRequestInfo;
  #socket: WebSocketLike;
  #state: SessionState = SessionState.CONNECTING;
  #options: ResolvedSockjsOptions;

  constructor(socket: WebSocketLike, info: SessionRequestInfo, options: ResolvedSockjsOptions) {
    super();
    this.#socket = socket;
    this.info = info;
    this.#options = options;
  }

  get readyState(): SessionState {
    return this.#state;
  }

  write(message: string): boolean {
    return this.#send(String(message));
  }

  writeEncoded(element: string): boolean {
    return this.#send(element);
  }

  writeFrame(_frame: string, elements: readonly string[]): boolean {
    // A raw WebSocket client gets one text frame per message.
    for (const element of elements) if (!this.#send(element)) return false;
    return true;
  }

  close(reason: CloseReason = GO_AWAY): void {
    if (this.#state >= SessionState.CLOSING) return;
    if (this.#socket.readyState < 2) this.#socket.close(rawCloseCode(reason.code), reason.reason);
    this.ended(reason);
  }

  opened(): void {
    this.#state = SessionState.OPEN;
  }

  receive(message: string): void {
    if (this.#state === SessionState.OPEN) this.tellData(message);
  }

  ended(reason: CloseReason): void {
    if (this.#state >= SessionState.CLOSING) return;
    this.#state = SessionState.CLOSED;
    this.tellClose(reason);
  }

  protected report(error: unknown): void {
    this.#options.onError(this, error);
  }

  #send(text: string): boolean {
    if (this.#state !== SessionState.OPEN || this.#socket.readyState !== 1) return false;
    this.#socket.send(text);
    if (this.#socket.bufferedAmount > this.#options.maxBufferedBytes) this.close(SEND_BUFFER_FULL);
    return true;
  }
}

/** Handles `GET /prefix/websocket`. */
export function rawWebsocket(t: TransportRequest): Response {
  const upgraded = upgrade(t, "websocket-raw");
  if (upgraded instanceof Response) return upgraded;
  const { socket, response, info } = upgraded;
  const { server } = t;
  const conn = new RawConnection(socket, info, server.options);
  const { maxMessageSize, trace } = server.options;
  socket.onopen = () => {
    conn.opened();
    server.opened(conn);
  };
  socket.onmessage = (event) => {
    if (typeof event.data !== "string") return;
    if (exceedsBytes(event.data, maxMessageSize)) return conn.close(MESSAGE_TOO_BIG);
    trace?.("<", conn.id, event.data);
    conn.receive(event.data);
  };
  socket.onclose = () => {
    conn.ended(INTERRUPTED);
    server.ended(conn);
  };
  return response;
}
