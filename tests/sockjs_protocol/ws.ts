/**
 * A queue-based wrapper around Deno's global `WebSocket` (RFC 6455) for the SockJS protocol
 * suite: `recv()` with a timeout, a typed error when the connection is closed, and an
 * `AsyncDisposable` that waits for the close handshake so no resource leaks out of a test.
 *
 * @module
 */

import { DEFAULT_TIMEOUT_MS, TimeoutError, withTimeout } from "./http.ts";

/** Raised by {@linkcode WsClient.recv} when the connection is (or gets) closed. */
export class WsClosedError extends Error {
  /** Close code from the close event. */
  readonly code: number;
  /** Close reason from the close event. */
  readonly reason: string;
  /** Whether the close handshake completed. */
  readonly wasClean: boolean;

  /** Wraps a close event. */
  constructor(code: number, reason: string, wasClean: boolean) {
    super(`WebSocket closed (code ${code}, reason ${JSON.stringify(reason)})`);
    this.name = "WsClosedError";
    this.code = code;
    this.reason = reason;
    this.wasClean = wasClean;
  }
}

type Item = { kind: "message"; data: string } | { kind: "closed"; error: WsClosedError };

/** A connected WebSocket whose incoming messages are queued. */
export class WsClient implements AsyncDisposable {
  readonly #ws: WebSocket;
  readonly #queue: Item[] = [];
  readonly #waiters: Array<() => void> = [];
  readonly #closed: Promise<WsClosedError>;
  #closeInfo: WsClosedError | undefined;
  #closeCalled = false;

  private constructor(ws: WebSocket, closed: Promise<WsClosedError>) {
    this.#ws = ws;
    this.#closed = closed;
    ws.addEventListener("message", (ev) => {
      const data = typeof ev.data === "string" ? ev.data : `<binary ${String(ev.data)}>`;
      this.#push({ kind: "message", data });
    });
    void closed.then((info) => {
      this.#closeInfo = info;
      this.#push({ kind: "closed", error: info });
    });
  }

  #push(item: Item): void {
    this.#queue.push(item);
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /** Opens a WebSocket to `url` (`ws:`) and waits until it is open. */
  static async connect(url: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<WsClient> {
    const ws = new WebSocket(url);
    const closed = new Promise<WsClosedError>((resolve) => {
      ws.addEventListener(
        "close",
        (ev) => resolve(new WsClosedError(ev.code, ev.reason, ev.wasClean)),
        { once: true },
      );
    });
    const opened = new Promise<boolean>((resolve) => {
      ws.addEventListener("open", () => resolve(true), { once: true });
      void closed.then(() => resolve(false));
    });
    const client = new WsClient(ws, closed);
    let ok = false;
    try {
      ok = await withTimeout(opened, timeoutMs, `WebSocket handshake with ${url}`);
    } catch (err) {
      await client.close();
      throw err;
    }
    if (!ok) {
      const info = await closed;
      throw new Error(`WebSocket to ${url} failed to open (close code ${info.code})`);
    }
    return client;
  }

  /** The underlying WebSocket. */
  get socket(): WebSocket {
    return this.#ws;
  }

  /** The close event, once the connection has been closed. */
  get closeInfo(): WsClosedError | undefined {
    return this.#closeInfo;
  }

  /** Resolves with the close event when the connection closes. */
  get closed(): Promise<WsClosedError> {
    return this.#closed;
  }

  /** Sends a text message. */
  send(data: string): void {
    this.#ws.send(data);
  }

  /**
   * The next message. Throws {@linkcode WsClosedError} if the connection closes before one
   * arrives, {@linkcode TimeoutError} if nothing happens within `timeoutMs`.
   */
  async recv(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string> {
    if (this.#queue.length === 0) {
      const arrived = new Promise<void>((resolve) => this.#waiters.push(resolve));
      try {
        await withTimeout(arrived, timeoutMs, "a WebSocket message");
      } catch (err) {
        if (err instanceof TimeoutError) this.#waiters.length = 0;
        throw err;
      }
    }
    const item = this.#queue[0];
    if (item.kind === "closed") throw item.error;
    this.#queue.shift();
    return item.data;
  }

  /**
   * Waits until the server closes the connection (without closing it from this side); throws if
   * a message arrives first or nothing happens within `timeoutMs`.
   */
  async expectClosed(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<WsClosedError> {
    try {
      const msg = await this.recv(timeoutMs);
      throw new Error(`expected the connection to be closed, got message ${JSON.stringify(msg)}`);
    } catch (err) {
      if (err instanceof WsClosedError) return err;
      throw err;
    }
  }

  /** Closes the connection (if still open) and waits for the close event. Idempotent. */
  async close(code?: number, reason?: string): Promise<WsClosedError | undefined> {
    if (!this.#closeCalled && this.#closeInfo === undefined) {
      this.#closeCalled = true;
      try {
        this.#ws.close(code, reason);
      } catch {
        // Already closing.
      }
    }
    try {
      return await withTimeout(this.#closed, DEFAULT_TIMEOUT_MS, "the WebSocket close event");
    } catch {
      return undefined;
    }
  }

  /** Same as {@linkcode close}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
