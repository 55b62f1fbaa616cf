/**
 * The options of the command line as data: their types, and the flag table from which the parser
 * and the help text are both made.
 *
 * @module
 */

import type { LogLevel } from "../log.ts";
import { MAX_HISTORY_SIZE, MAX_HISTORY_TTL } from "../history/policies.ts";

/** What the command line asked for. */
export interface CliOptions {
  /** The public key (null when only `--apps` names applications). */
  readonly clientKey: string | null;
  /** The secret (null when only `--apps` names applications). */
  readonly apiKey: string | null;
  /** TCP port. */
  readonly port: number;
  /** Bind address; empty = all interfaces. */
  readonly host: string;
  /** Log level from `-v` and `-d`. */
  readonly logLevel: LogLevel;
  /** PID file path. */
  readonly pidPath: string;
  /** Largest body and frame in bytes. */
  readonly maxMessageSize: number;
  /** Milliseconds between SockJS heartbeats. */
  readonly heartbeatDelay: number;
  /** Milliseconds a SockJS session without a receiver lives on. */
  readonly disconnectDelay: number;
  /** Milliseconds a connection may stay silent before a request's headers are complete. */
  readonly headerTimeout: number;
  /** Most open client sessions. */
  readonly maxConnections: number;
  /** Most channels per connection. */
  readonly maxChannelsPerConnection: number;
  /** Longest user id CONNECT accepts, in UTF-16 code units. */
  readonly maxIdLength: number;
  /** Most client commands per second per connection. */
  readonly maxCommandsPerSecond: number;
  /** Most bytes waiting to be sent to one client. */
  readonly maxBufferedBytes: number;
  /** Most messages waiting for one polling client. */
  readonly maxQueuedMessages: number;
  /** Most verbose and debug log lines per second (0: no limit). */
  readonly maxLogLinesPerSecond: number;
  /** Milliseconds a graceful stop waits for sessions and requests in flight. */
  readonly shutdownGrace: number;
  /** Milliseconds a dead node stays in cluster presence (with `redis`). */
  readonly presenceTtl: number;
  /** Milliseconds Redis may take to answer before API calls get 503 (with `redis`). */
  readonly redisTimeout: number;
  /** Pushes kept per channel for RECOVER and the history endpoint (0: off). */
  readonly historySize: number;
  /** Seconds a channel's history is kept after its last push. */
  readonly historyTtl: number;
  /** A separate port for `/metrics` (and health), or null to serve them on the main port. */
  readonly metricsPort: number | null;
  /** Redis URL: run as one node of a cluster. */
  readonly redis: string | null;
  /** A JSON file with more key pairs. */
  readonly appsFile: string | null;
  /** TLS certificate chain file (PEM). */
  readonly cert: string | null;
  /** TLS private key file (PEM). */
  readonly key: string | null;
  /** `text` or `json` log lines. */
  readonly logFormat: "text" | "json";
  /** Which HTTP server serves: `--server`, or null for the runtime's own. */
  readonly server: ServerKind | null;
  /** Whether CONNECT needs a user token (`--require-token`). */
  readonly requireToken: boolean;
  /** Whether `/dashboard/` is served (`--no-dashboard` turns it off). */
  readonly dashboard: boolean;
  /** Where presence webhooks go (every app without its own `webhookUrl`), or null. */
  readonly webhookUrl: string | null;
  /** Milliseconds `user_offline` and `channel_vacated` wait, dropped if undone. */
  readonly webhookGrace: number;
}

/**
 * An HTTP server the CLI can serve with: `deno` is `Deno.serve` and `Deno.upgradeWebSocket`,
 * `node` is `node:http` and `ws` (on Node, or inside Deno).
 */
export type ServerKind = "deno" | "node";

/** The `--server` choices. */
export const SERVER_KINDS: readonly ServerKind[] = ["deno", "node"];

/** The options that hold a number. */
export type NumericKey = {
  [K in keyof CliOptions]: CliOptions[K] extends number ? K : never;
}[keyof CliOptions];

/** A numeric flag: its name, environment variable, range, default and help. */
export interface NumberFlag {
  readonly flag: string;
  readonly short?: string;
  readonly key: NumericKey;
  readonly metavar: string;
  readonly min: number;
  readonly max: number;
  readonly fallback: number;
  readonly help: string;
}

const DAY = 24 * 60 * 60 * 1000;
const GIB = 1024 * 1024 * 1024;

/** The numeric flags, in the order the help lists them. */
export const NUMBER_FLAGS: readonly NumberFlag[] = [
  {
    flag: "port",
    short: "p",
    key: "port",
    metavar: "PORT",
    min: 0,
    max: 65535,
    fallback: 8080,
    help: "binds server to custom port (default 8080; 0 picks a free one)",
  },
  {
    flag: "max-message-size",
    key: "maxMessageSize",
    metavar: "BYTES",
    min: 1,
    max: GIB,
    fallback: 65536,
    help: "largest API request body and client frame (default 65536); larger API bodies " +
      "get 413, larger frames close the session with 1009",
  },
  {
    flag: "heartbeat-delay",
    key: "heartbeatDelay",
    metavar: "MS",
    min: 1,
    max: DAY,
    fallback: 25000,
    help: "milliseconds of silence before a SockJS heartbeat frame (default 25000); a " +
      "WebSocket silent that long is pinged, and dropped without an answer in as long",
  },
  {
    flag: "disconnect-delay",
    key: "disconnectDelay",
    metavar: "MS",
    min: 1,
    max: DAY,
    fallback: 5000,
    help: "milliseconds a SockJS session without a receiving request lives on before it is " +
      "closed (default 5000)",
  },
  {
    flag: "header-timeout",
    key: "headerTimeout",
    metavar: "MS",
    min: 1,
    max: DAY,
    fallback: 10000,
    help: "milliseconds a connection may take to send a request's headers, and stay idle " +
      "between requests, before it is closed (default 10000; on Deno needs --server node: " +
      "Deno.serve has no such timeout)",
  },
  {
    flag: "max-connections",
    key: "maxConnections",
    metavar: "N",
    min: 1,
    max: 10_000_000,
    fallback: 50000,
    help: "most open client sessions; more are closed with 1013 (default 50000)",
  },
  {
    flag: "max-channels-per-connection",
    key: "maxChannelsPerConnection",
    metavar: "N",
    min: 1,
    max: 1_000_000,
    // Bounds memory with --max-connections; the figures are in RELIABILITY.md.
    fallback: 50,
    help: "most channels one connection may subscribe to; further ones are ignored " +
      "(default 50)",
  },
  {
    flag: "max-id-length",
    key: "maxIdLength",
    metavar: "N",
    min: 1,
    max: 1_000_000,
    // Longer than an e-mail address (254), short enough to keep a channel's user list small.
    fallback: 256,
    help: "longest user id CONNECT accepts, in UTF-16 code units; longer ones, and ids the API " +
      "cannot name (empty, . or .., a lone surrogate), close the session with 9003 (default 256)",
  },
  {
    flag: "max-commands-per-second",
    key: "maxCommandsPerSecond",
    metavar: "N",
    min: 1,
    max: 1_000_000,
    fallback: 100,
    help: "most client commands per second per connection, bursts of twice that; more close " +
      "it with 1008 (default 100)",
  },
  {
    flag: "max-buffered-bytes",
    key: "maxBufferedBytes",
    metavar: "BYTES",
    min: 1024,
    max: GIB,
    fallback: 1048576,
    help: "most bytes waiting to be sent to one slow client before it is closed with 1008 " +
      "(default 1048576)",
  },
  {
    flag: "shutdown-grace",
    key: "shutdownGrace",
    metavar: "MS",
    min: 0,
    max: DAY,
    fallback: 5000,
    help: "on SIGTERM or SIGINT, milliseconds to wait for sessions and API requests in flight " +
      "after the sessions were told to reconnect (default 5000)",
  },
  {
    flag: "presence-ttl",
    key: "presenceTtl",
    metavar: "MS",
    min: 1000,
    max: DAY,
    fallback: 15000,
    help: "with --redis: milliseconds after which a node that stopped (even killed) drops out " +
      "of presence (default 15000)",
  },
  {
    flag: "redis-timeout",
    key: "redisTimeout",
    metavar: "MS",
    min: 50,
    max: 600_000,
    fallback: 3000,
    help: "with --redis: milliseconds Redis may take to answer; past it an API call gets 503 " +
      "and /readyz says not ready until Redis answers again (default 3000)",
  },
  {
    flag: "history-size",
    key: "historySize",
    metavar: "N",
    min: 0,
    max: MAX_HISTORY_SIZE,
    fallback: 0,
    help: "pushes kept per channel, so that clients recover what they missed (RECOVER) and " +
      "the API can read them; pushes then carry offset and epoch (default 0: off)",
  },
  {
    flag: "history-ttl",
    key: "historyTtl",
    metavar: "SECONDS",
    min: 1,
    max: MAX_HISTORY_TTL,
    fallback: 300,
    help: "with --history-size: seconds a channel's history is kept after its last push " +
      "(default 300)",
  },
  {
    flag: "max-queued-messages",
    key: "maxQueuedMessages",
    metavar: "N",
    min: 1,
    max: 10_000_000,
    fallback: 1000,
    help: "most messages waiting for one polling client's next request before it is closed " +
      "with 1008 (default 1000)",
  },
  {
    flag: "max-log-lines-per-second",
    key: "maxLogLinesPerSecond",
    metavar: "N",
    min: 0,
    max: 10_000_000,
    fallback: 1000,
    help: "most verbose and debug log lines a second (default 1000; 0: no limit); the rest are " +
      "dropped and counted in a warning",
  },
  {
    flag: "webhook-grace",
    key: "webhookGrace",
    metavar: "MS",
    min: 0,
    max: DAY,
    fallback: 3000,
    help: "with --webhook-url: milliseconds user_offline and channel_vacated wait; a user or " +
      "channel back within them sends neither (default 3000)",
  },
];

/** A flag with a text value. */
export interface StringFlag {
  readonly flag: string;
  readonly key: "redis" | "appsFile" | "cert" | "key" | "webhookUrl";
  readonly metavar: string;
  readonly env?: string;
  readonly help: string;
}

/** The flags with a text value. */
export const STRING_FLAGS: readonly StringFlag[] = [
  {
    flag: "redis",
    key: "redis",
    metavar: "URL",
    env: "THUNDERPUSH_REDIS_URL",
    help: "run as one node of a cluster sharing channels, users and presence through Redis, " +
      "e.g. redis://127.0.0.1:6379 (default: a single process, in memory)",
  },
  {
    flag: "apps",
    key: "appsFile",
    metavar: "FILE",
    help: 'a JSON file with more key pairs: [{"publicKey": "...", "secret": "..."}, ...]; ' +
      "with it the positional keys are optional",
  },
  {
    flag: "cert",
    key: "cert",
    metavar: "FILE",
    help: "serve https and wss with this certificate chain (PEM); needs --key",
  },
  { flag: "key", key: "key", metavar: "FILE", help: "the private key (PEM) for --cert" },
  {
    flag: "webhook-url",
    key: "webhookUrl",
    metavar: "URL",
    help: "POST presence events (user_online, user_offline, channel_occupied, " +
      "channel_vacated) to this http(s) URL, signed; an app's webhookUrl in --apps wins " +
      "(see docs/webhooks.md)",
  },
];

/** The environment variable of a flag: `THUNDERPUSH_` and the flag in capitals. */
export function envName(flag: string): string {
  return STRING_FLAGS.find((f) => f.flag === flag)?.env ??
    "THUNDERPUSH_" + flag.toUpperCase().replaceAll("-", "_");
}
