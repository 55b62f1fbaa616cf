/**
 * The `websocket` transport: SockJS frames over one WebSocket per session.
 *
 * @module
 */

import { requestInfo } from "../request_info.ts";
import type { TransportRequest } from "../routes.ts";
import type { Receiver, Session } from "../session.ts";
import type { WebSocketLike } from "../socket.ts";
import { BROKEN_FRAMING, INTERRUPTED, MESSAGE_TOO_BIG, SEND_BUFFER_FULL } from "../close_codes.ts";
import { cacheForAYear, notFound, textResponse } from "../http.ts";

/**
 * Checks that a request is a WebSocket handshake this server can take. Returns the error
 * response to send when it is not, or the upgraded socket and its response.
 */
export function upgrade(
  t: TransportRequest,
): { socket: WebSocketLike; response: Response } | Response {
  if (!t.server.options.websocket) return notFound(cacheForAYear());
  const upgradeHeader = (t.req.headers.get("Upgrade") ?? "").toLowerCase();
  const connection = (t.req.headers.get("Connection") ?? "").toLowerCase();
  if (
    upgradeHeader !== "websocket" ||
    !connection.split(",").some((token) => token.trim() === "upgrade")
  ) {
    return textResponse(400, "Not a valid websocket request");
  }
  if (!t.ctx.upgradeWebSocket) return textResponse(400, "WebSocket upgrade is not available.");
  try {
    return t.ctx.upgradeWebSocket(t.req);
  } catch (error) {
    return textResponse(400, `WebSocket handshake failed: ${(error as Error).message}`);
  }
}

/** Returns a random session id for sessions whose id is not used to find them again. */
export function randomId(): string {
  return crypto.randomUUID();
}

const encoder = new TextEncoder();

/** Whether a text is longer than `maxBytes` bytes once encoded as UTF-8. */
export function exceedsBytes(text: string, maxBytes: number): boolean {
  if (text.length > maxBytes) return true;
  if (text.length * 3 <= maxBytes) return false;
  return encoder.encode(text).length > maxBytes;
}

/** A client frame as the SockJS client sends it: a JSON array of strings (or one string). */
export function parseClientFrame(text: string): string[] | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const items = Array.isArray(value) ? value : [value];
  // Non-string elements cannot be commands: they are dropped.
  return items.filter((item): item is string => typeof item === "string");
}

/**
 * A session's receiver over one WebSocket. A class rather than closures: one object per session,
 * its methods shared, which matters at tens of thousands of sessions.
 */
class WebSocketReceiver implements Receiver {
  readonly streaming = true;
  #socket: WebSocketLike;
  #session: Session;
  #maxBuffered: number;
  #sent = 0;

  constructor(socket: WebSocketLike, session: Session, maxBuffered: number) {
    this.#socket = socket;
    this.#session = session;
    this.#maxBuffered = maxBuffered;
  }

  send(frame: string): void {
    const socket = this.#socket;
    if (socket.readyState !== 1) return;
    socket.send(frame);
    // Asking the runtime for the buffered amount costs a call: every 16th frame is enough.
    if ((++this.#sent & 15) === 0 && socket.bufferedAmount > this.#maxBuffered) {
      this.#session.close(SEND_BUFFER_FULL);
    }
  }

  close(): void {
    if (this.#socket.readyState < 2) this.#socket.close(1000);
  }
}

function ignore(): void {}

/** Handles `GET /prefix/{server}/{session}/websocket`. */
export function websocket(t: TransportRequest): Response {
  // Read before the upgrade: once the request is upgraded, its headers can no longer be read.
  const info = requestInfo(t, "websocket");
  const upgraded = upgrade(t);
  if (upgraded instanceof Response) return upgraded;
  const { socket, response } = upgraded;
  const { server } = t;
  const session = server.createSession(randomId(), info, false);
  const receiver = new WebSocketReceiver(socket, session, server.options.maxBufferedBytes);
  const maxSize = server.options.maxMessageSize;
  socket.onopen = () => session.attach(receiver);
  socket.onmessage = (event) => {
    const data = event.data;
    if (typeof data !== "string") return session.close(BROKEN_FRAMING);
    if (data.length === 0) return;
    if (exceedsBytes(data, maxSize)) return session.close(MESSAGE_TOO_BIG);
    const messages = parseClientFrame(data);
    if (!messages) return session.close(BROKEN_FRAMING);
    for (const message of messages) session.receive(message);
  };
  socket.onclose = () => {
    session.abort(receiver, INTERRUPTED);
    session.destroy();
  };
  socket.onerror = ignore;
  return response;
}
