/**
 * The `thunderpush` command, independent of the runtime: parse the command line, take the PID
 * file, serve, and shut down cleanly on SIGINT or SIGTERM. `cli_deno.ts` and `cli_node.ts` give
 * it a {@linkcode CliPlatform}.
 *
 * @module
 */

import { parseCli } from "./args.ts";
import { HELP, USAGE } from "./help.ts";
import type { RunningServer, ServeHandler, ServeOptions } from "../adapters/serve.ts";
import type { CliOptions, ServerKind } from "./flags.ts";
import { Logger } from "../log.ts";
import { type AppKeys, Thunderpush } from "../server.ts";
import { parseAppsFile } from "./apps.ts";
import { VERSION } from "../version.ts";
import { runTokenCommand, type TokenPlatform } from "./token.ts";

/** A held PID file. */
export interface PidFile {
  /** Removes the file (and lets it go). Safe to call twice. */
  release(): Promise<void>;
}

/** What the command needs from the runtime. */
export interface CliPlatform extends TokenPlatform {
  /**
   * Takes the PID file at a path, which holds the server's PID while it runs: null when another
   * running instance holds it (then the file is left alone). Deno locks it with `flock`
   * (`cli_deno.ts`), Node creates it with a hard link (`pid_file_node.ts`).
   */
  readonly acquirePidFile: (path: string) => Promise<PidFile | null>;
  /** The adapters by `--server` name, each loaded when chosen; the first is the default. */
  readonly servers: Readonly<Partial<Record<ServerKind, () => Promise<Serve>>>>;
  /** Listens for SIGINT and SIGTERM; resolves with the first one's name, and stops listening. */
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
  if (!platform.servers[serverKind]) {
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
  return await run(options, serverKind, platform, log);
}

/** Starts the server, serves until a signal, and stops it; returns the exit status. */
async function run(
  options: CliOptions,
  serverKind: ServerKind,
  platform: CliPlatform,
  log: Logger,
): Promise<number> {
  const fail = (message: string) => {
    log.error(message, { event: "startup-error" });
    return 1;
  };
  let serve: Serve;
  let config: Config;
  let pidFile: PidFile | null;
  let step = `load the ${serverKind} server`;
  try {
    serve = await platform.servers[serverKind]!();
    step = "read the configuration";
    config = await readConfig(options, platform);
    step = `open the PID file ${options.pidPath}`;
    pidFile = await platform.acquirePidFile(options.pidPath);
  } catch (error) {
    return fail(`Cannot ${step}: ${(error as Error).message}`);
  }
  if (!pidFile) {
    platform.stderr(`Process already running (PID file: ${options.pidPath}).\n`);
    return 1;
  }
  const thunder = await createThunderpush(options, config.apps, platform, log);
  let servers: RunningServer[];
  try {
    servers = await listen(serve, thunder, options, config.tls, log);
  } catch (error) {
    await thunder.close();
    await pidFile.release();
    return fail(
      `Cannot listen on ${options.host || "*"}:${options.port}: ${(error as Error).message}`,
    );
  }
  const stopped = platform.nextSignal();
  announce(log, servers, config.apps.length, options.redis, serverKind);
  await shutdown(await stopped, thunder, servers, options, platform, log);
  await pidFile.release();
  return 0;
}

/** What the files named on the command line say. */
type Config = { apps: AppKeys[]; tls: { cert: string; key: string } | undefined };

/** The applications (the key pair, `--apps`, each given `--webhook-url`) and the TLS files. */
async function readConfig(options: CliOptions, platform: CliPlatform): Promise<Config> {
  const apps: AppKeys[] = [];
  if (options.clientKey !== null && options.apiKey !== null) {
    apps.push({ publicKey: options.clientKey, secret: options.apiKey });
  }
  if (options.appsFile) {
    for (const app of parseAppsFile(await platform.readTextFile(options.appsFile))) {
      if (apps.some((a) => a.publicKey === app.publicKey)) {
        throw new Error(`duplicate publicKey ${JSON.stringify(app.publicKey)}`);
      }
      apps.push(app);
    }
  }
  const tls = options.cert && options.key
    ? {
      cert: await platform.readTextFile(options.cert),
      key: await platform.readTextFile(options.key),
    }
    : undefined;
  const webhookUrl = options.webhookUrl;
  return { apps: webhookUrl ? apps.map((app) => ({ webhookUrl, ...app })) : apps, tls };
}

/** The server, with the Redis broker and webhook ledger when `--redis` asks for a cluster. */
async function createThunderpush(
  options: CliOptions,
  apps: AppKeys[],
  platform: CliPlatform,
  log: Logger,
): Promise<Thunderpush> {
  const redis = options.redis;
  const hooked = apps.some((app) => app.webhookUrl);
  // Loaded only for a cluster: the Redis client is most of the code a single node never runs.
  const { RedisBroker } = redis ? await import("../broker/redis.ts") : { RedisBroker: undefined };
  const { RedisLedger } = redis && hooked
    ? await import("../webhooks/redis_ledger.ts")
    : { RedisLedger: undefined };
  const connection = redis
    ? { url: redis, presenceTtl: options.presenceTtl, timeout: options.redisTimeout, logger: log }
    : undefined;
  return new Thunderpush({
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
      ...(connection && RedisLedger
        ? { ledger: (context) => new RedisLedger(context, connection) }
        : {}),
    },
    ...(connection && RedisBroker
      ? { broker: (hub, history) => new RedisBroker(hub, { ...connection, history }) }
      : {}),
  });
}

/** Serves the main port, and `--metrics-port` if given; closes what opened if one fails. */
async function listen(
  serve: Serve,
  thunder: Thunderpush,
  options: CliOptions,
  tls: { cert: string; key: string } | undefined,
  log: Logger,
): Promise<RunningServer[]> {
  const onError = (error: unknown) =>
    log.error(`Unhandled error: ${(error as Error)?.stack ?? error}`, { event: "error" });
  const common = { hostname: options.host, onError, headerTimeout: options.headerTimeout };
  const wanted: [ServeHandler, ServeOptions][] = [[thunder.handle, {
    ...common,
    port: options.port,
    // Half-open WebSockets are found within twice the heartbeat delay.
    idleTimeout: options.heartbeatDelay,
    maxMessageSize: options.maxMessageSize,
    ...(tls ? { tls } : {}),
  }]];
  if (options.metricsPort !== null) {
    wanted.push([thunder.handleOps, { ...common, port: options.metricsPort }]);
  }
  const servers: RunningServer[] = [];
  try {
    for (const [handler, serveOptions] of wanted) servers.push(await serve(handler, serveOptions));
  } catch (error) {
    await Promise.all(servers.map((s) => s.close()));
    throw error;
  }
  return servers;
}

/** Logs where the server (and the metrics server) listen. */
function announce(
  log: Logger,
  [server, metricsServer]: RunningServer[],
  apps: number,
  redis: string | null,
  serverKind: ServerKind,
): void {
  log.info(`Starting Thunderpush server at ${server!.address}`, {
    event: "start",
    address: server!.address,
    url: server!.url,
    apps,
    broker: redis ? "redis" : "memory",
    server: serverKind,
  });
  if (metricsServer) {
    log.info(`Serving metrics at ${metricsServer.address}`, {
      event: "metrics",
      address: metricsServer.address,
    });
  }
}

/**
 * Stops gracefully after `signal`: /readyz answers 503 and every session gets c[1001] (clients
 * reconnect elsewhere); the servers answer until the sessions are gone, then stop accepting and
 * let requests in flight finish, all within `--shutdown-grace`. A second signal cuts it short.
 */
async function shutdown(
  signal: string,
  thunder: Thunderpush,
  servers: RunningServer[],
  options: CliOptions,
  platform: CliPlatform,
  log: Logger,
): Promise<void> {
  log.info(`Shutting down (${signal})...`, { event: "stop", signal });
  thunder.drain();
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
}
