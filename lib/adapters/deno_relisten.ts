/**
 * Keeps a `Deno.serve` address served when accepting fails (out of file descriptors): a
 * {@linkcode Relistener} starts a new server on the same address, and the failed one is shut down
 * once its last WebSocket has closed (docs/architecture.md, "Accepting again").
 *
 * @module
 */

/** The first wait before listening again, in ms. */
const FIRST_DELAY = 50;
/** The longest wait between attempts to listen again, in ms. */
const MAX_DELAY = 1_000;
/** A server that lasted this long before it failed starts the delays over, in ms. */
const STEADY = 10_000;

/** One `Deno.serve` server, and how many WebSockets upgraded through it are still open. */
export class Generation {
  /** The server; set right after `Deno.serve` returns it. */
  server: Deno.HttpServer<Deno.NetAddr> | undefined;
  #sockets = 0;
  #retired = false;
  #released: Promise<void> | undefined;
  /** Whether the server has shut down after `release`. */
  done = false;

  /** Counts a WebSocket of this server until it closes. */
  track(socket: WebSocket): void {
    this.#sockets++;
    socket.addEventListener("close", this.#closed, { once: true });
  }

  /** This server stopped accepting: shut it down once no WebSocket of it is open. */
  retire(): void {
    this.#retired = true;
    if (this.#sockets === 0) this.release();
  }

  /** Shuts the server down gracefully (its WebSockets close with 1001); once, however called. */
  release(): Promise<void> {
    return this.#released ??= (async () => {
      await this.server?.shutdown().catch(() => {});
      this.done = true;
    })();
  }

  // One function for every socket of this server (no closure per socket).
  readonly #closed = (): void => {
    if (--this.#sockets === 0 && this.#retired) this.release();
  };
}

/** Serves an address for as long as it is not closed, starting a new server when one fails. */
export class Relistener {
  readonly #start: () => Generation;
  readonly #onError: (error: unknown) => void;
  readonly #retired = new Set<Generation>();
  #current: Generation;
  #delay = FIRST_DELAY;
  #listenedAt = Date.now();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closing: Promise<void> | undefined;

  /** Watches `first`; `start` makes a server on the same address (throws when it cannot). */
  constructor(first: Generation, start: () => Generation, onError: (error: unknown) => void) {
    this.#start = start;
    this.#onError = onError;
    this.#current = first;
    this.#watch(first);
  }

  /** Stops listening and shuts every server down, waiting for requests in flight. Once. */
  close(): Promise<void> {
    return this.#closing ??= (async () => {
      clearTimeout(this.#timer);
      const all = [this.#current, ...this.#retired].map((generation) => generation.release());
      await Promise.all(all);
    })();
  }

  #watch(generation: Generation): void {
    generation.server?.finished.catch((error) => {
      if (this.#closing) return;
      this.#onError(
        new Error(`Stopped accepting connections, listening again: ${error}`, { cause: error }),
      );
      for (const old of this.#retired) if (old.done) this.#retired.delete(old);
      this.#retired.add(generation);
      generation.retire();
      this.#delay = Date.now() - this.#listenedAt > STEADY
        ? FIRST_DELAY
        : Math.min(this.#delay * 2, MAX_DELAY);
      this.#timer = setTimeout(() => this.#listen(), this.#delay);
    });
  }

  #listen(): void {
    this.#timer = undefined;
    try {
      this.#current = this.#start();
      this.#listenedAt = Date.now();
      this.#watch(this.#current);
    } catch (error) { // e.g. still out of descriptors
      this.#onError(error);
      this.#delay = Math.min(this.#delay * 2, MAX_DELAY);
      this.#timer = setTimeout(() => this.#listen(), this.#delay);
    }
  }
}
