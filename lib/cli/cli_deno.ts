/**
 * The `thunderpush` command on Deno: `run.ts` with `Deno.serve` (or `--server node`), a `flock`ed
 * PID file and Deno's signal listeners.
 *
 * @module
 */

import { type CliPlatform, type PidFile, runCli } from "./run.ts";
import { serve } from "../adapters/serve_deno.ts";

const encoder = new TextEncoder();

const SIGNALS: readonly Deno.Signal[] = ["SIGINT", "SIGTERM"];

function writeAll(stream: { writeSync(p: Uint8Array): number }, text: string): void {
  let bytes = encoder.encode(text);
  while (bytes.length > 0) bytes = bytes.subarray(stream.writeSync(bytes));
}

/** Takes the PID file at `path`: locked first, then truncated and written; null when locked. */
async function acquirePidFile(path: string): Promise<PidFile | null> {
  const file = await Deno.open(path, { read: true, write: true, create: true, mode: 0o644 });
  if (!(await file.tryLock(true))) {
    file.close();
    return null;
  }
  await file.truncate(0);
  await file.write(encoder.encode(String(Deno.pid)));
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      await Deno.remove(path).catch(() => {});
      file.close();
    },
  };
}

const platform: CliPlatform = {
  env: () => {
    try {
      return Deno.env.toObject();
    } catch {
      return {}; // no --allow-env: flags only
    }
  },
  stdout: (text) => writeAll(Deno.stdout, text),
  stderr: (text) => writeAll(Deno.stderr, text),
  acquirePidFile,
  servers: {
    deno: () => Promise.resolve(serve),
    // Imported only when chosen: the default server loads neither node:http nor ws.
    node: async () => (await import("../adapters/serve_node.ts")).serve,
  },
  nextSignal: () =>
    new Promise((resolve) => {
      const listeners = SIGNALS.map((signal) => {
        const listener = () => {
          for (const [s, l] of listeners) Deno.removeSignalListener(s, l);
          resolve(signal);
        };
        Deno.addSignalListener(signal, listener);
        return [signal, listener] as const;
      });
    }),
  readTextFile: (path) => Deno.readTextFile(path),
  memory: () => Deno.memoryUsage(),
};

/**
 * Runs the command line and returns the exit status (see `runCli`).
 *
 * @example
 * ```ts ignore
 * import { main } from "./cli_deno.ts";
 * Deno.exit(await main(["-p", "8080", "publickey", "secret"]));
 * ```
 */
export function main(argv: readonly string[]): Promise<number> {
  return runCli(argv, platform);
}
