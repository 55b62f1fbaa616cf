/**
 * The Deno adapter: `Deno.serve` for requests, `Deno.upgradeWebSocket` for WebSockets.
 *
 * @example
 * ```ts ignore
 * import { Thunderpush } from "../server.ts";
 * import { serve } from "./serve_deno.ts";
 * const thunder = new Thunderpush({ apps: [{ publicKey: "key", secret: "secret" }] });
 * const server = serve(thunder.handle, { port: 8080 });
 * // later
 * thunder.close();
 * await server.close();
 * ```
 *
 * @module
 */

import type { RequestContext } from "../http/context.ts";
import { Generation, Relistener } from "./deno_relisten.ts";
import {
  describeAddress,
  type RunningServer,
  type ServeHandler,
  type ServeOptions,
} from "./serve.ts";

export type { RunningServer, ServeHandler, ServeOptions } from "./serve.ts";

/**
 * The request context on Deno: the client's address, read only when asked for (most API calls
 * never ask), and the WebSocket upgrade. One small object per request, no closures.
 */
class DenoContext implements RequestContext {
  readonly #info: Deno.ServeHandlerInfo<Deno.NetAddr>;
  readonly #idleTimeout: number;
  readonly #generation: Generation;

  constructor(
    info: Deno.ServeHandlerInfo<Deno.NetAddr>,
    idleTimeout: number,
    generation: Generation,
  ) {
    this.#info = info;
    this.#idleTimeout = idleTimeout;
    this.#generation = generation;
  }

  /** The client's IP address (an IPv4-mapped IPv6 address as plain IPv4). */
  get remoteAddress(): string {
    const hostname = this.#info.remoteAddr.hostname;
    return hostname.startsWith("::ffff:") ? hostname.slice(7) : hostname;
  }

  /** Upgrades the request (Deno's pings find a peer gone without a close); its server counts it. */
  upgradeWebSocket(req: Request): { socket: WebSocket; response: Response } {
    const upgrade = Deno.upgradeWebSocket(req, { idleTimeout: this.#idleTimeout });
    this.#generation.track(upgrade.socket);
    return upgrade;
  }
}

/**
 * Serves `handler` with `Deno.serve`. Returns once the server listens; throws if it cannot. When
 * accepting fails, a new server takes the address over (`deno_relisten.ts`).
 */
export function serve(handler: ServeHandler, options: ServeOptions = {}): RunningServer {
  const requested = options.hostname ?? "";
  // Deno pings a socket silent for half its idleTimeout (in seconds) and drops it when no answer
  // comes in the other half: twice ours gives the documented schedule, as on Node (ping after
  // `idleTimeout` ms of silence, drop after as long again).
  const idleTimeout = Math.ceil((options.idleTimeout ?? 30_000) * 2 / 1000);
  const listen = (hostname: string, port: number) => {
    const generation = new Generation();
    generation.server = Deno.serve({
      port,
      hostname,
      ...(options.tls ? { cert: options.tls.cert, key: options.tls.key } : {}),
      onListen: () => {},
      onError: (error) => {
        options.onError?.(error);
        return new Response("Internal server error.\n", { status: 500 });
      },
    }, (req, info) => handler(req, new DenoContext(info, idleTimeout, generation)));
    return generation;
  };
  const port = options.port ?? 8080;
  let first: Generation;
  if (requested === "") {
    try {
      first = listen("::", port);
    } catch {
      first = listen("0.0.0.0", port);
    }
  } else {
    first = listen(requested, port);
  }
  const addr = first.server!.addr;
  const relistener = new Relistener(
    first,
    () => listen(addr.hostname, addr.port),
    (error) => options.onError?.(error),
  );
  return {
    ...describeAddress(addr.hostname, addr.port, !!options.tls),
    close: () => relistener.close(),
  };
}
