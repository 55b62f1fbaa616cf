/**
 * A SockJS-over-WebSocket test client that keeps every frame it receives, in order.
 *
 * @module
 */

/** One WebSocket speaking SockJS framing, with a queue of received frames. */
export class SockjsWs {
  /** Every frame received, in order. */
  readonly frames: string[] = [];
  /** Resolves with the WebSocket close event. */
  readonly closed: Promise<CloseEvent>;
  #ws: WebSocket;
  #waiters: (() => void)[] = [];
  #read = 0;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    const { promise, resolve } = Promise.withResolvers<CloseEvent>();
    this.closed = promise;
    ws.onmessage = (e) => {
      this.frames.push(String(e.data));
      this.#wake();
    };
    ws.onclose = (e) => {
      resolve(e);
      this.#wake();
    };
  }

  /** Opens `base/connect/000/<random>/websocket` (or the raw endpoint) and waits for it. */
  static async open(base: string, path?: string): Promise<SockjsWs> {
    const url = base.replace(/^http/, "ws") +
      (path ?? `/connect/000/${crypto.randomUUID().slice(0, 8)}/websocket`);
    const ws = new WebSocket(url);
    const client = new SockjsWs(ws);
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error(`Cannot open ${url}`));
    });
    ws.onerror = null;
    return client;
  }

  /** Opens a SockJS session and checks its open frame (waiting up to `timeoutMs` for it). */
  static async session(base: string, timeoutMs = 3_000): Promise<SockjsWs> {
    const client = await SockjsWs.open(base);
    const open = await client.next(timeoutMs);
    if (open !== "o") throw new Error(`Expected the open frame, got ${open}`);
    return client;
  }

  /** Sends commands as one SockJS frame (a JSON array of strings). */
  send(...messages: string[]): void {
    this.#ws.send(JSON.stringify(messages));
  }

  /** Sends a raw text frame. */
  sendRaw(text: string): void {
    this.#ws.send(text);
  }

  /** The next frame not read yet; rejects after `timeoutMs` or when the socket closes first. */
  async next(timeoutMs = 3_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.#read >= this.frames.length) {
      if (this.#ws.readyState === WebSocket.CLOSED) throw new Error("Socket closed");
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("Timed out waiting for a frame");
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.frames[this.#read++];
  }

  /** Frames received and not read yet. */
  get unread(): string[] {
    return this.frames.slice(this.#read);
  }

  /** Closes the socket and waits for the close event. */
  async close(): Promise<void> {
    if (this.#ws.readyState < WebSocket.CLOSING) this.#ws.close();
    await this.closed;
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
