/**
 * The contract between the runtime adapters and the core: the request context an adapter hands the
 * handler, and the WebSocket interface the SockJS layer needs (WHATWG and `ws` sockets fit it).
 *
 * @module
 */

/** A server-side WebSocket, as far as the SockJS layer uses one. */
export interface WebSocketLike {
  /** 0 connecting, 1 open, 2 closing, 3 closed. */
  readonly readyState: number;
  /** Bytes queued by `send` and not yet written to the network. */
  readonly bufferedAmount: number;
  /** Sends a text frame. */
  send(data: string): void;
  /** Starts the closing handshake. */
  close(code?: number, reason?: string): void;
  // The handlers are called as methods of the socket (`this` is the socket), as the Web's event
  // handler attributes are: the transports share one handler among all sockets.
  /** Called once the socket is open. */
  onopen: ((event: Event) => void) | null;
  /** Called with each message; `data` is a string for text frames. */
  onmessage: ((event: MessageEvent) => void) | null;
  /** Called once the socket is closed. */
  onclose: ((event: CloseEvent) => void) | null;
  /** Called on a socket error; `onclose` follows. */
  onerror: ((event: Event) => void) | null;
}

/** Upgrades a request to a WebSocket: the runtime adapter's part of the handshake. */
export type UpgradeWebSocket = (
  req: Request,
) => { socket: WebSocketLike; response: Response };

/** What the runtime adapter tells the handler about a request besides the request itself. */
export interface RequestContext {
  /** The client's address (IP), when known. */
  readonly remoteAddress?: string;
  /** Present when the runtime can upgrade this request to a WebSocket. */
  readonly upgradeWebSocket?: UpgradeWebSocket;
}

/** A fetch-style handler with the runtime's request context. */
export type Handler = (req: Request, ctx?: RequestContext) => Promise<Response>;
