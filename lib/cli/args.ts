/**
 * The command line: `thunderpush [options] clientkey apikey`, parsed with `node:util`'s
 * `parseArgs` (available on Deno and Node alike). Every flag can also come from an environment
 * variable (`THUNDERPUSH_PORT`, ...); a flag on the command line wins. The keys can come from
 * `THUNDERPUSH_PUBLIC_KEY` and `THUNDERPUSH_SECRET`, so that they stay out of process listings.
 *
 * @module
 */

import { parseArgs } from "node:util";
import type { LogLevel } from "../log.ts";
import { keyPairProblem, webhookUrlProblem } from "./apps.ts";
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

/** The outcome of parsing: run with options, print help or version, or a usage error. */
export type CliCommand =
  | { readonly kind: "run"; readonly options: CliOptions }
  | { readonly kind: "help" }
  | { readonly kind: "version" }
  | { readonly kind: "error"; readonly message: string };

type NumericKey = {
  [K in keyof CliOptions]: CliOptions[K] extends number ? K : never;
}[keyof CliOptions];

/** A numeric flag: its name, environment variable, range, default and help. */
interface NumberFlag {
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

const NUMBER_FLAGS: readonly NumberFlag[] = [
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
    // 50,000 connections x 50 channels, each a channel of its own (the worst case), hold about
    // 0.75 GB in memory and 4 GB with --redis (RELIABILITY.md); 1,000 allowed 15-80 GB.
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
    // Longer than an e-mail address (254) or any id an application makes; 50,000 such ids are
    // 13 MB, and a channel's user list stays that small.
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
interface StringFlag {
  readonly flag: string;
  readonly key: "redis" | "appsFile" | "cert" | "key" | "webhookUrl";
  readonly metavar: string;
  readonly env?: string;
  readonly help: string;
}

const STRING_FLAGS: readonly StringFlag[] = [
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

function helpLine(left: string, help: string): string {
  const words = help.split(" ");
  const lines: string[] = [];
  let line = "";
  for (const word of words) {
    if (line && line.length + word.length + 1 > 56) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  const pad = " ".repeat(24);
  const first = left.length < 22
    ? `  ${left.padEnd(22)}${lines[0]}`
    : `  ${left}\n${pad}${lines[0]}`;
  return [first, ...lines.slice(1).map((l) => pad + l)].join("\n");
}

/** The usage line. */
export const USAGE =
  "usage: thunderpush [-h] [-V] [-p PORT] [-H HOST] [-v] [-d] [--pid-path PATH]\n" +
  "                   [--redis URL] [--apps FILE] [--cert FILE --key FILE] [options]\n" +
  "                   clientkey apikey";

/** The text printed by `-h`. */
export const HELP = [
  USAGE,
  "",
  "Thunderpush: push messages to browsers over SockJS, driven by a small HTTP API.",
  "",
  "thunderpush token USER --secret S [--channels a,b] [--ttl 1h] prints a user token for",
  "--require-token instead (thunderpush token -h).",
  "",
  "positional arguments:",
  helpLine(
    "clientkey",
    "client key: the public key browsers send in CONNECT (or " +
      "THUNDERPUSH_PUBLIC_KEY)",
  ),
  helpLine(
    "apikey",
    "server API key: the secret the HTTP API expects in the " +
      "X-Thunder-Secret-Key header (or THUNDERPUSH_SECRET)",
  ),
  "",
  "options (each also from the environment variable named after it, e.g. THUNDERPUSH_PORT;",
  "a flag on the command line wins):",
  helpLine("-h, --help", "show this help message and exit"),
  helpLine("-V, --version", "print the version and exit"),
  helpLine("-H, --host HOST", "binds server to custom address (default: all interfaces)"),
  helpLine("-v, --verbose", "verbose mode: one access line per API request, client commands"),
  helpLine("-d, --debug", "debug mode: also log every SockJS frame in and out"),
  helpLine(
    "--pid-path PATH",
    "PID file, locked while the server runs (default /tmp/thunderpush.pid)",
  ),
  helpLine(
    "--log-format FORMAT",
    "text (default) or json: one JSON object per line with time, level, event and fields",
  ),
  helpLine(
    "--server SERVER",
    "deno: Deno.serve (the default on Deno); node: node:http and ws (the only one on Node), " +
      "which enforce --header-timeout, refuse frames over --max-message-size at their header " +
      "and hold less memory per WebSocket, at some CPU cost",
  ),
  helpLine(
    "--require-token",
    "every CONNECT must carry a user token, a JWT signed HS256 with the app's secret " +
      "(CONNECT user:publickey:TOKEN), and private- channels need a grant in it; see " +
      "'thunderpush token -h' and docs/tokens.md",
  ),
  helpLine(
    "--no-dashboard",
    "do not serve the live dashboard at /dashboard/ (the stats endpoint stays)",
  ),
  helpLine(
    "--metrics-port PORT",
    "serve /metrics, /healthz and /readyz on this port too, and /metrics only there " +
      "(default: all on the main port)",
  ),
  ...STRING_FLAGS.map((f) =>
    helpLine(`--${f.flag} ${f.metavar}`, `${f.help}${f.env ? ` (or ${f.env})` : ""}`)
  ),
  ...NUMBER_FLAGS.map((f) =>
    helpLine(`${f.short ? `-${f.short}, ` : ""}--${f.flag} ${f.metavar}`, f.help)
  ),
  "",
].join("\n");

function integer(name: string, raw: string, min: number, max: number): number | string {
  const text = raw.trim();
  const value = /^[0-9]+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    return `argument ${name}: invalid value: '${raw}' (expected an integer from ${min} to ${max})`;
  }
  return value;
}

const TRUE = new Set(["1", "true", "yes", "on"]);

/**
 * Parses the command line (without the program name), with `env` for the variables.
 *
 * @example
 * ```ts
 * import { parseCli } from "./args.ts";
 * parseCli(["-p", "8000", "public", "secret"]); // { kind: "run", options: { port: 8000, ... } }
 * ```
 */
export function parseCli(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): CliCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: "boolean", short: "h" },
        host: { type: "string", short: "H" },
        verbose: { type: "boolean", short: "v" },
        debug: { type: "boolean", short: "d" },
        "pid-path": { type: "string" },
        version: { type: "boolean", short: "V" },
        "log-format": { type: "string" },
        "metrics-port": { type: "string" },
        server: { type: "string" },
        "require-token": { type: "boolean" },
        "no-dashboard": { type: "boolean" },
        ...Object.fromEntries(STRING_FLAGS.map((f) => [f.flag, { type: "string" as const }])),
        ...Object.fromEntries(
          NUMBER_FLAGS.map((f) => [
            f.flag,
            f.short ? { type: "string" as const, short: f.short } : { type: "string" as const },
          ]),
        ),
      },
    });
  } catch (error) {
    return { kind: "error", message: (error as Error).message };
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: "help" };
  if (values.version) return { kind: "version" };
  const numbers: Partial<Record<NumericKey, number>> = {};
  for (const f of NUMBER_FLAGS) {
    const fromFlag = (values as Record<string, unknown>)[f.flag] as string | undefined;
    const raw = fromFlag ?? env[envName(f.flag)];
    const name = fromFlag !== undefined
      ? `${f.short ? `-${f.short}/` : ""}--${f.flag}`
      : envName(f.flag);
    const value = raw === undefined ? f.fallback : integer(name, raw, f.min, f.max);
    if (typeof value === "string") return { kind: "error", message: value };
    numbers[f.key] = value;
  }
  const text: Partial<Record<StringFlag["key"], string | null>> = {};
  for (const f of STRING_FLAGS) {
    const value = (values as Record<string, unknown>)[f.flag] as string | undefined;
    text[f.key] = value ?? env[envName(f.flag)] ?? null;
  }
  const hookProblem = text.webhookUrl ? webhookUrlProblem(text.webhookUrl) : undefined;
  if (hookProblem) return { kind: "error", message: `argument --webhook-url: ${hookProblem}` };
  if ((text.cert === null) !== (text.key === null)) {
    return { kind: "error", message: "--cert and --key go together" };
  }
  const logFormat = values["log-format"] ?? env[envName("log-format")] ?? "text";
  if (logFormat !== "text" && logFormat !== "json") {
    return {
      kind: "error",
      message: `argument --log-format: invalid choice: '${logFormat}' (choose from 'text', 'json')`,
    };
  }
  const server = values.server ?? env[envName("server")] ?? null;
  if (server !== null && !SERVER_KINDS.includes(server as ServerKind)) {
    return {
      kind: "error",
      message: `argument --server: invalid choice: '${server}' (choose from 'deno', 'node')`,
    };
  }
  const rawMetricsPort = values["metrics-port"] ?? env[envName("metrics-port")];
  const metricsPort = rawMetricsPort === undefined
    ? null
    : integer("--metrics-port", rawMetricsPort, 0, 65535);
  if (typeof metricsPort === "string") return { kind: "error", message: metricsPort };
  const keys = positionals.length > 0
    ? positionals
    : [env.THUNDERPUSH_PUBLIC_KEY, env.THUNDERPUSH_SECRET].filter((k) => k !== undefined);
  if (keys.length < 2 && !(keys.length === 0 && text.appsFile)) {
    const missing = ["clientkey", "apikey"].slice(keys.length).join(", ");
    return { kind: "error", message: `the following arguments are required: ${missing}` };
  }
  if (keys.length > 2) {
    return { kind: "error", message: `unrecognized arguments: ${keys.slice(2).join(" ")}` };
  }
  const problem = keys.length === 2 ? keyPairProblem(keys[0]!, keys[1]!) : undefined;
  if (problem) return { kind: "error", message: `argument clientkey/apikey: ${problem}` };
  const flagOrEnv = (flag: string, value: boolean | undefined) =>
    value || TRUE.has((env[envName(flag)] ?? "").toLowerCase());
  return {
    kind: "run",
    options: {
      clientKey: keys[0] ?? null,
      apiKey: keys[1] ?? null,
      host: (values.host ?? env[envName("host")] ?? "").trim(),
      logLevel: flagOrEnv("debug", values.debug)
        ? "debug"
        : flagOrEnv("verbose", values.verbose)
        ? "verbose"
        : "info",
      pidPath: values["pid-path"] ?? env[envName("pid-path")] ?? "/tmp/thunderpush.pid",
      ...(numbers as Record<NumericKey, number>),
      metricsPort,
      redis: text.redis ?? null,
      appsFile: text.appsFile ?? null,
      cert: text.cert ?? null,
      key: text.key ?? null,
      logFormat,
      server: server as ServerKind | null,
      requireToken: flagOrEnv("require-token", values["require-token"]),
      dashboard: !flagOrEnv("no-dashboard", values["no-dashboard"]),
      webhookUrl: text.webhookUrl || null,
    },
  };
}
