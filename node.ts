/**
 * Thunderpush for Node: the npm package `thunderpush`. The library of `mod.ts`, the Node adapter
 * (`node:http` and `ws`) as {@linkcode serve}, and the command line as {@linkcode main} and
 * {@linkcode run} (the package's `bin` calls `run`).
 *
 * @example
 * ```ts ignore
 * import { serve, Thunderpush } from "thunderpush";
 * const thunder = new Thunderpush({ apps: [{ publicKey: "key", secret: "secret" }] });
 * const server = await serve(thunder.handle, { port: 8080 });
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
} from "./lib/adapters/serve_node.ts";
export { main, run } from "./lib/cli/cli_node.ts";
