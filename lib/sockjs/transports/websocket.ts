/**
 * The `websocket` transport: SockJS frames over one WebSocket per session.
 *
 * @module
 */

import { requestInfo } from "../request_info.ts";
import type { TransportRequest } from "../transport.ts";
import type { Receiver, Session, SessionRequestInfo } from "../session.ts";
import type { WebSocketLike } from "../../http/context.ts";
import type { ResolvedSockjsOptions } from "../options.ts";
import { BROKEN_FRAMING, INTERRUPTED, MESSAGE_TOO_BIG, SEND_BUFFER_FULL } from "../close_codes.ts";
import { cacheForAYear, notFound, textResponse } from "../http.ts";

/**
 * Checks that a request is a WebSocket handshake this server can take. Returns the error
 * response to send when it is not, or the upgraded socket, its response and the session's info.
 */
export function upgrade(
  t: TransportRequest,
  protocol: string,
): { socket: WebSocketLike; response: Response; info: SessionRequestInfo } | Response {
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
  // Read before the upgrade: once the request is upgraded, its headers can no longer be read.
  const info = requestInfo(t, protocol);
  try {
    return { ...t.ctx.upgradeWebSocket(t.req), info };
  } catch (error) {
    return textResponse(400, `WebSocket handshake failed: ${(error as Error).message}`);
  }
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

/** A session's receiver over one WebSocket, and its socket's handler: one object per session. */
class WebSocketReceiver implements Receiver, SocketHandler {
  #socket: WebSocketLike;
  #session: Session;
  #options: ResolvedSockjsOptions;
  #sent = 0;

  constructor(socket: WebSocketLike, session: Session, options: ResolvedSockjsOptions) {
    this.#socket = socket;
    this.#session = session;
    this.#options = options;
  }

  /** Always: a WebSocket carries every frame (a getter, not a field in every receiver). */
  get streaming(): boolean {
    return true;
  }

  send(frame: string): void {
    const socket = this.#socket;
    if (socket.readyState !== 1) return;
    socket.send(frame);
    // Asking the runtime for the buffered amount costs a call: every 16th frame is enough.
    if ((++this.#sent & 15) === 0 && socket.bufferedAmount > this.#options.maxBufferedBytes) {
      this.#session.close(SEND_BUFFER_FULL);
    }
  }

  close(): void {
    if (this.#socket.readyState < 2) this.#socket.close(1000);
  }

  /** The socket opened: the session gets its receiver. */
  opened(): void {
    this.#session.attach(this);
  }

  /** A frame from the client: its messages go to the session, or a bad frame closes it. */
  received(data: unknown): void {
    const session = this.#session;
    if (typeof data !== "string") return this.#brokenFraming();
    if (data.length === 0) return;
    if (exceedsBytes(data, this.#options.maxMessageSize)) return session.close(MESSAGE_TOO_BIG);
    const messages = parseClientFrame(data);
    if (!messages) return this.#brokenFraming();
    for (const message of messages) session.receive(message);
  }

  /**
   * A frame that is not SockJS framing ends the connection with no `c[...]` frame, as the protocol
   * suite asks: the session ends with 1002, the socket with 1000 (the WHATWG API allows no other).
   */
  #brokenFraming(): void {
    this.#session.abort(this, BROKEN_FRAMING);
    if (this.#socket.readyState < 2) this.#socket.close(1000, BROKEN_FRAMING.reason);
  }

  /** The socket closed: the session is over. */
  closed(): void {
    this.#session.abort(this, INTERRUPTED);
    this.#session.destroy();
  }
}

/** What hears a socket's events: a session's receiver, or a raw WebSocket connection. */
export interface SocketHandler {
  /** The socket opened. */
  opened(): void;
  /** A frame came from the client. */
  received(data: unknown): void;
  /** The socket closed. */
  closed(): void;
}

/** Where a socket keeps its handler: a property costs less than a `WeakMap` entry per client. */
const HANDLER = Symbol("sockjs socket handler");

/** A socket with its handler. */
type HandledSocket = WebSocketLike & { [HANDLER]?: SocketHandler | undefined };

function onOpen(this: HandledSocket): void {
  this[HANDLER]?.opened();
}

function onMessage(this: HandledSocket, event: MessageEvent): void {
  this[HANDLER]?.received(event.data);
}

function onClose(this: HandledSocket): void {
  const handler = this[HANDLER];
  this[HANDLER] = undefined; // set, not deleted: deleting would make the socket a dictionary
  handler?.closed();
}

/** Gives a socket its handler, through event functions shared by every socket (no closures). */
export function handleSocket(socket: WebSocketLike, handler: SocketHandler): void {
  (socket as HandledSocket)[HANDLER] = handler;
  socket.onopen = onOpen;
  socket.onmessage = onMessage;
  socket.onclose = onClose;
}

/** Handles `GET /prefix/{server}/{session}/websocket`. */
export function websocket(t: TransportRequest): Response {
  const upgraded = upgrade(t, "websocket");
  if (upgraded instanceof Response) return upgraded;
  const { socket, response, info } = upgraded;
  const { server } = t;
  // Not kept by id: its id is random, made only if something reads it (logging, tracing).
  const session = server.createSession(null, info);
  handleSocket(socket, new WebSocketReceiver(socket, session, server.options));
  return response;
}
