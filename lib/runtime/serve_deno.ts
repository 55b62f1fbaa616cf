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

import type { RequestContext } from "../sockjs/socket.ts";
import { useHeldBodyTaker, useHeldTextTaker } from "../api/body.ts";
import { useRequestHeaderReader } from "../api/request_header.ts";
import { Generation, Relistener } from "./deno_relisten.ts";
import {
  describeAddress,
  type RunningServer,
  type ServeHandler,
  type ServeOptions,
} from "./serve.ts";

export type { RunningServer, ServeHandler, ServeOptions } from "./serve.ts";

/**
 * The key under which Deno 2 keeps a `Request`'s inner request (its header list, URL, body and
 * upgrade state), found by probing one; undefined on a Deno that keeps it elsewhere.
 */
const INNER_REQUEST: symbol | undefined = Object.getOwnPropertySymbols(
  new Request("http://localhost/"),
).find((key) => key.description === "request");

/** The parts of Deno 2's inner request that `heldBody`, `heldText` and `innerRequestHeader` use. */
interface InnerRequestParts {
  readonly body?: { readonly streamOrStatic?: { body?: unknown; consumed?: boolean } } | null;
  readonly header?: (name: string) => string | null;
  readonly consumeTextBody?: () => string | null;
}

/** A request's inner request, when Deno keeps one where `INNER_REQUEST` says. */
function innerOf(req: Request): InnerRequestParts | undefined {
  if (INNER_REQUEST === undefined) return undefined;
  return (req as unknown as Record<symbol, InnerRequestParts | undefined>)[INNER_REQUEST];
}

/**
 * One header of a request, as `req.headers.get(name)` answers it, read without making the
 * request's `Headers` when it came from `Deno.serve`.
 *
 * Once a handler has made a request's `Headers`, Deno copies every header of the request when
 * the answer goes out, so that they stay readable afterwards: more than the rest of an API call
 * on Deno's side. `Deno.serve`'s inner request answers one header by itself, as `Headers.get`
 * does when it asks it (repeated headers joined by ", "). Other requests (one made with
 * `new Request`, say) are asked through their `Headers`. `name` must be a valid header name.
 */
export function innerRequestHeader(req: Request, name: string): string | null {
  const inner = innerOf(req);
  if (typeof inner?.header === "function") return inner.header(name);
  return req.headers.get(name);
}

/**
 * The body of a request whose body Deno already holds in full, taken at once and marked read
 * (`bodyUsed` is then true, as after `arrayBuffer()`); undefined, the body left untouched, when
 * it holds none or one of more than `maxBytes` (default: no limit).
 *
 * `Deno.serve` takes a body that came whole with its request (a small POST, nearly every API
 * call) from the connection as bytes, kept in the inner request's body as a static body
 * (`streamOrStatic` holding a `Uint8Array`); a body still arriving is a stream there instead.
 * Reading the bytes from there costs no promise round, where `arrayBuffer()` costs one and a
 * stream. Anything of another shape (another Deno, a string body, a body read already) is left
 * to the standard way.
 */
export function heldBody(req: Request, maxBytes = Infinity): Uint8Array | undefined {
  const held = innerOf(req)?.body?.streamOrStatic;
  if (held?.consumed !== false || !(held.body instanceof Uint8Array)) return undefined;
  // Left unread, a body over the limit is refused as it would be without this (and Deno then
  // closes the connection, as Node does).
  if (held.body.length > maxBytes) return undefined;
  held.consumed = true;
  return held.body;
}

/**
 * The body of a request whose body Deno already holds in full, taken at once as text and marked
 * read (`bodyUsed` is then true, as after `text()`); undefined, the body left untouched, when it
 * holds none, or when the body was made or read already.
 *
 * Deno 2.9's inner request makes the text from the bytes it holds without handing them to
 * JavaScript, where `heldBody` makes an `ArrayBuffer` of them: at 1 to 2 µs, the largest part of
 * a small publish that Thunderpush itself costs. Deno decodes bytes that are not UTF-8 to U+FFFD,
 * and keeps a leading byte order mark, as `HeldTextTaker` says. A Deno without that method takes
 * none here.
 */
export function heldText(req: Request): string | undefined {
  const inner = innerOf(req);
  if (typeof inner?.consumeTextBody !== "function") return undefined;
  const text = inner.consumeTextBody();
  return typeof text === "string" ? text : undefined;
}

/**
 * What `Deno.upgradeWebSocket` is given in place of the request: the inner request and the
 * headers while it runs, then only the URL.
 *
 * With an idle timeout, Deno 2.9's `upgradeWebSocket` adds a `close` listener to the socket whose
 * closure keeps the request it was given for as long as the socket lives: its header list, its
 * inner request and the signal aborted when the handshake's response was sent (a `DOMException`
 * with its stack), about 1 KB a client in a heap snapshot, more for a browser's headers and
 * cookies. It reads only the inner request, the headers (at once) and the URL (once the socket
 * opens), so a stand-in that lets go of the first two after the call is all it keeps.
 */
class UpgradeStandIn {
  [key: symbol]: unknown;
  headers: Headers | undefined;
  readonly url: string;

  constructor(req: Request, inner: symbol) {
    this[inner] = (req as unknown as Record<symbol, unknown>)[inner];
    this.headers = req.headers;
    this.url = req.url;
  }

  /** Lets go of the request's parts (set, not deleted: deleting would make a dictionary). */
  release(inner: symbol): void {
    this[inner] = undefined;
    this.headers = undefined;
  }
}

/**
 * The request context on Deno: the client's address, read only when asked for (most API calls
 * never ask), and the WebSocket upgrade. One small object per request, no closures.
 */
class DenoContext implements RequestContext {
  #info: Deno.ServeHandlerInfo<Deno.NetAddr>;
  #idleTimeout: number;
  #generation: Generation;

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

  /**
   * Upgrades the request; a peer gone without a close is found by Deno's pings (idleTimeout).
   * The socket does not keep the request (see `UpgradeStandIn`); its server counts it.
   */
  upgradeWebSocket(req: Request): { socket: WebSocket; response: Response } {
    const upgrade = this.#upgrade(req);
    this.#generation.track(upgrade.socket);
    return upgrade;
  }

  #upgrade(req: Request): { socket: WebSocket; response: Response } {
    const options = { idleTimeout: this.#idleTimeout };
    if (INNER_REQUEST === undefined) return Deno.upgradeWebSocket(req, options);
    const standIn = new UpgradeStandIn(req, INNER_REQUEST);
    try {
      return Deno.upgradeWebSocket(standIn as unknown as Request, options);
    } finally {
      standIn.release(INNER_REQUEST);
    }
  }
}

/**
 * Serves `handler` with `Deno.serve`. Returns once the server listens; throws if it cannot.
 * Installs `heldBody` and `heldText` as the process's ways to bodies Deno holds in full
 * (`useHeldBodyTaker`, `useHeldTextTaker`) and `innerRequestHeader` as its way to request headers
 * (`useRequestHeaderReader`). When accepting fails (out of file descriptors), a new server takes
 * the address over (see `deno_relisten.ts`); `options.onError` is told.
 */
export function serve(handler: ServeHandler, options: ServeOptions = {}): RunningServer {
  useHeldBodyTaker(heldBody);
  useHeldTextTaker(heldText);
  useRequestHeaderReader(innerRequestHeader);
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
