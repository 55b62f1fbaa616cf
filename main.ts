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

export * from "./mod.ts";
export {
  type RunningServer,
  serve,
  type ServeHandler,
  type ServeOptions,
} from "./lib/adapters/serve_deno.ts";
import { main } from "./lib/cli/cli_deno.ts";
export { main };

if (import.meta.main) Deno.exit(await main(Deno.args));
