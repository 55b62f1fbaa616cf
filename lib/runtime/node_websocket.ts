/**
 * WebSockets on Node with the `ws` package, behind the `WebSocketLike` interface the SockJS layer
 * uses.
 *
 * The handler asks for the upgrade synchronously (`ctx.upgradeWebSocket(req)` returns
 * `{ socket, response }`, as `Deno.upgradeWebSocket` does) but `ws` completes the handshake only
 * after the handler has returned that response. So the socket given out is a {@linkcode
 * NodeWebSocket} that starts in the CONNECTING state, keeps the handlers the core sets, and is
 * wired to the real `ws` socket once the handshake is done; then `onopen` fires, as on Deno.
 *
 * @module
 */

import type { Buffer } from "node:buffer";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { type WebSocket, WebSocketServer } from "ws";
import type { WebSocketLike } from "../sockjs/socket.ts";
import { httpDate } from "./node_response.ts";

/** Largest message accepted, as Deno's WebSocket (64 MiB). */
const MAX_PAYLOAD = 64 * 1024 * 1024;

const KEY_FORMAT = /^[+/0-9A-Za-z]{22}==$/;

function hasToken(value: string | null, token: string): boolean {
  return value !== null &&
    value.split(",").some((option) => option.trim().toLowerCase() === token);
}

/**
 * Checks a request is a WebSocket handshake, with the messages `Deno.upgradeWebSocket` throws.
 * Also refuses what `ws` would refuse and Deno lets through: a malformed key, a version other
 * than 13 or 8.
 *
 * @throws {TypeError} when the request is not a handshake this server can complete.
 */
export function checkHandshake(req: Request): void {
  if (!hasToken(req.headers.get("upgrade"), "websocket")) {
    throw new TypeError("Invalid Header: 'upgrade' header must contain 'websocket'");
  }
  if (!hasToken(req.headers.get("connection"), "upgrade")) {
    throw new TypeError("Invalid Header: 'connection' header must contain 'Upgrade'");
  }
  const key = req.headers.get("sec-websocket-key");
  if (key === null) throw new TypeError("Invalid Header: 'sec-websocket-key' header must be set");
  if (!KEY_FORMAT.test(key)) {
    throw new TypeError("Invalid Header: 'sec-websocket-key' header must be 16 bytes in base64");
  }
  const version = req.headers.get("sec-websocket-version");
  if (version !== "13" && version !== "8") {
    throw new TypeError("Invalid Header: 'sec-websocket-version' header must be 13");
  }
}

function closeEvent(code: number, reason: string): CloseEvent {
  const init = { code, reason, wasClean: code !== 1006 };
  if (typeof CloseEvent === "function") return new CloseEvent("close", init);
  return Object.assign(new Event("close"), init) as CloseEvent; // Node 20 and 22
}

/** A server-side WebSocket handed out before `ws` has completed the handshake. */
export class NodeWebSocket implements WebSocketLike {
  /** Called once the handshake is done. */
  onopen: ((event: Event) => void) | null = null;
  /** Called with each message: a string for text frames, an `ArrayBuffer` for binary ones. */
  onmessage: ((event: MessageEvent) => void) | null = null;
  /** Called once the socket is closed. */
  onclose: ((event: CloseEvent) => void) | null = null;
  /** Called on a socket error; `onclose` follows. */
  onerror: ((event: Event) => void) | null = null;
  #ws: WebSocket | null = null;
  #state = 0;
  #pendingClose: [number | undefined, string | undefined] | null = null;
  #idleTimeout: number;

  /**
   * Creates the socket; it is wired to `ws` by `attach`. A peer that stays silent for
   * `idleTimeout` ms is pinged, and dropped when it does not answer in as long (0: never).
   */
  constructor(idleTimeout = 30_000) {
    this.#idleTimeout = idleTimeout;
  }

  /** 0 connecting, 1 open, 2 closing, 3 closed. */
  get readyState(): number {
    return this.#ws ? this.#ws.readyState : this.#state;
  }

  /** Bytes queued by `send` and not yet written to the network. */
  get bufferedAmount(): number {
    return this.#ws?.bufferedAmount ?? 0;
  }

  /** Sends a text frame. Throws while the handshake is not done, as a WHATWG WebSocket does. */
  send(data: string): void {
    if (!this.#ws) throw new DOMException("WebSocket is not open", "InvalidStateError");
    this.#ws.send(data);
  }

  /** Starts the closing handshake; before the handshake is done, closes right after it. */
  close(code?: number, reason?: string): void {
    if (this.#ws) {
      this.#ws.close(code, reason);
    } else if (this.#state === 0) {
      this.#state = 2;
      this.#pendingClose = [code, reason];
    }
  }

  /** Wires the socket `ws` handed over after the handshake, and fires `onopen`. */
  attach(ws: WebSocket): void {
    this.#ws = ws;
    ws.on("message", (data: Buffer, isBinary: boolean) => {
      const payload = isBinary
        ? data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)
        : data.toString("utf8"); // ws has checked it is valid UTF-8
      this.onmessage?.(new MessageEvent("message", { data: payload }));
    });
    ws.on("error", () => this.onerror?.(new Event("error")));
    let heard = true;
    const timer = this.#idleTimeout > 0
      ? setInterval(() => {
        if (!heard) return ws.terminate(); // no pong, no message: half-open
        heard = false;
        ws.ping();
      }, this.#idleTimeout)
      : undefined;
    const alive = () => heard = true;
    ws.on("pong", alive);
    ws.on("message", alive);
    ws.on("close", (code: number, reason: Buffer) => {
      clearInterval(timer);
      this.onclose?.(closeEvent(code, reason.toString("utf8")));
    });
    if (this.#pendingClose) {
      ws.close(...this.#pendingClose);
    } else {
      this.onopen?.(new Event("open"));
    }
  }

  /** The handshake did not complete: fires `onerror` and `onclose` (1006), once. */
  fail(): void {
    if (this.#ws || this.#state === 3) return;
    this.#state = 3;
    this.onerror?.(new Event("error"));
    this.onclose?.(closeEvent(1006, ""));
  }
}

/**
 * The `ws` server that completes handshakes for `serve_node.ts`: no server of its own, no
 * compression and no subprotocol (as `Deno.upgradeWebSocket` without options), and a `101`
 * answer written as Deno writes it (lower-case names, then `date`).
 */
export function createHandshaker(): (
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  target: NodeWebSocket,
) => void {
  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: MAX_PAYLOAD,
    handleProtocols: () => false,
  });
  wss.on("headers", (headers: string[]) => {
    for (let i = 1; i < headers.length; i++) {
      const colon = headers[i].indexOf(":");
      headers[i] = headers[i].slice(0, colon).toLowerCase() + headers[i].slice(colon);
    }
    headers.push(`date: ${httpDate()}`);
  });
  return (req, socket, head, target) => {
    if (socket.destroyed) return target.fail();
    const failed = () => target.fail();
    socket.once("close", failed);
    wss.handleUpgrade(req, socket, head, (ws) => {
      socket.off("close", failed);
      target.attach(ws);
    });
  };
}
