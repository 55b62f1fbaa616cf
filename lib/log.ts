/**
 * Logging: one line per event, written to a sink (stderr in the CLI).
 *
 * Levels, from quiet to loud: `info` (startup, shutdown, warnings and errors), `verbose` (`-v`:
 * one access line per API request, client commands), `debug` (`-d`: every frame in and out).
 *
 * @module
 */

/** How much is logged. */
export type LogLevel = "info" | "verbose" | "debug";

const RANK: Record<LogLevel, number> = { info: 0, verbose: 1, debug: 2 };

/** Writes log lines. */
export class Logger {
  readonly #rank: number;
  readonly #sink: (line: string) => void;

  /** Creates a logger writing lines at `level` and below to `sink`. */
  constructor(level: LogLevel = "info", sink: (line: string) => void = () => {}) {
    this.#rank = RANK[level];
    this.#sink = sink;
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
  error(message: string): void {
    this.#write("ERROR", message);
  }

  /** Logs a warning. */
  warn(message: string): void {
    this.#write("WARNING", message);
  }

  /** Logs a normal event. */
  info(message: string): void {
    this.#write("INFO", message);
  }

  /** Logs a detail written at `-v`. */
  verbose(message: string): void {
    if (this.#rank >= 1) this.#write("VERBOSE", message);
  }

  /** Logs a detail written at `-d`. */
  debug(message: string): void {
    if (this.#rank >= 2) this.#write("DEBUG", message);
  }

  #write(level: string, message: string): void {
    this.#sink(`${new Date().toISOString()} ${level} ${message}`);
  }
}
