/**
 * The `thunderpush` command on Node: `run.ts` with `node:http` and `ws`, the PID file of
 * `pid_file_node.ts` and Node's signal handlers. The npm package's `bin` calls {@linkcode run}.
 *
 * @module
 */

import process from "node:process";
import { type CliPlatform, runCli } from "./run.ts";
import { acquirePidFile } from "./pid_file_node.ts";
import { serve } from "../adapters/serve_node.ts";
import { readFile } from "node:fs/promises";

const SIGNALS = ["SIGINT", "SIGTERM"] as const;

const platform: CliPlatform = {
  env: () => process.env,
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  acquirePidFile,
  servers: { node: () => Promise.resolve(serve) }, // `--server deno` is a usage error here
  nextSignal: () =>
    new Promise((resolve) => {
      const listener = (signal: string) => {
        for (const s of SIGNALS) process.off(s, listener);
        resolve(signal);
      };
      for (const s of SIGNALS) process.on(s, listener);
    }),
  readTextFile: (path) => readFile(path, "utf8"),
  memory: () => process.memoryUsage(),
};

/** Runs the command line and returns the exit status (see `runCli`). */
export function main(argv: readonly string[]): Promise<number> {
  return runCli(argv, platform);
}

function flushed(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => stream.write("", () => resolve()));
}

/**
 * Runs the command line and exits the process with its status once standard output and error
 * are flushed (WebSockets still closing do not hold the exit back).
 *
 * @example
 * ```ts ignore
 * import { run } from "./cli_node.ts";
 * await run(process.argv.slice(2));
 * ```
 */
export async function run(argv: readonly string[]): Promise<never> {
  const status = await main(argv);
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(status);
}
