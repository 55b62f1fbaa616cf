/**
 * The command line: `thunderpush [options] clientkey apikey`, parsed with `node:util`'s
 * `parseArgs` (available on Deno and Node alike).
 *
 * @module
 */

import { parseArgs } from "node:util";
import type { LogLevel } from "../log.ts";

/** The usage line. */
export const USAGE =
  "usage: thunderpush [-h] [-p PORT] [-H HOST] [-v] [-d] [--pid-path PATH] [-V]\n" +
  "                   [--max-message-size BYTES] [--heartbeat-delay MS]\n" +
  "                   [--disconnect-delay MS] clientkey apikey";

/** The text printed by `-h`. */
export const HELP = `${USAGE}

Thunderpush: push messages to browsers over SockJS, driven by a small HTTP API.

positional arguments:
  clientkey             client key: the public key browsers send in CONNECT
  apikey                server API key: the secret the HTTP API expects in
                        the X-Thunder-Secret-Key header

options:
  -h, --help            show this help message and exit
  -p, --port PORT       binds server to custom port (default 8080; 0 picks a free one)
  -H, --host HOST       binds server to custom address (default: all interfaces)
  -v, --verbose         verbose mode: one access line per API request, client commands
  -d, --debug           debug mode: also log every SockJS frame in and out
  --pid-path PATH       PID file, locked while the server runs
                        (default /tmp/thunderpush.pid)
  --max-message-size BYTES
                        largest API request body and client frame (default 65536);
                        larger API bodies get 413, larger frames close the session
  --heartbeat-delay MS  milliseconds between SockJS heartbeat frames (default 25000)
  --disconnect-delay MS milliseconds a SockJS session without a receiving request lives
                        on before it is closed (default 5000)
  -V, --version         print the version and exit
`;

/** What the command line asked for. */
export interface CliOptions {
  /** The public key. */
  readonly clientKey: string;
  /** The secret. */
  readonly apiKey: string;
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
}

/** The outcome of parsing: run with options, print help or version, or a usage error. */
export type CliCommand =
  | { readonly kind: "run"; readonly options: CliOptions }
  | { readonly kind: "help" }
  | { readonly kind: "version" }
  | { readonly kind: "error"; readonly message: string };

function integer(name: string, raw: string, min: number, max: number): number | string {
  const text = raw.trim();
  const value = /^[0-9]+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    return `argument ${name}: invalid value: '${raw}' (expected an integer from ${min} to ${max})`;
  }
  return value;
}

/**
 * Parses the command line (without the program name).
 *
 * @example
 * ```ts
 * import { parseCli } from "./args.ts";
 * parseCli(["-p", "8000", "public", "secret"]); // { kind: "run", options: { port: 8000, ... } }
 * ```
 */
export function parseCli(argv: readonly string[]): CliCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: "boolean", short: "h" },
        port: { type: "string", short: "p" },
        host: { type: "string", short: "H" },
        verbose: { type: "boolean", short: "v" },
        debug: { type: "boolean", short: "d" },
        "pid-path": { type: "string" },
        "max-message-size": { type: "string" },
        "heartbeat-delay": { type: "string" },
        "disconnect-delay": { type: "string" },
        version: { type: "boolean", short: "V" },
      },
    });
  } catch (error) {
    return { kind: "error", message: (error as Error).message };
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: "help" };
  if (values.version) return { kind: "version" };
  const port = integer("-p/--port", values.port ?? "8080", 0, 65535);
  if (typeof port === "string") return { kind: "error", message: port };
  const maxMessageSize = integer(
    "--max-message-size",
    values["max-message-size"] ?? "65536",
    1,
    1024 * 1024 * 1024,
  );
  if (typeof maxMessageSize === "string") return { kind: "error", message: maxMessageSize };
  const day = 24 * 60 * 60 * 1000;
  const heartbeatDelay = integer("--heartbeat-delay", values["heartbeat-delay"] ?? "25000", 1, day);
  if (typeof heartbeatDelay === "string") return { kind: "error", message: heartbeatDelay };
  const disconnectDelay = integer(
    "--disconnect-delay",
    values["disconnect-delay"] ?? "5000",
    1,
    day,
  );
  if (typeof disconnectDelay === "string") return { kind: "error", message: disconnectDelay };
  if (positionals.length < 2) {
    const missing = ["clientkey", "apikey"].slice(positionals.length).join(", ");
    return { kind: "error", message: `the following arguments are required: ${missing}` };
  }
  if (positionals.length > 2) {
    return { kind: "error", message: `unrecognized arguments: ${positionals.slice(2).join(" ")}` };
  }
  return {
    kind: "run",
    options: {
      clientKey: positionals[0],
      apiKey: positionals[1],
      port,
      host: (values.host ?? "").trim(),
      logLevel: values.debug ? "debug" : values.verbose ? "verbose" : "info",
      pidPath: values["pid-path"] ?? "/tmp/thunderpush.pid",
      maxMessageSize,
      heartbeatDelay,
      disconnectDelay,
    },
  };
}
