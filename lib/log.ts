/**
 * Logging: one line per event, written to a sink (stderr in the CLI), as text or as JSON.
 *
 * Levels, from quiet to loud: `info` (startup, shutdown, warnings and errors), `verbose` (`-v`:
 * one access line per API request, client commands), `debug` (`-d`: every frame in and out).
 *
 * Text lines read `2026-11-23T18:00:36.039Z INFO Starting Thunderpush server at [::]:8080`; JSON
 * lines are one object each: `{"time": ..., "level": "info", "event": "start", "message": ...,
 * "address": ...}`, with the event's fields.
 *
 * @module
 */

/** How much is logged. */
export type LogLevel = "info" | "verbose" | "debug";

/** How lines are written. */
export type LogFormat = "text" | "json";

/** Structured fields of a log line; `event` names what happened. */
export type LogFields = { readonly event?: string } & Readonly<Record<string, unknown>>;

const RANK: Record<LogLevel, number> = { info: 0, verbose: 1, debug: 2 };

/** Writes log lines. */
export class Logger {
  readonly #rank: number;
  readonly #sink: (line: string) => void;
  readonly #format: LogFormat;

  /** Creates a logger writing lines at `level` and below to `sink`. */
  constructor(
    level: LogLevel = "info",
    sink: (line: string) => void = () => {},
    format: LogFormat = "text",
  ) {
    this.#rank = RANK[level];
    this.#sink = sink;
    this.#format = format;
  }

  /** A logger that drops everything. */
  static silent(): Logger {
    return new Logger("info", () => {});
  }

  /** Whether `verbose` lines are written. */
  get verboseEnabled(): boolean {
    return this.#rank >= 1;
  }

  /** Whether `debug` lines are written. */
  get debugEnabled(): boolean {
    return this.#rank >= 2;
  }

  /** Logs an error. */
  error(message: string, fields?: LogFields): void {
    this.#write("ERROR", message, fields);
  }

  /** Logs a warning. */
  warn(message: string, fields?: LogFields): void {
    this.#write("WARNING", message, fields);
  }

  /** Logs a normal event. */
  info(message: string, fields?: LogFields): void {
    this.#write("INFO", message, fields);
  }

  /** Logs a detail written at `-v`. */
  verbose(message: string, fields?: LogFields): void {
    if (this.#rank >= 1) this.#write("VERBOSE", message, fields);
  }

  /** Logs a detail written at `-d`. */
  debug(message: string, fields?: LogFields): void {
    if (this.#rank >= 2) this.#write("DEBUG", message, fields);
  }

  #write(level: string, message: string, fields?: LogFields): void {
    const time = new Date().toISOString();
    if (this.#format === "text") {
      this.#sink(`${time} ${level} ${message}`);
      return;
    }
    const { event = "log", ...rest } = fields ?? {};
    this.#sink(JSON.stringify({ time, level: level.toLowerCase(), event, message, ...rest }));
  }
}
