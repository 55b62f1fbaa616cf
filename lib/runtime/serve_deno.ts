/**
 * The Deno adapter: `Deno.serve` for requests, `Deno.upgradeWebSocket` for WebSockets.
 *
 * @module
 */

import type { Handler, RequestContext } from "../sockjs/socket.ts";

/** Where and how to listen. */
export interface ServeOptions {
  /** TCP port; 0 picks a free one (default 8080). */
  readonly port?: number;
  /** Address to bind; empty means every interface, IPv6 and IPv4 where possible. */
  readonly hostname?: string;
  /** Told about errors the handler threw; the client gets a 500. */
  readonly onError?: (error: unknown) => void;
}

/** A running server, the same shape on every runtime. */
export interface RunningServer {
  /** The bound address, e.g. `http://127.0.0.1:8080/`. */
  readonly url: string;
  /** The bound hostname and port. */
  readonly addr: { readonly hostname: string; readonly port: number };
  /** The bound address as `host:port`, IPv6 hosts in brackets. */
  readonly address: string;
  /** Stops accepting and waits for requests in flight. Safe to call twice. */
  close(): Promise<void>;
}

function displayHost(hostname: string): string {
  return hostname.includes(":") ? `[${hostname}]` : hostname;
}

/** Serves `handler` with `Deno.serve`. Resolves once the server listens. */
export function serve(handler: Handler, options: ServeOptions = {}): RunningServer {
  const requested = options.hostname ?? "";
  const listen = (hostname: string) =>
    Deno.serve({
      port: options.port ?? 8080,
      hostname,
      onListen: () => {},
      onError: (error) => {
        options.onError?.(error);
        return new Response("Internal server error.\n", { status: 500 });
      },
    }, (req, info) => {
      const remote = info.remoteAddr as Deno.NetAddr;
      const ctx: RequestContext = {
        remoteAddress: remote.hostname.startsWith("::ffff:")
          ? remote.hostname.slice(7)
          : remote.hostname,
        upgradeWebSocket: (r) => {
          const { socket, response } = Deno.upgradeWebSocket(r, { idleTimeout: 0 });
          return { socket, response };
        },
      };
      return handler(req, ctx);
    });
  let server: Deno.HttpServer<Deno.NetAddr>;
  if (requested === "") {
    try {
      server = listen("::");
    } catch {
      server = listen("0.0.0.0");
    }
  } else {
    server = listen(requested);
  }
  const addr = server.addr;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${displayHost(addr.hostname)}:${addr.port}/`,
    addr: { hostname: addr.hostname, port: addr.port },
    address: `${displayHost(addr.hostname)}:${addr.port}`,
    close() {
      return closing ??= server.shutdown();
    },
  };
}
