/**
 * Thunderpush for Deno as a library, runtime-neutral: the server's `fetch` handler, the hub, the
 * SockJS server, the stats behind `/dashboard/`, their types and close codes. `main.ts` (Deno) and `node.ts` (the npm package) add
 * the adapter that serves it and the command line.
 *
 * @example
 * ```ts
 * import { Thunderpush } from "./mod.ts";
 * const thunder = new Thunderpush({ apps: [{ publicKey: "key", secret: "secret" }] });
 * // Deno.serve((req) => thunder.fetch(req));
 * thunder.close();
 * ```
 *
 * @module
 */

export { type AppKeys, Thunderpush, type ThunderpushOptions } from "./lib/server.ts";
export {
  App,
  Hub,
  type HubCloseReason,
  type HubConnection,
  type HubOptions,
  type PresenceHook,
} from "./lib/hub/hub.ts";
export { Message, type MessagePositions, type Position } from "./lib/hub/message.ts";
export {
  type HistoryEntry,
  type HistoryPolicy,
  type HistoryQuery,
  type HistoryRead,
  MAX_RECOVERED,
} from "./lib/history/history.ts";
export { MemoryHistory } from "./lib/history/memory.ts";
export { type ApiHandler, type ApiOptions, createApiHandler } from "./lib/api/handler.ts";
export type { ApiStats } from "./lib/api/stats.ts";
export type { PyJsonValue } from "./lib/json.ts";
export { Stats, type StatsOptions, type UsersPage } from "./lib/stats/service.ts";
export { type RecorderOptions, StatsRecorder } from "./lib/stats/recorder.ts";
export type { ClusterStats, HistoryPoint, NodeFigures, NodeReport } from "./lib/broker/stats.ts";
export { SockjsServer } from "./lib/sockjs/server.ts";
export type { SockjsServerOptions } from "./lib/sockjs/options.ts";
export type { SessionHandler, SockjsConnection } from "./lib/sockjs/session.ts";
export type { Handler, RequestContext, WebSocketLike } from "./lib/http/context.ts";
export * from "./lib/sockjs/close_codes.ts";
export * from "./lib/protocol/close_codes.ts";
export { signToken, type SignTokenOptions } from "./lib/auth/sign.ts";
export { Logger, type LoggerOptions, type LogLevel } from "./lib/log.ts";
export { type WebhookOptions, Webhooks, type WebhookStats } from "./lib/webhooks/webhooks.ts";
export type {
  Emit,
  LedgerContext,
  LedgerFactory,
  PresenceKind,
  PresenceLedger,
  WebhookEvent,
} from "./lib/webhooks/events.ts";
export type { SenderSettings } from "./lib/webhooks/sender.ts";
export { VERSION } from "./lib/version.ts";
