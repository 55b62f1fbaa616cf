/**
 * Thunderpush for Deno: a real-time push server. Browsers connect over SockJS; applications push
 * JSON messages to channels or users through a small HTTP API and ask who is online.
 *
 * Run it:
 *
 * ```sh
 * deno run -A jsr:@thunder/server <publickey> <secret>
 * ```
 *
 * Or embed it:
 *
 * @example
 * ```ts
 * import { Thunderpush } from "@thunder/server";
 * const thunder = new Thunderpush({ apps: [{ publicKey: "key", secret: "secret" }] });
 * // Deno.serve((req, info) => thunder.fetch(req));
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
} from "./lib/hub/hub.ts";
export { Message } from "./lib/hub/message.ts";
export { type ApiHandler, type ApiOptions, createApiHandler } from "./lib/api/handler.ts";
export { SockjsServer } from "./lib/sockjs/server.ts";
export type { SockjsServerOptions } from "./lib/sockjs/options.ts";
export type { SessionHandler, SockjsConnection } from "./lib/sockjs/session.ts";
export type { Handler, RequestContext, WebSocketLike } from "./lib/sockjs/socket.ts";
export * from "./lib/sockjs/close_codes.ts";
export * from "./lib/protocol/close_codes.ts";
export { Logger, type LoggerOptions, type LogLevel } from "./lib/log.ts";
export {
  type RunningServer,
  serve,
  type ServeHandler,
  type ServeOptions,
} from "./lib/runtime/serve_deno.ts";
export { VERSION } from "./lib/version.ts";
import { main } from "./lib/runtime/cli_deno.ts";
export { main };

if (import.meta.main) Deno.exit(await main(Deno.args));
