/**
 * The shape every runtime adapter (`serve_deno.ts`, `serve_node.ts`) shares: `serve(handler,
 * options)` listens and gives back a {@linkcode RunningServer}.
 *
 * @module
 */

import type { RequestContext } from "../http/context.ts";

/** What an adapter serves: a fetch-style handler (a `Handler`, `Thunderpush.handle`). */
export type ServeHandler = (req: Request, ctx?: RequestContext) => Response | Promise<Response>;

/** Where and how to listen. */
export interface ServeOptions {
  /** TCP port; 0 picks a free one (default 8080). */
  readonly port?: number;
  /** Address to bind; empty means every interface, IPv6 and IPv4 where possible. */
  readonly hostname?: string;
  /** Told about errors the handler threw; the client gets a 500. */
  readonly onError?: (error: unknown) => void;
  /** Milliseconds of WebSocket silence before a ping, and to wait for its pong (30,000; 0: off). */
  readonly idleTimeout?: number;
  /** Milliseconds for a request's headers, and idle between requests (10,000; Node only). */
  readonly headerTimeout?: number;
  /**
   * The handler's largest client message in bytes (default 65,536). Node refuses a WebSocket
   * message over it by more than 64 KiB while it arrives (1009); Deno has no such setting.
   */
  readonly maxMessageSize?: number;
  /** Serve https (and wss) with this certificate chain and key, both PEM text. */
  readonly tls?: { readonly cert: string; readonly key: string };
}

/** A running server, the same shape on every runtime. */
export interface RunningServer {
  /** The bound address, e.g. `http://127.0.0.1:8080/`. */
  readonly url: string;
  /** The bound hostname and port. */
  readonly addr: { readonly hostname: string; readonly port: number };
  /** The bound address as `host:port`, IPv6 hosts in brackets. */
  readonly address: string;
  /** Stops accepting and waits for HTTP requests in flight, not WebSockets. Safe to call twice. */
  close(): Promise<void>;
}

/** A hostname as written in a URL or `host:port`: IPv6 addresses in brackets. */
export function displayHost(hostname: string): string {
  return hostname.includes(":") ? `[${hostname}]` : hostname;
}

/** The `RunningServer` fields that describe a bound address. */
export function describeAddress(
  hostname: string,
  port: number,
  secure = false,
): Pick<RunningServer, "url" | "addr" | "address"> {
  const address = `${displayHost(hostname)}:${port}`;
  return { url: `${secure ? "https" : "http"}://${address}/`, addr: { hostname, port }, address };
}
