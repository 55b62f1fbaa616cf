/**
 * The V8 inspector of a Deno subprocess started with `--inspect=127.0.0.1:PORT`, spoken to over
 * the Chrome DevTools Protocol: force a full garbage collection, then read the live heap. Leak
 * checks compare live heaps after a collection, which do not depend on when V8 chose to collect
 * or how much memory the allocator chose to keep.
 *
 * @module
 */

/** A free TCP port on 127.0.0.1 (free when this returns; another process may take it after). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** A DevTools session on one inspected process. */
export class Inspector {
  #ws: WebSocket;
  #next = 0;
  #pending = new Map<number, (reply: { result?: unknown; error?: unknown }) => void>();

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.onmessage = (event) => {
      const reply = JSON.parse(event.data);
      if (typeof reply.id === "number") this.#pending.get(reply.id)?.(reply);
    };
  }

  /** Attaches to the first target the inspector on `port` lists. */
  static async connect(port: number): Promise<Inspector> {
    const list = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
    const ws = new WebSocket(list[0].webSocketDebuggerUrl);
    await new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = () => reject(new Error(`cannot attach to the inspector on port ${port}`));
    });
    return new Inspector(ws);
  }

  /** Sends one protocol command and returns its result (rejects on a protocol error). */
  call(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = ++this.#next;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, (reply) => {
        this.#pending.delete(id);
        if (reply.error) reject(new Error(`${method}: ${JSON.stringify(reply.error)}`));
        else resolve(reply.result);
      });
      this.#ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Live JS heap in bytes after two full collections (the second frees what finalizers let go). */
  async liveHeap(): Promise<number> {
    await this.call("HeapProfiler.collectGarbage");
    await this.call("HeapProfiler.collectGarbage");
    const usage = await this.call("Runtime.getHeapUsage") as { usedSize: number };
    return usage.usedSize;
  }

  /** Detaches. */
  async close(): Promise<void> {
    if (this.#ws.readyState === WebSocket.CLOSED) return;
    const closed = new Promise((resolve) => this.#ws.addEventListener("close", resolve));
    this.#ws.close();
    await closed;
  }
}
