/**
 * The shape every runtime adapter shares: `serve(handler, options)` listens and gives back a
 * {@linkcode RunningServer}. The Deno adapter is `serve_deno.ts`, the Node one `serve_node.ts`.
 *
 * @module
 */

import type { RequestContext } from "../http/context.ts";

/**
 * What an adapter serves: a fetch-style handler with the runtime's request context, answering at
 * once or with a promise (a `Handler` is one; so is `Thunderpush.handle`).
 */
export type ServeHandler = (req: Request, ctx?: RequestContext) => Response | Promise<Response>;

/** Where and how to listen. */
export interface ServeOptions {
  /** TCP port; 0 picks a free one (default 8080). */
  readonly port?: number;
  /** Address to bind; empty means every interface, IPv6 and IPv4 where possible. */
  readonly hostname?: string;
  /** Told about errors the handler threw; the client gets a 500. */
  readonly onError?: (error: unknown) => void;
  /**
   * Milliseconds a WebSocket may stay silent before it is pinged; a peer that does not answer
   * the ping in as long is dropped (a half-open connection). Default 30,000; 0 turns it off.
   */
  readonly idleTimeout?: number;
  /**
   * Milliseconds a connection may take to send a request's headers, and stay idle between
   * requests, before it is closed (default 10,000). Node only: `Deno.serve` has no such timeout.
   */
  readonly headerTimeout?: number;
  /**
   * The handler's largest client message in bytes (Thunderpush's `maxMessageSize`, default
   * 65,536). On Node a WebSocket message larger by more than 64 KiB is refused while it arrives
   * (close 1009); one within that is left to the handler, which answers its own close frame.
   * Deno's WebSocket has no such setting: it refuses frames of 64 MiB and more.
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
  /**
   * Stops accepting and waits for HTTP requests in flight. WebSockets already upgraded are not
   * waited for (close them first, e.g. with `Thunderpush.close()`). Safe to call twice.
   */
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
