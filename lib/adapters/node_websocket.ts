/**
 * WebSockets on Node with the `ws` package, behind the `WebSocketLike` interface. The upgrade is
 * asked for synchronously but `ws` completes it only after the handler returned, so the handler
 * gets a {@linkcode NodeWebSocket} in the CONNECTING state, wired to `ws` once the handshake is
 * done (docs/runtimes.md, "The Node adapter").
 *
 * @module
 */

import { Buffer } from "node:buffer";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocket, WebSocketServer } from "npm:ws@8.23.0";
import type { WebSocketLike } from "../http/context.ts";

/**
 * How much over `maxMessageSize` a message still reaches the handler, which answers its own close
 * frame (`c[1009,"Message too big."]`); `ws` refuses a larger one while it arrives, with 1009.
 */
const FRAMING_HEADROOM = 64 * 1024;

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

/**
 * Finds peers gone without a close, with one timer per idle timeout: every `idleTimeout` ms it
 * pings each socket heard from since the last round and drops each one not (no message, no pong).
 * The timer runs only while it has sockets, and never keeps the process alive.
 */
class PingRounds {
  // An array slot each (a Set would take a hash-table entry): each socket knows its place
  // (`pingSlot`), and one that leaves moves the last one into it.
  readonly #sockets: NodeWebSocket[] = [];
  readonly #idleTimeout: number;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(idleTimeout: number) {
    this.#idleTimeout = idleTimeout;
  }

  /** Starts watching a socket (the timer starts with the first one). */
  add(socket: NodeWebSocket): void {
    socket.pingSlot = this.#sockets.push(socket) - 1;
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => this.#round(), this.#idleTimeout);
    (this.#timer as { unref?: () => void }).unref?.();
  }

  /** Stops watching a socket (the timer stops with the last one). */
  delete(socket: NodeWebSocket): void {
    const sockets = this.#sockets;
    const slot = socket.pingSlot;
    if (sockets[slot] !== socket) return;
    socket.pingSlot = -1;
    const last = sockets.pop()!;
    if (last !== socket) {
      sockets[slot] = last;
      last.pingSlot = slot;
    }
    if (sockets.length > 0 || this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #round(): void {
    // Over a copy: a socket that leaves meanwhile moves another into its place.
    for (const socket of [...this.#sockets]) socket.pingOrDrop();
  }
}

/** The ping rounds of each idle timeout in use. */
const pingRounds = new Map<number, PingRounds>();

/**
 * The `ws` socket class the handshaker makes: it hands its events straight to its owner, so it
 * stores no listeners (an `EventEmitter` keeps a dictionary of them). Others (`open`, `ping`, any
 * before the owner is set) go the usual way.
 */
class OwnedWebSocket extends WebSocket {
  /** The socket handed out to the core, set once the handshake is done. */
  owner: NodeWebSocket | null = null;

  // deno-lint-ignore no-explicit-any -- EventEmitter's own signature
  override emit(event: string | symbol, ...args: any[]): boolean {
    const owner = this.owner;
    if (owner === null) return super.emit(event, ...args);
    switch (event) {
      case "message":
        owner.received(args[0], args[1]);
        return true;
      case "pong":
        owner.heard();
        return true;
      case "error": // `closed` follows
        owner.onerror?.(new Event("error"));
        return true;
      case "close":
        owner.closed(args[0], args[1]);
        return true;
    }
    return super.emit(event, ...args);
  }
}

/** Closes asked for before the handshake was done (rare, so not a field of every socket). */
const pendingCloses = new WeakMap<NodeWebSocket, [number | undefined, string | undefined]>();

/** `ws.send`'s options for a text frame given as bytes (one object for every send). */
const TEXT_FRAME = { binary: false };

/** The last text sent and its UTF-8 bytes: a publish's frame is encoded once for all sockets. */
let lastText = "";
let lastBytes: Buffer = Buffer.alloc(0);

function utf8(text: string): Buffer {
  if (text !== lastText) {
    lastBytes = Buffer.from(text, "utf8");
    lastText = text;
  }
  return lastBytes;
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
  #idleTimeout: number;
  /** Whether a message or a pong came since the last ping round. */
  #heard = true;
  /** This socket's place in its ping rounds, -1 when not watched. @internal */
  pingSlot = -1;

  /** A peer silent for `idleTimeout` ms is pinged, and dropped without an answer in as long. */
  constructor(idleTimeout: number) {
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
    this.#ws.send(utf8(data), TEXT_FRAME);
  }

  /** Starts the closing handshake; before the handshake is done, closes right after it. */
  close(code?: number, reason?: string): void {
    if (this.#ws) {
      this.#ws.close(code, reason);
    } else if (this.#state === 0) {
      this.#state = 2;
      pendingCloses.set(this, [code, reason]);
    }
  }

  /** Wires the socket `ws` made in the handshake, and fires `onopen` (or does a pending close). */
  attach(ws: OwnedWebSocket): void {
    this.#ws = ws;
    ws.owner = this;
    if (this.#idleTimeout > 0) {
      let rounds = pingRounds.get(this.#idleTimeout);
      if (!rounds) pingRounds.set(this.#idleTimeout, rounds = new PingRounds(this.#idleTimeout));
      rounds.add(this);
    }
    const pendingClose = this.#state === 2 ? pendingCloses.get(this) : undefined;
    if (pendingClose) {
      pendingCloses.delete(this);
      ws.close(...pendingClose);
    } else {
      this.onopen?.(new Event("open"));
    }
  }

  /** One ping round: pings a peer heard from since the last round, drops one that was not. */
  pingOrDrop(): void {
    const ws = this.#ws;
    if (!ws || this.#state === 3) return;
    if (!this.#heard) return ws.terminate();
    this.#heard = false;
    ws.ping();
  }

  /** The handshake did not complete: fires `onerror` and `onclose` (1006), once. */
  fail(): void {
    if (this.#ws || this.#state === 3) return;
    this.#state = 3;
    this.onerror?.(new Event("error"));
    this.onclose?.(closeEvent(1006, ""));
  }

  /** A message from the peer (`ws` has checked that text is valid UTF-8). @internal */
  received(data: Buffer, isBinary: boolean): void {
    this.#heard = true;
    const payload = isBinary
      ? data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)
      : data.toString("utf8");
    this.onmessage?.(new MessageEvent("message", { data: payload }));
  }

  /** A pong from the peer. @internal */
  heard(): void {
    this.#heard = true;
  }

  /** The socket closed, once. @internal */
  closed(code: number, reason: Buffer): void {
    if (this.#state === 3) return;
    this.#state = 3;
    pingRounds.get(this.#idleTimeout)?.delete(this);
    this.onclose?.(closeEvent(code, reason.toString("utf8")));
  }
}

/**
 * The `ws` server that completes handshakes for `serve_node.ts`, as `Deno.upgradeWebSocket`
 * without options does (no compression, no subprotocol, a `Date` in the `101`). A message over
 * `maxMessageSize` plus `FRAMING_HEADROOM` bytes is refused (1009) as soon as a frame header says
 * so, before its payload is kept.
 */
export function createHandshaker(maxMessageSize = 65_536): (
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  target: NodeWebSocket,
) => void {
  const wss = new WebSocketServer<typeof OwnedWebSocket>({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: maxMessageSize + FRAMING_HEADROOM,
    handleProtocols: () => false,
    WebSocket: OwnedWebSocket,
  });
  wss.on("headers", (headers: string[]) => headers.push(`Date: ${new Date().toUTCString()}`));
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
