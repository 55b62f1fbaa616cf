/**
 * The SockJS server: a route table over the transports (in `transports/`) and the registry of named
 * sessions. `handle` leaves paths outside the prefix alone, so SockJS can share a port.
 *
 * @example
 * ```ts
 * import { SockjsServer } from "./server.ts";
 * const sockjs = new SockjsServer({ prefix: "/echo" });
 * sockjs.onConnection((conn) => conn.on("data", (msg) => conn.write(msg)));
 * ```
 *
 * @module
 */

import type { CloseReason } from "./close_codes.ts";
import { GO_AWAY, SERVER_FULL } from "./close_codes.ts";
import type { RequestContext } from "../http/context.ts";
import {
  Session,
  type SessionOptions,
  type SessionRequestInfo,
  type SockjsConnection,
} from "./session.ts";
import { Heartbeats } from "./heartbeats.ts";
import type { ResolvedSockjsOptions, SockjsServerOptions } from "./options.ts";
import type { TransportHandler, TransportServer } from "./transport.ts";
import { greeting, iframe, info, infoPreflight } from "./transports/static.ts";
import { websocket } from "./transports/websocket.ts";
import { rawWebsocket } from "./transports/raw_websocket.ts";
import {
  eventsource,
  htmlfile,
  jsonp,
  jsonpSend,
  xhrPolling,
  xhrPreflight,
  xhrSend,
  xhrStreaming,
} from "./transports/http_transports.ts";
import { notFound, textResponse } from "./http.ts";
import { requestUrl } from "../http/request_url.ts";
import { HttpError } from "../http/errors.ts";

/** One row of the route table. */
interface Route {
  /** Matched against the path after the prefix. */
  readonly pattern: RegExp;
  /** The handler per HTTP method; other methods get 405. */
  readonly methods: Readonly<Record<string, TransportHandler>>;
}

const session = (transport: string) => new RegExp(`^/[^/.]+/(?<session>[^/.]+)/${transport}$`);

/** The routes, in the order they are tried. */
const ROUTES: readonly Route[] = [
  { pattern: /^\/?$/, methods: { GET: greeting } },
  { pattern: /^\/info$/, methods: { GET: info, OPTIONS: infoPreflight } },
  { pattern: /^\/websocket$/, methods: { GET: rawWebsocket } },
  { pattern: /^\/iframe[0-9a-zA-Z_.-]*\.html$/, methods: { GET: iframe } },
  { pattern: session("websocket"), methods: { GET: websocket } },
  { pattern: session("xhr"), methods: { POST: xhrPolling, OPTIONS: xhrPreflight } },
  { pattern: session("xhr_send"), methods: { POST: xhrSend, OPTIONS: xhrPreflight } },
  { pattern: session("xhr_streaming"), methods: { POST: xhrStreaming, OPTIONS: xhrPreflight } },
  { pattern: session("eventsource"), methods: { GET: eventsource } },
  { pattern: session("htmlfile"), methods: { GET: htmlfile } },
  { pattern: session("jsonp"), methods: { GET: jsonp } },
  { pattern: session("jsonp_send"), methods: { POST: jsonpSend } },
];

/** Serves the SockJS protocol under one prefix. */
export class SockjsServer implements TransportServer {
  /** The resolved settings. */
  readonly options: ResolvedSockjsOptions;
  #sessions = new Map<string, Session>();
  #live = new Set<SockjsConnection>();
  #listeners: ((conn: SockjsConnection) => void)[] = [];
  #refusal: CloseReason | null = null;
  // Shared by the sessions kept by id, and by those not kept (whose ids are never read here).
  #namedOptions: SessionOptions;
  #unnamedOptions: SessionOptions;

  /** Creates a server; nothing listens until `handle` is called by a runtime adapter. */
  constructor(options: SockjsServerOptions) {
    this.options = {
      heartbeatDelay: 25_000,
      disconnectDelay: 5_000,
      responseLimit: 128 * 1024,
      websocket: true,
      jsessionid: false,
      sockjsUrl: "https://cdn.jsdelivr.net/npm/sockjs-client@1/dist/sockjs.min.js",
      maxMessageSize: 65_536,
      maxQueuedMessages: 1_000,
      maxBufferedBytes: 1024 * 1024,
      maxConnections: 50_000,
      trace: null,
      onError: logToConsole,
      ...options,
    };
    const { disconnectDelay, maxQueuedMessages, trace, onError } = this.options;
    this.#unnamedOptions = {
      heartbeats: new Heartbeats(this.options.heartbeatDelay),
      disconnectDelay,
      maxQueuedMessages,
      trace,
      onOpen: (session) => this.opened(session),
      onEnd: (session) => this.#live.delete(session),
      onError,
    };
    this.#namedOptions = {
      ...this.#unnamedOptions,
      onEnd: (session) => {
        this.#live.delete(session);
        if (this.#sessions.get(session.id) === session) this.#sessions.delete(session.id);
      },
    };
  }

  /** Registers a listener for new connections (sockjs-node's `on("connection")`). */
  onConnection(listener: (conn: SockjsConnection) => void): void {
    this.#listeners.push(listener);
  }

  /** Open connections of every transport. */
  get connectionCount(): number {
    return this.#live.size;
  }

  /** Open connections by transport name (`websocket`, `xhr_streaming`, ...). */
  connectionsByTransport(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const conn of this.#live) {
      counts.set(conn.info.protocol, (counts.get(conn.info.protocol) ?? 0) + 1);
    }
    return counts;
  }

  /** Refuses new sessions from now on, closing each at once with `reason` (while draining). */
  refuseNew(reason: CloseReason): void {
    this.#refusal = reason;
  }

  /**
   * Answers a request under the prefix; undefined for other paths. `url`: `req.url` already
   * checked by `requestUrl`; without it, the check is made here (400 or 404).
   */
  handle(req: Request, ctx: RequestContext = {}, url?: URL): Promise<Response> | undefined {
    const checked = url ?? requestUrl(req);
    if (checked instanceof HttpError) {
      const { status, message } = checked;
      return Promise.resolve(status === 404 ? notFound() : textResponse(status, message));
    }
    const { pathname } = checked;
    const { prefix } = this.options;
    const rest = pathname.slice(prefix.length);
    if (!pathname.startsWith(prefix) || (rest !== "" && rest[0] !== "/")) return undefined;
    return Promise.resolve(this.#route(req, ctx, checked, rest));
  }

  #route(req: Request, ctx: RequestContext, url: URL, rest: string): Response | Promise<Response> {
    for (const route of ROUTES) {
      const match = route.pattern.exec(rest);
      if (!match) continue;
      const handler = route.methods[req.method];
      if (!handler) return textResponse(405, "", { Allow: Object.keys(route.methods).join(", ") });
      return handler({ req, url, ctx, server: this, sessionId: match.groups?.session ?? "" });
    }
    return notFound();
  }

  /** The named session with this id, if it is still around. */
  session(id: string): Session | undefined {
    return this.#sessions.get(id);
  }

  /** Creates a session, kept by id until it ends when `id` is given (not for WebSockets). */
  createSession(id: string | null, info: SessionRequestInfo): Session {
    if (id === null) return new Session(null, info, this.#unnamedOptions);
    const session = new Session(id, info, this.#namedOptions);
    this.#sessions.set(id, session);
    return session;
  }

  /** Forgets a connection that ended (used by the raw WebSocket). */
  ended(conn: SockjsConnection): void {
    this.#live.delete(conn);
  }

  /** Closes every connection; HTTP sessions keep their close frame for the next request. */
  closeAll(reason: CloseReason = GO_AWAY): void {
    for (const conn of [...this.#live]) conn.close(reason);
  }

  /** Ends every session at once and forgets it. */
  destroyAll(): void {
    for (const session of [...this.#sessions.values()]) session.destroy();
    for (const conn of [...this.#live]) if (conn instanceof Session) conn.destroy();
    this.#live.clear();
  }

  /** Open sessions, and closed ones whose client has not received the close frame yet. */
  get undeliveredCount(): number {
    let n = 0;
    for (const conn of this.#live) {
      if (!(conn instanceof Session) || !conn.closeDelivered) n++;
    }
    return n;
  }

  /** Tells the listeners about a connection that just opened, or closes it when refused. */
  opened(conn: SockjsConnection): void {
    if (this.#refusal || this.#live.size >= this.options.maxConnections) {
      conn.close(this.#refusal ?? SERVER_FULL);
      return;
    }
    this.#live.add(conn);
    for (const listener of this.#listeners) listener(conn);
  }
}

/** The default `onError`: the error, with its stack, on the console. */
function logToConsole(conn: SockjsConnection, error: unknown): void {
  // deno-lint-ignore no-console
  console.error(`SockJS session ${conn.id} failed:`, error);
}
