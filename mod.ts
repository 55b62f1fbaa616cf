/**
 * Thunderpush for Deno as a library, runtime-neutral: the server's `fetch` handler, the hub, the
 * SockJS server, their types and close codes. `main.ts` (Deno) and `node.ts` (the npm package) add
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
export { Message } from "./lib/hub/message.ts";
export { type ApiHandler, type ApiOptions, createApiHandler } from "./lib/api/handler.ts";
export { SockjsServer } from "./lib/sockjs/server.ts";
export type { SockjsServerOptions } from "./lib/sockjs/options.ts";
export type { SessionHandler, SockjsConnection } from "./lib/sockjs/session.ts";
export type { Handler, RequestContext, WebSocketLike } from "./lib/http/context.ts";
export * from "./lib/sockjs/close_codes.ts";
export * from "./lib/protocol/close_codes.ts";
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
