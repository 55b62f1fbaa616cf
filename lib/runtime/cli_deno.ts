/**
 * The `thunderpush` command on Deno: parse the command line, take the PID file, serve, and shut
 * down cleanly on SIGINT or SIGTERM.
 *
 * @module
 */

import { HELP, parseCli, USAGE } from "./args.ts";
import { acquirePidFile } from "./pid_file.ts";
import { serve } from "./serve_deno.ts";
import { Logger } from "../log.ts";
import { Thunderpush } from "../server.ts";
import { VERSION } from "../version.ts";

const encoder = new TextEncoder();

function writeErr(text: string): void {
  Deno.stderr.writeSync(encoder.encode(text));
}

/**
 * Runs the command line and returns the exit status: 0 after a clean shutdown, 1 when the PID
 * file is locked by another process, 2 on a usage error.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const command = parseCli(argv);
  switch (command.kind) {
    case "help":
      Deno.stdout.writeSync(encoder.encode(HELP));
      return 0;
    case "version":
      Deno.stdout.writeSync(encoder.encode(VERSION + "\n"));
      return 0;
    case "error":
      writeErr(`${USAGE}\nthunderpush: error: ${command.message}\n`);
      return 2;
  }
  const options = command.options;
  const log = new Logger(options.logLevel, (line) => writeErr(line + "\n"));
  let pidFile;
  try {
    pidFile = await acquirePidFile(options.pidPath);
  } catch (error) {
    log.error(`Cannot open the PID file ${options.pidPath}: ${(error as Error).message}`);
    return 1;
  }
  if (!pidFile) {
    writeErr(`Process already running (PID file: ${options.pidPath}).\n`);
    return 1;
  }
  const thunder = new Thunderpush({
    apps: [{ publicKey: options.clientKey, secret: options.apiKey }],
    maxMessageSize: options.maxMessageSize,
    heartbeatDelay: options.heartbeatDelay,
    disconnectDelay: options.disconnectDelay,
    logger: log,
  });
  let server;
  try {
    server = serve(thunder.fetch, {
      port: options.port,
      hostname: options.host,
      onError: (error) => log.error(`Unhandled error: ${(error as Error)?.stack ?? error}`),
    });
  } catch (error) {
    log.error(
      `Cannot listen on ${options.host || "*"}:${options.port}: ${(error as Error).message}`,
    );
    await pidFile.release();
    return 1;
  }
  log.info(`Starting Thunderpush server at ${server.address}`);
  const { promise: stopped, resolve: stop } = Promise.withResolvers<string>();
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  const listeners = signals.map((signal) => [signal, () => stop(signal)] as const);
  for (const [signal, listener] of listeners) Deno.addSignalListener(signal, listener);
  const signal = await stopped;
  for (const [s, listener] of listeners) Deno.removeSignalListener(s, listener);
  log.info(`Shutting down (${signal})...`);
  thunder.close();
  await Promise.race([server.close(), new Promise((r) => setTimeout(r, 5_000))]);
  await pidFile.release();
  return 0;
}
