/**
 * The `thunderpush` command, independent of the runtime: parse the command line, take the PID
 * file, serve, and shut down cleanly on SIGINT or SIGTERM. `cli_deno.ts` and `cli_node.ts` give
 * it a {@linkcode CliPlatform}.
 *
 * @module
 */

import { HELP, parseCli, type ServerKind, USAGE } from "./args.ts";
import type { AcquirePidFile } from "./pid_file.ts";
import type { RunningServer, ServeHandler, ServeOptions } from "../adapters/serve.ts";
import { Logger } from "../log.ts";
import { type AppKeys, Thunderpush } from "../server.ts";
import { parseAppsFile } from "./apps.ts";
import type { Hub } from "../hub/hub.ts";
import type { HistoryPolicies } from "../history/history.ts";
import { VERSION } from "../version.ts";
import { runTokenCommand } from "./token.ts";

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
  /**
   * The adapters this runtime can serve with, by `--server` name, each loaded when chosen; the
   * first is the default.
   */
  readonly servers: Readonly<Partial<Record<ServerKind, () => Promise<Serve>>>>;
  /**
   * Starts listening for SIGINT and SIGTERM at once; the promise resolves with the name of the
   * first one received, and listening stops then.
   */
  readonly nextSignal: () => Promise<string>;
  /** Reads a text file (the apps file, TLS certificate and key). */
  readonly readTextFile: (path: string) => Promise<string>;
  /** The process's memory, for `/metrics`. */
  readonly memory: () => { rss: number; heapUsed: number };
}

/** A runtime adapter's `serve`. */
export type Serve = (
  handler: ServeHandler,
  options: ServeOptions,
) => RunningServer | Promise<RunningServer>;

/**
 * Runs the command line and returns the exit status: 0 after a clean shutdown, 1 when the PID
 * file is held by another process or the server cannot listen, 2 on a usage error.
 * `thunderpush token ...` prints a user token instead (see `token.ts`).
 */
export async function runCli(argv: readonly string[], platform: CliPlatform): Promise<number> {
  if (argv[0] === "token") return await runTokenCommand(argv.slice(1), platform);
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
  const serverKind = options.server ?? Object.keys(platform.servers)[0] as ServerKind;
  const loadServer = platform.servers[serverKind];
  if (!loadServer) {
    const choices = Object.keys(platform.servers).map((k) => `'${k}'`).join(", ");
    platform.stderr(
      `${USAGE}\nthunderpush: error: argument --server: '${serverKind}' is not available on ` +
        `this runtime (choose from ${choices})\n`,
    );
    return 2;
  }
  const log = new Logger(
    options.logLevel,
    (line) => platform.stderr(line + "\n"),
    options.logFormat,
    { maxVerboseLinesPerSecond: options.maxLogLinesPerSecond },
  );
  const fail = (message: string) => {
    log.error(message, { event: "startup-error" });
    return 1;
  };
  let serve: Serve;
  try {
    serve = await loadServer();
  } catch (error) {
    return fail(`Cannot load the ${serverKind} server: ${(error as Error).message}`);
  }
  const apps: AppKeys[] = [];
  if (options.clientKey !== null && options.apiKey !== null) {
    apps.push({ publicKey: options.clientKey, secret: options.apiKey });
  }
  let tls: { cert: string; key: string } | undefined;
  try {
    if (options.appsFile) {
      for (const app of parseAppsFile(await platform.readTextFile(options.appsFile))) {
        if (apps.some((a) => a.publicKey === app.publicKey)) {
          throw new Error(`duplicate publicKey ${JSON.stringify(app.publicKey)}`);
        }
        apps.push(app);
      }
    }
    if (options.cert && options.key) {
      tls = {
        cert: await platform.readTextFile(options.cert),
        key: await platform.readTextFile(options.key),
      };
    }
  } catch (error) {
    return fail(`Cannot read the configuration: ${(error as Error).message}`);
  }
  let pidFile;
  try {
    pidFile = await platform.acquirePidFile(options.pidPath);
  } catch (error) {
    return fail(`Cannot open the PID file ${options.pidPath}: ${(error as Error).message}`);
  }
  if (!pidFile) {
    platform.stderr(`Process already running (PID file: ${options.pidPath}).\n`);
    return 1;
  }
  const webhookUrl = options.webhookUrl;
  if (webhookUrl) {
    for (const [i, app] of apps.entries()) apps[i] = { webhookUrl, ...app };
  }
  const hooked = apps.some((app) => app.webhookUrl);
  const redis = options.redis;
  // Loaded only for a cluster: the Redis client is most of the code a single node never runs.
  const { RedisBroker } = redis ? await import("../broker/redis.ts") : { RedisBroker: undefined };
  const { RedisLedger } = redis && hooked
    ? await import("../webhooks/redis_ledger.ts")
    : { RedisLedger: undefined };
  const thunder = new Thunderpush({
    apps,
    maxMessageSize: options.maxMessageSize,
    heartbeatDelay: options.heartbeatDelay,
    disconnectDelay: options.disconnectDelay,
    maxConnections: options.maxConnections,
    maxChannelsPerConnection: options.maxChannelsPerConnection,
    maxIdLength: options.maxIdLength,
    maxCommandsPerSecond: options.maxCommandsPerSecond,
    maxBufferedBytes: options.maxBufferedBytes,
    maxQueuedMessages: options.maxQueuedMessages,
    requireToken: options.requireToken,
    metricsOnMainPort: options.metricsPort === null,
    history: { size: options.historySize, ttl: options.historyTtl },
    dashboard: options.dashboard,
    memory: platform.memory,
    logger: log,
    webhooks: {
      grace: options.webhookGrace,
      ...(redis && RedisLedger
        ? {
          ledger: (context) =>
            new RedisLedger(context, {
              url: redis,
              presenceTtl: options.presenceTtl,
              timeout: options.redisTimeout,
              logger: log,
            }),
        }
        : {}),
    },
    ...(redis && RedisBroker
      ? {
        broker: (hub: Hub, history: HistoryPolicies) =>
          new RedisBroker(hub, {
            url: redis,
            presenceTtl: options.presenceTtl,
            timeout: options.redisTimeout,
            logger: log,
            history,
          }),
      }
      : {}),
  });
  const onError = (error: unknown) =>
    log.error(`Unhandled error: ${(error as Error)?.stack ?? error}`, { event: "error" });
  const servers: RunningServer[] = [];
  try {
    servers.push(
      await serve(thunder.handle, {
        port: options.port,
        hostname: options.host,
        onError,
        // Half-open WebSockets are found within twice the heartbeat delay.
        idleTimeout: options.heartbeatDelay,
        headerTimeout: options.headerTimeout,
        maxMessageSize: options.maxMessageSize,
        ...(tls ? { tls } : {}),
      }),
    );
    if (options.metricsPort !== null) {
      servers.push(
        await serve(thunder.handleOps, {
          port: options.metricsPort,
          hostname: options.host,
          onError,
          headerTimeout: options.headerTimeout,
        }),
      );
    }
  } catch (error) {
    await Promise.all(servers.map((s) => s.close()));
    await thunder.close();
    await pidFile.release();
    return fail(
      `Cannot listen on ${options.host || "*"}:${options.port}: ${(error as Error).message}`,
    );
  }
  const stopped = platform.nextSignal();
  const [server, metricsServer] = servers;
  log.info(`Starting Thunderpush server at ${server.address}`, {
    event: "start",
    address: server.address,
    url: server.url,
    apps: apps.length,
    broker: redis ? "redis" : "memory",
    server: serverKind,
  });
  if (metricsServer) {
    log.info(`Serving metrics at ${metricsServer.address}`, {
      event: "metrics",
      address: metricsServer.address,
    });
  }
  const signal = await stopped;
  log.info(`Shutting down (${signal})...`, { event: "stop", signal });
  // Graceful: /readyz answers 503 and every session gets c[1001] (clients reconnect elsewhere);
  // the servers keep answering until the sessions are gone (a polling client takes its close
  // frame with its next request), then stop accepting and let requests in flight finish, all
  // within the grace period.
  thunder.drain();
  // A second signal cuts the wait short.
  let hurry = false;
  const again = platform.nextSignal();
  again.then((second) => {
    hurry = true;
    log.info(`Stopping now (${second}).`, { event: "stop-now", signal: second });
  });
  const deadline = Date.now() + options.shutdownGrace;
  while (thunder.sockjs.undeliveredCount > 0 && Date.now() < deadline && !hurry) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    Promise.all([thunder.close(), ...servers.map((s) => s.close())]),
    new Promise((resolve) => timer = setTimeout(resolve, Math.max(0, deadline - Date.now()))),
    again,
  ]);
  clearTimeout(timer);
  await pidFile.release();
  return 0;
}
