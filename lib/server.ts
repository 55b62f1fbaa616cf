/**
 * Thunderpush: the HTTP API and the SockJS endpoint on one fetch-style handler, over one hub.
 *
 * @example
 * ```ts
 * import { Thunderpush } from "./server.ts";
 * const thunder = new Thunderpush({ apps: [{ publicKey: "key", secret: "secret" }] });
 * // Deno.serve((req) => thunder.fetch(req));
 * thunder.close();
 * ```
 *
 * @module
 */

import { Hub } from "./hub/hub.ts";
import { createApiHandler, notFound } from "./api/handler.ts";
import { isApiPath } from "./api/routes.ts";
import { errorResponse, HttpError } from "./api/errors.ts";
import { Logger } from "./log.ts";
import { SockjsServer } from "./sockjs/server.ts";
import type { RequestContext } from "./sockjs/socket.ts";
import { type CloseReason, SHUTTING_DOWN } from "./sockjs/close_codes.ts";
import { ThunderConnection } from "./protocol/connection.ts";
import { serveAsset } from "./assets/handler.ts";
import type { Broker } from "./broker/broker.ts";
import { MemoryBroker } from "./broker/memory.ts";

/** A key pair: the public key browsers use and the secret the HTTP API expects. */
export interface AppKeys {
  /** The public key (the CLI's `clientkey`). */
  readonly publicKey: string;
  /** The secret (the CLI's `apikey`), sent as `X-Thunder-Secret-Key`. */
  readonly secret: string;
}

/** Settings of a Thunderpush server. */
export interface ThunderpushOptions {
  /** The applications served; one from the CLI. */
  readonly apps: readonly AppKeys[];
  /** Largest POST body and largest client frame, in bytes (default 65,536). */
  readonly maxMessageSize?: number;
  /** Milliseconds between SockJS heartbeats (default 25,000). */
  readonly heartbeatDelay?: number;
  /** Milliseconds a SockJS session without a receiver lives on (default 5,000). */
  readonly disconnectDelay?: number;
  /** Most channels one connection may subscribe to (default 1,000). */
  readonly maxChannelsPerConnection?: number;
  /** Most client commands per second per connection, bursts of twice that (default 100). */
  readonly maxCommandsPerSecond?: number;
  /** Most open client sessions (default 50,000). */
  readonly maxConnections?: number;
  /** Most bytes waiting to be sent to one client before it is closed (default 1 MiB). */
  readonly maxBufferedBytes?: number;
  /** Most messages waiting for one polling client's next request (default 1,000). */
  readonly maxQueuedMessages?: number;
  /** Where log lines go (default: nowhere). */
  readonly logger?: Logger;
  /**
   * Makes the broker that carries publishes and answers presence, given the hub (default: the
   * in-memory broker of a single process).
   */
  readonly broker?: (hub: Hub) => Broker;
}

/** A Thunderpush server, independent of the runtime that serves it. */
export class Thunderpush {
  /** Who is online, in which channels. */
  readonly hub: Hub;
  /** The SockJS endpoint at `/connect`. */
  readonly sockjs: SockjsServer;
  /** The logger. */
  readonly log: Logger;
  /** Carries publishes and answers presence. */
  readonly broker: Broker;
  readonly #api: (req: Request) => Promise<Response>;

  /** Creates a server for the given applications. */
  constructor(options: ThunderpushOptions) {
    this.log = options.logger ?? Logger.silent();
    this.hub = new Hub(options.apps);
    const maxMessageSize = options.maxMessageSize ?? 65_536;
    this.broker = options.broker?.(this.hub) ?? new MemoryBroker();
    this.#api = createApiHandler(this.hub, { maxMessageSize, broker: this.broker });
    const log = this.log;
    this.sockjs = new SockjsServer({
      prefix: "/connect",
      maxMessageSize,
      jsessionid: true,
      sockjsUrl: "/connect/sockjs.min.js",
      ...definedOnly({
        heartbeatDelay: options.heartbeatDelay,
        disconnectDelay: options.disconnectDelay,
        maxConnections: options.maxConnections,
        maxBufferedBytes: options.maxBufferedBytes,
        maxQueuedMessages: options.maxQueuedMessages,
      }),
      trace: log.debugEnabled
        ? (direction, id, frame) => log.debug(`${direction} ${id} ${frame}`)
        : null,
    });
    const limits = {
      maxChannelsPerConnection: options.maxChannelsPerConnection ?? 1_000,
      maxCommandsPerSecond: options.maxCommandsPerSecond ?? 100,
    };
    this.sockjs.onConnection((conn) => {
      log.verbose(
        `New ${conn.info.protocol} connection ${conn.id} from ${conn.info.remoteAddress}.`,
      );
      const thunder = new ThunderConnection(
        this.hub,
        {
          deliver: (message) => conn.writeFrame(message.frame, message.element),
          close: (reason) => conn.close(reason),
        },
        log,
        limits,
      );
      conn.on("data", (message) => thunder.handle(message));
      conn.on("close", () => thunder.closed());
    });
  }

  /** The fetch-style handler: `/api/...`, `/connect/...`, and 404 elsewhere. */
  fetch = async (req: Request, ctx: RequestContext = {}): Promise<Response> => {
    const started = performance.now();
    const path = new URL(req.url).pathname;
    try {
      const asset = serveAsset(req, path);
      if (asset) return asset;
      const sockjs = this.sockjs.handle(req, ctx);
      if (sockjs) return await sockjs;
      if (!isApiPath(path)) return notFound();
      const res = await this.#api(req);
      if (this.log.verboseEnabled) {
        const ms = (performance.now() - started).toFixed(2);
        this.log.verbose(
          `${res.status} ${req.method} ${path} (${ctx.remoteAddress ?? "-"}) ${ms}ms`,
        );
      }
      return res;
    } catch (error) {
      this.log.error(`${req.method} ${path}: ${(error as Error)?.stack ?? error}`);
      return errorResponse(new HttpError(500, "Internal server error."));
    }
  };

  /**
   * Closes every client session (with 1001 by default, so clients reconnect) and stops the
   * broker.
   */
  async close(reason: CloseReason = SHUTTING_DOWN): Promise<void> {
    this.sockjs.closeAll(reason);
    await this.broker.close();
  }
}

/** The entries of `values` that are not undefined. */
function definedOnly<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(values).filter(([, value]) => value !== undefined),
  ) as Partial<T>;
}
