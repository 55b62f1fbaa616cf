/**
 * The raw WebSocket endpoint, `GET /prefix/websocket`: no SockJS framing. Each text frame from the
 * client is one message; each message to the client is one text frame carrying its JSON.
 *
 * @module
 */

import type { TransportRequest, TransportServer } from "../transport.ts";
import type { SessionRequestInfo, SockjsConnection } from "../session.ts";
import { Listened, randomId, SessionState } from "../session.ts";
import type { WebSocketLike } from "../../http/context.ts";

import {
  type CloseReason,
  GO_AWAY,
  INTERRUPTED,
  MESSAGE_TOO_BIG,
  SEND_BUFFER_FULL,
} from "../close_codes.ts";
import { exceedsBytes, handleSocket, type SocketHandler, upgrade } from "./websocket.ts";

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

/** A raw WebSocket seen as a SockJS connection, and its socket's handler. */
class RawConnection extends Listened implements SockjsConnection, SocketHandler {
  readonly id: string = randomId();
  readonly info: SessionRequestInfo;
  #socket: WebSocketLike;
  #state: SessionState = SessionState.CONNECTING;
  #server: TransportServer;

  constructor(socket: WebSocketLike, info: SessionRequestInfo, server: TransportServer) {
    super();
    this.#socket = socket;
    this.info = info;
    this.#server = server;
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
    this.#ended(reason);
  }

  opened(): void {
    this.#state = SessionState.OPEN;
    this.#server.opened(this);
  }

  received(data: unknown): void {
    if (typeof data !== "string") return;
    const { maxMessageSize, trace } = this.#server.options;
    if (exceedsBytes(data, maxMessageSize)) return this.close(MESSAGE_TOO_BIG);
    trace?.("<", this.id, data);
    if (this.#state === SessionState.OPEN) this.tellData(data);
  }

  closed(): void {
    this.#ended(INTERRUPTED);
    this.#server.ended(this);
  }

  protected report(error: unknown): void {
    this.#server.options.onError(this, error);
  }

  #ended(reason: CloseReason): void {
    if (this.#state >= SessionState.CLOSING) return;
    this.#state = SessionState.CLOSED;
    this.tellClose(reason);
  }

  #send(text: string): boolean {
    if (this.#state !== SessionState.OPEN || this.#socket.readyState !== 1) return false;
    this.#socket.send(text);
    const { maxBufferedBytes } = this.#server.options;
    if (this.#socket.bufferedAmount > maxBufferedBytes) this.close(SEND_BUFFER_FULL);
    return true;
  }
}

/** Handles `GET /prefix/websocket`. */
export function rawWebsocket(t: TransportRequest): Response {
  const upgraded = upgrade(t, "websocket-raw");
  if (upgraded instanceof Response) return upgraded;
  const { socket, response, info } = upgraded;
  handleSocket(socket, new RawConnection(socket, info, t.server));
  return response;
}
