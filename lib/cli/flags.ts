/**
 * The options of the command line as data: the flag tables from which the parser (`args.ts`), the
 * help text (`help.ts`) and the type of the parsed options are all made.
 *
 * @module
 */

import type { LogLevel } from "../log.ts";
import { MAX_HISTORY_SIZE, MAX_HISTORY_TTL } from "../history/policies.ts";

/**
 * An HTTP server the CLI can serve with: `deno` is `Deno.serve` and `Deno.upgradeWebSocket`,
 * `node` is `node:http` and `ws` (on Node, or inside Deno).
 */
export type ServerKind = "deno" | "node";

/** The `--server` choices. */
export const SERVER_KINDS: readonly ServerKind[] = ["deno", "node"];

/** A flag: its short form, the name of its value in the help (none for a switch), its help. */
export interface Flag {
  /** The one-letter form, e.g. `p` for `-p`. */
  readonly short?: string;
  /** The value's name in the help; a flag without one is a switch. */
  readonly metavar?: string;
  /** The help text. */
  readonly help: string;
}

/** A numeric flag: a `Flag` with a value in `range`, `fallback` when not given. */
export interface NumberFlag extends Flag {
  /** The smallest and largest value accepted. */
  readonly range: readonly [number, number];
  /** The value when neither the flag nor its variable is set (the help says it). */
  readonly fallback: number;
}

/** A text flag: a `Flag` for the `CliOptions` field `key`, null when not given. */
export interface StringFlag extends Flag {
  /** The field of `CliOptions` it sets. */
  readonly key: "redis" | "appsFile" | "cert" | "key" | "webhookUrl";
  /** Its environment variable, when not the usual one (see `envName` in `args.ts`). */
  readonly env?: string;
}

/** The flags `args.ts` reads one by one, by name, in the order the help lists them. */
export const OTHER_FLAGS: Readonly<Record<string, Flag>> = {
  help: { short: "h", help: "show this help message and exit" },
  version: { short: "V", help: "print the version and exit" },
  host: {
    short: "H",
    metavar: "HOST",
    help: "binds server to custom address (default: all interfaces)",
  },
  verbose: { short: "v", help: "verbose mode: one access line per API request, client commands" },
  debug: { short: "d", help: "debug mode: also log every SockJS frame in and out" },
  "pid-path": {
    metavar: "PATH",
    help: "PID file, locked while the server runs (default /tmp/thunderpush.pid)",
  },
  "log-format": {
    metavar: "FORMAT",
    help: "text (default) or json: one JSON object per line with time, level, event and fields",
  },
  server: {
    metavar: "SERVER",
    help: "deno: Deno.serve (the default on Deno); node: node:http and ws (the only one on " +
      "Node), which enforce --header-timeout, refuse frames over --max-message-size at their " +
      "header and hold less memory per WebSocket, at some CPU cost",
  },
  "require-token": {
    help: "every CONNECT must carry a user token, a JWT signed HS256 with the app's secret " +
      "(CONNECT user:publickey:TOKEN), and private- channels need a grant in it; see " +
      "'thunderpush token -h' and docs/tokens.md",
  },
  "no-dashboard": {
    help: "do not serve the live dashboard at /dashboard/ (the stats endpoint stays)",
  },
  "metrics-port": {
    metavar: "PORT",
    help: "serve /metrics, /healthz and /readyz on this port too, and /metrics only there " +
      "(default: all on the main port)",
  },
};

/** The flags with a text value, in the order the help lists them. */
export const STRING_FLAGS: Readonly<Record<string, StringFlag>> = {
  redis: {
    key: "redis",
    metavar: "URL",
    env: "THUNDERPUSH_REDIS_URL",
    help: "run as one node of a cluster sharing channels, users and presence through Redis, " +
      "e.g. redis://127.0.0.1:6379 (default: a single process, in memory)",
  },
  apps: {
    key: "appsFile",
    metavar: "FILE",
    help: 'a JSON file with more key pairs: [{"publicKey": "...", "secret": "..."}, ...]; ' +
      "with it the positional keys are optional",
  },
  cert: {
    key: "cert",
    metavar: "FILE",
    help: "serve https and wss with this certificate chain (PEM); needs --key",
  },
  key: { key: "key", metavar: "FILE", help: "the private key (PEM) for --cert" },
  "webhook-url": {
    key: "webhookUrl",
    metavar: "URL",
    help: "POST presence events (user_online, user_offline, channel_occupied, " +
      "channel_vacated) to this http(s) URL, signed; an app's webhookUrl in --apps wins " +
      "(see docs/webhooks.md)",
  },
};

const DAY = 24 * 60 * 60 * 1000;
const GIB = 1024 * 1024 * 1024;

/**
 * The numeric flags, by the `CliOptions` field each sets (the flag is its name in kebab case), in
 * the order the help lists them.
 */
export const NUMBER_FLAGS = {
  port: {
    short: "p",
    metavar: "PORT",
    range: [0, 65535],
    fallback: 8080,
    help: "binds server to custom port; 0 picks a free one",
  },
  maxMessageSize: {
    metavar: "BYTES",
    range: [1, GIB],
    fallback: 65536,
    help: "largest API request body and client frame; larger API bodies get 413, larger frames " +
      "close the session with 1009",
  },
  heartbeatDelay: {
    metavar: "MS",
    range: [1, DAY],
    fallback: 25000,
    help: "milliseconds of silence before a SockJS heartbeat frame; a WebSocket silent that " +
      "long is pinged, and dropped without an answer in as long",
  },
  disconnectDelay: {
    metavar: "MS",
    range: [1, DAY],
    fallback: 5000,
    help: "milliseconds a SockJS session without a receiving request lives on before it is " +
      "closed",
  },
  headerTimeout: {
    metavar: "MS",
    range: [1, DAY],
    fallback: 10000,
    help: "milliseconds a connection may take to send a request's headers, and stay idle " +
      "between requests, before it is closed; on Deno only with --server node, as Deno.serve " +
      "has no such timeout",
  },
  maxConnections: {
    metavar: "N",
    range: [1, 10_000_000],
    fallback: 50000,
    help: "most open client sessions; more are closed with 1013",
  },
  maxChannelsPerConnection: {
    metavar: "N",
    range: [1, 1_000_000],
    // Bounds memory with --max-connections; the figures are in RELIABILITY.md.
    fallback: 50,
    help: "most channels one connection may subscribe to; further ones are ignored",
  },
  maxIdLength: {
    metavar: "N",
    range: [1, 1_000_000],
    // Longer than an e-mail address (254), short enough to keep a channel's user list small.
    fallback: 256,
    help: "longest user id CONNECT accepts, in UTF-16 code units; longer ones, and ids the API " +
      "cannot name (empty, . or .., a lone surrogate), close the session with 9003",
  },
  maxCommandsPerSecond: {
    metavar: "N",
    range: [1, 1_000_000],
    fallback: 100,
    help: "most client commands per second per connection, bursts of twice that; more close " +
      "it with 1008",
  },
  maxBufferedBytes: {
    metavar: "BYTES",
    range: [1024, GIB],
    fallback: 1048576,
    help: "most bytes waiting to be sent to one slow client before it is closed with 1008",
  },
  shutdownGrace: {
    metavar: "MS",
    range: [0, DAY],
    fallback: 5000,
    help: "on SIGTERM or SIGINT, milliseconds to wait for sessions and API requests in flight " +
      "after the sessions were told to reconnect",
  },
  presenceTtl: {
    metavar: "MS",
    range: [1000, DAY],
    fallback: 15000,
    help: "with --redis: milliseconds after which a node that stopped (even killed) drops out " +
      "of presence",
  },
  redisTimeout: {
    metavar: "MS",
    range: [50, 600_000],
    fallback: 3000,
    help: "with --redis: milliseconds Redis may take to answer; past it an API call gets 503 " +
      "and /readyz says not ready until Redis answers again",
  },
  historySize: {
    metavar: "N",
    range: [0, MAX_HISTORY_SIZE],
    fallback: 0,
    help: "pushes kept per channel (0: off), so that clients recover what they missed " +
      "(RECOVER) and the API can read them; pushes then carry offset and epoch",
  },
  historyTtl: {
    metavar: "SECONDS",
    range: [1, MAX_HISTORY_TTL],
    fallback: 300,
    help: "with --history-size: seconds a channel's history is kept after its last push",
  },
  maxQueuedMessages: {
    metavar: "N",
    range: [1, 10_000_000],
    fallback: 1000,
    help: "most messages waiting for one polling client's next request before it is closed " +
      "with 1008",
  },
  maxLogLinesPerSecond: {
    metavar: "N",
    range: [0, 10_000_000],
    fallback: 1000,
    help: "most verbose and debug log lines a second (0: no limit); the rest are dropped and " +
      "counted in a warning",
  },
  webhookGrace: {
    metavar: "MS",
    range: [0, DAY],
    fallback: 3000,
    help: "with --webhook-url: milliseconds user_offline and channel_vacated wait; a user or " +
      "channel back within them sends neither",
  },
} as const satisfies Readonly<Record<string, NumberFlag>>;

/** The options that hold a number: the fields of `NUMBER_FLAGS`. */
export type NumericKey = keyof typeof NUMBER_FLAGS;

/** `NUMBER_FLAGS` as `[field, flag]` pairs, in order. */
export const NUMBER_FLAG_ENTRIES = Object.entries(NUMBER_FLAGS) as [NumericKey, NumberFlag][];

/** The flag of a numeric option: its name in kebab case (`maxConnections`: `max-connections`). */
export function numberFlag(key: NumericKey): string {
  return key.replace(/[A-Z]/g, (letter) => "-" + letter.toLowerCase());
}

/**
 * What the command line asked for: a field per numeric flag (see `NUMBER_FLAGS` for each), one
 * per text flag (`STRING_FLAGS`, null when not given) and the rest below.
 */
export type CliOptions =
  & { readonly [K in NumericKey]: number }
  & { readonly [K in StringFlag["key"]]: string | null }
  & {
    /** The public key (null when only `--apps` names applications). */
    readonly clientKey: string | null;
    /** The secret (null when only `--apps` names applications). */
    readonly apiKey: string | null;
    /** Bind address; empty = all interfaces. */
    readonly host: string;
    /** Log level from `-v` and `-d`. */
    readonly logLevel: LogLevel;
    /** PID file path. */
    readonly pidPath: string;
    /** A separate port for `/metrics` (and health), or null to serve them on the main port. */
    readonly metricsPort: number | null;
    /** `text` or `json` log lines. */
    readonly logFormat: "text" | "json";
    /** Which HTTP server serves: `--server`, or null for the runtime's own. */
    readonly server: ServerKind | null;
    /** Whether CONNECT needs a user token (`--require-token`). */
    readonly requireToken: boolean;
    /** Whether `/dashboard/` is served (`--no-dashboard` turns it off). */
    readonly dashboard: boolean;
  };
