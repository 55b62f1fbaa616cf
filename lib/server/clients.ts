/**
 * The client side of a Thunderpush server: its SockJS endpoint at `/connect`, and what every
 * client's `ThunderConnection` is given (the way to its session, its limits, history, tokens).
 *
 * @module
 */

import type { Hub } from "../hub/hub.ts";
import type { Metrics } from "../metrics.ts";
import type { Logger } from "../log.ts";
import type { Broker } from "../broker/broker.ts";
import type { HistoryPolicies } from "../history/history.ts";
import { SessionState, type SockjsConnection } from "../sockjs/session.ts";
import { SockjsServer } from "../sockjs/server.ts";
import type { SockjsServerOptions } from "../sockjs/options.ts";
import { type ConnectionContext, type Link, ThunderConnection } from "../protocol/connection.ts";
import type { TokenPolicy } from "../auth/policy.ts";

/** The server's settings the SockJS endpoint takes (each has its default when absent). */
export type SockjsSettings =
  & Pick<
    SockjsServerOptions,
    | "heartbeatDelay"
    | "disconnectDelay"
    | "maxConnections"
    | "maxBufferedBytes"
    | "maxQueuedMessages"
  >
  & { readonly maxMessageSize: number };

/** The SockJS endpoint at `/connect`, logging failed sessions and, at debug level, frames. */
export function createSockjs(settings: SockjsSettings, log: Logger): SockjsServer {
  return new SockjsServer({
    prefix: "/connect",
    maxMessageSize: settings.maxMessageSize,
    jsessionid: true,
    sockjsUrl: "/connect/sockjs.min.js",
    ...definedOnly({
      heartbeatDelay: settings.heartbeatDelay,
      disconnectDelay: settings.disconnectDelay,
      maxConnections: settings.maxConnections,
      maxBufferedBytes: settings.maxBufferedBytes,
      maxQueuedMessages: settings.maxQueuedMessages,
    }),
    // A bug met while handling one client's message closes that session only (1011).
    onError: (conn, error) =>
      log.error(`Session ${conn.id} failed: ${(error as Error)?.stack ?? error}`, {
        event: "error",
        session: conn.id,
      }),
    trace: log.debugEnabled
      ? (direction, id, frame) =>
        log.debug(`${direction} ${id} ${frame}`, { event: "frame", direction, session: id, frame })
      : null,
  });
}

/** What every client connection shares. */
export interface ClientSettings {
  readonly hub: Hub;
  readonly broker: Broker;
  readonly history: HistoryPolicies;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly tokens: TokenPolicy;
  readonly maxChannelsPerConnection?: number;
  readonly maxCommandsPerSecond?: number;
  readonly maxIdLength?: number;
}

/**
 * Makes every new SockJS session a Thunderpush connection, sharing one context: the hub, the
 * limits, history reads when an application keeps history, and tokens when one requires them.
 */
export function acceptClients(sockjs: SockjsServer, settings: ClientSettings): void {
  const { broker, metrics, log } = settings;
  const context: ConnectionContext<SockjsConnection> = {
    hub: settings.hub,
    link: sessionLink(metrics),
    log,
    limits: {
      maxChannelsPerConnection: settings.maxChannelsPerConnection ?? 50,
      maxCommandsPerSecond: settings.maxCommandsPerSecond ?? 100,
      maxIdLength: settings.maxIdLength ?? 256,
    },
    ...(settings.history.size > 0 && broker.readHistory
      ? {
        history: broker.readHistory.bind(broker),
        recovered: (ok: boolean) => metrics.recoveries[ok ? "recovered" : "notRecovered"]++,
      }
      : {}),
    refusals: metrics,
    ...(settings.tokens.any ? { tokens: settings.tokens } : {}),
  };
  sockjs.onConnection((conn) => {
    // Only when written: reading a WebSocket session's id makes it (see `Session.id`).
    if (log.verboseEnabled) {
      log.verbose(
        `New ${conn.info.protocol} connection ${conn.id} from ${conn.info.remoteAddress}.`,
      );
    }
    // Its handle() and closed(), without two closures per client.
    conn.listen(new ThunderConnection(context, conn));
  });
}

/**
 * Thunderpush connections' way to their SockJS sessions, counting what they deliver: one for the
 * whole server, so that a connection keeps its session and no adapter object around it.
 */
function sessionLink(metrics: Metrics): Link<SockjsConnection> {
  return {
    deliver(conn, message) {
      const frame = message.frame;
      if (conn.writeFrame(frame, message.elements)) {
        metrics.delivered += message.size;
        metrics.bytesSent += frame.length;
      }
    },
    close: (conn, reason) => conn.close(reason),
    isOpen: (conn) => conn.readyState === SessionState.OPEN,
  };
}

/** The entries of `values` that are not undefined. */
function definedOnly<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(values).filter(([, value]) => value !== undefined),
  ) as Partial<T>;
}
