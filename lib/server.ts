/**
 * Thunderpush: the HTTP API and the SockJS endpoint on one fetch-style handler, over one hub.
 *
 * @example
 * ```ts
 * import { type AppKeys, Thunderpush, type ThunderpushOptions } from "./server.ts";
 * const apps: AppKeys[] = [{ publicKey: "key", secret: "secret" }];
 * const options: ThunderpushOptions = { apps, maxChannelsPerConnection: 20 };
 * const thunder = new Thunderpush(options);
 * // Deno.serve((req) => thunder.fetch(req));
 * thunder.close();
 * ```
 *
 * @module
 */

import { Hub } from "./hub/hub.ts";
import { type ApiResponder, createApiResponder, notFound } from "./api/handler.ts";
import { isApiPath, routeOf } from "./api/routes.ts";
import { Metrics } from "./metrics.ts";
import { errorResponse } from "./api/errors.ts";
import { HttpError } from "./http/errors.ts";
import { Logger } from "./log.ts";
import { SockjsServer } from "./sockjs/server.ts";
import type { RequestContext } from "./http/context.ts";
import { type CloseReason, SHUTTING_DOWN } from "./sockjs/close_codes.ts";
import { FORCED_LOGOUT } from "./protocol/close_codes.ts";
import { serveAsset } from "./assets/handler.ts";
import type { Broker } from "./broker/broker.ts";
import { MemoryBroker } from "./broker/memory.ts";
import { hostError, requestUrl, targetPath, targetUrl } from "./http/request_url.ts";
import { historyPolicies } from "./history/policies.ts";
import type { HistoryPolicies, HistoryPolicy } from "./history/history.ts";
import { TokenPolicy } from "./auth/policy.ts";
import { Stats } from "./stats/service.ts";
import { serveDashboard } from "./assets/dashboard.ts";
import { type WebhookOptions, Webhooks } from "./webhooks/webhooks.ts";
import { OPS_PATHS, opsResponse } from "./server/ops.ts";
import { acceptClients, createSockjs } from "./server/clients.ts";

/** A key pair: the public key browsers use and the secret the HTTP API expects. */
export interface AppKeys {
  /** The public key (the CLI's `clientkey`). */
  readonly publicKey: string;
  /** The secret (the CLI's `apikey`), sent as `X-Thunder-Secret-Key`. */
  readonly secret: string;
  /** This application's history, over the server's `history` (see `docs/history.md`). */
  readonly history?: Partial<HistoryPolicy>;
  /** Whether CONNECT needs a user token signed with the secret (docs/tokens.md). */
  readonly requireToken?: boolean;
  /** Where presence webhooks go (`--webhook-url`; none by default). See docs/webhooks.md. */
  readonly webhookUrl?: string;
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
  /** Whether every application's CONNECT needs a user token (default false; docs/tokens.md). */
  readonly requireToken?: boolean;
  /** Most channels one connection may subscribe to (default 50). */
  readonly maxChannelsPerConnection?: number;
  /** Longest user id CONNECT accepts, in UTF-16 code units (default 256); else 9003. */
  readonly maxIdLength?: number;
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
  /** Makes the broker that carries publishes and answers presence (default: in memory). */
  readonly broker?: (hub: Hub, history: HistoryPolicies) => Broker;
  /** Channel history of the applications that set none: `size` (0: off), `ttl` seconds (300). */
  readonly history?: Partial<HistoryPolicy>;
  /** Whether `/metrics` is served on the main port (default true). */
  readonly metricsOnMainPort?: boolean;
  /** Tells the process's memory, for `/metrics` (the runtime adapter knows how). */
  readonly memory?: () => { rss: number; heapUsed: number };
  /** Whether `/dashboard/` is served (default true); the stats endpoint is served either way. */
  readonly dashboard?: boolean;
  /** How presence webhooks are sent, for the apps with a `webhookUrl` (see docs/webhooks.md). */
  readonly webhooks?: WebhookOptions;
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
  /** What the server counts, for `/metrics`. */
  readonly metrics: Metrics;
  /** The figures of the stats endpoint and the dashboard. */
  readonly stats: Stats;
  /** The presence webhooks, when an application has a `webhookUrl`. */
  readonly webhooks: Webhooks | undefined;
  readonly #api: ApiResponder;
  readonly #serveMetrics: boolean;
  readonly #dashboard: boolean;
  #draining = false;

  /** Creates a server for the given applications. */
  constructor(options: ThunderpushOptions) {
    this.log = options.logger ?? Logger.silent();
    this.hub = new Hub(options.apps, { logoutReason: FORCED_LOGOUT });
    const maxMessageSize = options.maxMessageSize ?? 65_536;
    const history = historyPolicies(options.apps, options.history);
    this.broker = options.broker?.(this.hub, history) ?? new MemoryBroker(history);
    const cluster = this.broker.cluster;
    this.stats = new Stats(this.hub, cluster ? { cluster } : {});
    this.#api = createApiResponder(this.hub, {
      maxMessageSize,
      broker: this.broker,
      stats: this.stats,
    });
    this.#serveMetrics = options.metricsOnMainPort ?? true;
    this.#dashboard = options.dashboard ?? true;
    this.sockjs = createSockjs({ ...options, maxMessageSize }, this.log);
    this.webhooks = createWebhooks(this.hub, options, this.log);
    this.metrics = this.#createMetrics(options, history);
    const tokens = new TokenPolicy(options.apps, options.requireToken ?? false);
    for (const key of tokens.weakSecrets) {
      this.log.warn(
        `The secret of ${JSON.stringify(key)} is shorter than 32 bytes: weak for tokens.`,
      );
    }
    acceptClients(this.sockjs, {
      ...options,
      hub: this.hub,
      broker: this.broker,
      history,
      metrics: this.metrics,
      log: this.log,
      tokens,
    });
  }

  /** The metrics, their gauges reading the sessions, the hub, history and webhooks. */
  #createMetrics(options: ThunderpushOptions, history: HistoryPolicies): Metrics {
    const hub = this.hub;
    const webhooks = this.webhooks;
    return new Metrics({
      sessions: () => this.sockjs.connectionsByTransport(),
      users: () => sum(hub.apps(), (app) => app.userCount),
      channels: () => sum(hub.apps(), (app) => app.channelCount),
      memory: options.memory,
      history: history.size > 0 ? () => this.broker.historyStats?.() : undefined,
      webhooks: webhooks && (() => webhooks.stats()),
    });
  }

  /** Whether the server is draining (stopping): `/readyz` answers 503. */
  get draining(): boolean {
    return this.#draining;
  }

  /**
   * The fetch-style handler: `/api/...`, `/connect/...`, the browser assets, `/dashboard/`,
   * `/healthz`, `/readyz`, `/metrics`, and 404 elsewhere. Routes on the request target: a
   * malformed `Host` header or target gets a 400, a path with dot segments a 404 (`requestUrl`).
   */
  fetch = async (req: Request, ctx: RequestContext = {}): Promise<Response> => {
    // Checked before the URL is read: a `Host` that is no host could move the path.
    const badHost = hostError(req);
    if (badHost) return errorResponse(badHost);
    // Timed only when the time is used: for the publish histogram and the access line.
    const started = req.method === "POST" || this.log.verboseEnabled
      ? performance.now()
      : undefined;
    const path = targetPath(req.url);
    if (path instanceof HttpError) return errorResponse(path);
    // No asset, SockJS or operations path starts with `/api/`.
    if (isApiPath(path)) return await this.#answerApi(req, path, ctx, started);
    const url = targetUrl(req.url);
    if (url instanceof HttpError) return errorResponse(url);
    return await this.#answerOther(req, url, ctx);
  };

  /** The handler the runtime adapters serve: `fetch`. */
  handle: (req: Request, ctx?: RequestContext) => Promise<Response> = this.fetch;

  /**
   * Answers an API request for `path`, counts it and writes its access line. `started` is when it
   * came in (undefined when neither the publish histogram nor the access line needs it).
   */
  async #answerApi(
    req: Request,
    path: string,
    ctx: RequestContext,
    started: number | undefined,
  ): Promise<Response> {
    const route = routeOf(path);
    let res: Response;
    try {
      res = await this.#api(req, route);
    } catch (error) {
      return this.#failed(req, path, error);
    }
    const seconds = started === undefined ? 0 : (performance.now() - started) / 1000;
    const endpoint = route === undefined || route instanceof HttpError ? "other" : route.kind;
    const { status } = res;
    const method = req.method;
    this.metrics.request(endpoint, method, status, seconds);
    if (this.log.verboseEnabled) {
      const remote = ctx.remoteAddress ?? null;
      const ms = Number((seconds * 1000).toFixed(2));
      const fields = { event: "request", status, method, path, remote, ms };
      this.log.verbose(`${status} ${method} ${path} (${remote ?? "-"}) ${ms}ms`, fields);
    }
    return res;
  }

  /** Answers everything but the API: assets, SockJS, the operations endpoints, and 404. */
  async #answerOther(req: Request, url: URL, ctx: RequestContext): Promise<Response> {
    const path = url.pathname;
    try {
      const asset = serveAsset(req, path) ??
        (this.#dashboard ? serveDashboard(req, path) : undefined);
      if (asset) return asset;
      // A poll that comes after a publish was answered must carry it: pushes still waiting in
      // the outbox go out first.
      if (path.startsWith("/connect/")) this.hub.flush();
      const sockjs = this.sockjs.handle(req, ctx, url);
      if (sockjs) return await sockjs;
      const ops = OPS_PATHS.has(path) && await opsResponse(this, req, path, this.#serveMetrics);
      return ops || notFound();
    } catch (error) {
      return this.#failed(req, path, error);
    }
  }

  /** Logs an error the handler did not expect and answers 500. */
  #failed(req: Request, path: string, error: unknown): Response {
    this.log.error(`${req.method} ${path}: ${(error as Error)?.stack ?? error}`, {
      event: "error",
      method: req.method,
      path,
    });
    return errorResponse(new HttpError(500, "Internal server error."));
  }

  /**
   * The handler of the separate metrics port (`--metrics-port`): `/healthz`, `/readyz` and
   * `/metrics`, 404 for other paths (and those with dot segments), 400 for a malformed request.
   */
  handleOps = async (req: Request): Promise<Response> => {
    const url = requestUrl(req);
    if (url instanceof HttpError) return errorResponse(url);
    return await opsResponse(this, req, url.pathname, true) ?? notFound();
  };

  /**
   * Starts a graceful stop: `/readyz` answers 503, every session is closed with `reason` (1001
   * by default, so clients reconnect elsewhere) and new sessions are refused the same way. The
   * API keeps answering until the runtime stops accepting.
   */
  drain(reason: CloseReason = SHUTTING_DOWN): void {
    this.#draining = true;
    this.sockjs.refuseNew(reason);
    this.sockjs.closeAll(reason);
  }

  /**
   * Closes every client session (with 1001 by default, so clients reconnect) and stops the
   * broker.
   */
  async close(reason: CloseReason = SHUTTING_DOWN): Promise<void> {
    this.drain(reason);
    this.sockjs.destroyAll();
    this.stats.close();
    await this.webhooks?.close();
    await this.broker.close();
  }
}

function sum<T>(items: Iterable<T>, value: (item: T) => number): number {
  let total = 0;
  for (const item of items) total += value(item);
  return total;
}

/** The presence webhooks, when an application has a `webhookUrl`. */
function createWebhooks(hub: Hub, options: ThunderpushOptions, log: Logger): Webhooks | undefined {
  const urls = new Map(
    options.apps.flatMap((a) => a.webhookUrl ? [[a.publicKey, a.webhookUrl]] : []),
  );
  return urls.size > 0 ? new Webhooks(hub, urls, options.webhooks, log) : undefined;
}
