/**
 * The `thunderpush` command, independent of the runtime: parse the command line, take the PID
 * file, serve, and shut down cleanly on SIGINT or SIGTERM. `cli_deno.ts` and `cli_node.ts` give
 * it a {@linkcode CliPlatform}.
 *
 * @module
 */

import { HELP, parseCli, USAGE } from "./args.ts";
import type { AcquirePidFile } from "./pid_file.ts";
import type { RunningServer, ServeOptions } from "./serve.ts";
import type { Handler } from "../sockjs/socket.ts";
import { Logger } from "../log.ts";
import { Thunderpush } from "../server.ts";
import { VERSION } from "../version.ts";

/** How long shutdown waits for requests in flight (and the broker) before it goes on. */
const SHUTDOWN_GRACE_MS = 5_000;

/** What the command needs from the runtime. */
export interface CliPlatform {
  /** The environment variables (`THUNDERPUSH_*` stand in for flags); empty when not readable. */
  readonly env: () => Readonly<Record<string, string | undefined>>;
  /** Writes to standard output. */
  readonly stdout: (text: string) => void;
  /** Writes to standard error. */
  readonly stderr: (text: string) => void;
  /** Takes the PID file (null: another instance holds it). */
  readonly acquirePidFile: AcquirePidFile;
  /** The runtime's adapter. */
  readonly serve: (
    handler: Handler,
    options: ServeOptions,
  ) => RunningServer | Promise<RunningServer>;
  /**
   * Starts listening for SIGINT and SIGTERM at once; the promise resolves with the name of the
   * first one received, and listening stops then.
   */
  readonly nextSignal: () => Promise<string>;
}

/**
 * Runs the command line and returns the exit status: 0 after a clean shutdown, 1 when the PID
 * file is held by another process or the server cannot listen, 2 on a usage error.
 */
export async function runCli(argv: readonly string[], platform: CliPlatform): Promise<number> {
  const command = parseCli(argv, platform.env());
  switch (command.kind) {
    case "help":
      platform.stdout(HELP);
      return 0;
    case "version":
      platform.stdout(VERSION + "\n");
      return 0;
    case "error":
      platform.stderr(`${USAGE}\nthunderpush: error: ${command.message}\n`);
      return 2;
  }
  const options = command.options;
  const log = new Logger(options.logLevel, (line) => platform.stderr(line + "\n"));
  let pidFile;
  try {
    pidFile = await platform.acquirePidFile(options.pidPath);
  } catch (error) {
    log.error(`Cannot open the PID file ${options.pidPath}: ${(error as Error).message}`);
    return 1;
  }
  if (!pidFile) {
    platform.stderr(`Process already running (PID file: ${options.pidPath}).\n`);
    return 1;
  }
  const thunder = new Thunderpush({
    apps: [{ publicKey: options.clientKey, secret: options.apiKey }],
    maxMessageSize: options.maxMessageSize,
    heartbeatDelay: options.heartbeatDelay,
    disconnectDelay: options.disconnectDelay,
    maxConnections: options.maxConnections,
    maxChannelsPerConnection: options.maxChannelsPerConnection,
    maxCommandsPerSecond: options.maxCommandsPerSecond,
    maxBufferedBytes: options.maxBufferedBytes,
    maxQueuedMessages: options.maxQueuedMessages,
    logger: log,
  });
  let server;
  try {
    server = await platform.serve(thunder.fetch, {
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
  const stopped = platform.nextSignal();
  log.info(`Starting Thunderpush server at ${server.address}`);
  const signal = await stopped;
  log.info(`Shutting down (${signal})...`);
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    // Sessions are closed (1001, so clients reconnect elsewhere) before the server stops.
    Promise.all([thunder.close(), server.close()]),
    new Promise((resolve) => timer = setTimeout(resolve, SHUTDOWN_GRACE_MS)),
  ]);
  clearTimeout(timer);
  await pidFile.release();
  return 0;
}
