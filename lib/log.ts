/**
 * Logging: one line per event, written to a sink (stderr in the CLI), as text or as JSON, at
 * `info`, `verbose` (`-v`) or `debug` (`-d`). Lines carry what clients chose, so every line is
 * made safe here (see `escapeLogText`, `MAX_LOG_TEXT`, `LoggerOptions`).
 *
 * @example
 * ```ts
 * const lines: string[] = [];
 * const level: LogLevel = "verbose";
 * const format: LogFormat = "text";
 * const options: LoggerOptions = { maxVerboseLinesPerSecond: 100 };
 * const log = new Logger(level, (line) => lines.push(line), format, options);
 * const fields: LogFields = { event: "subscribe", channel: "news" };
 * log.verbose("a\nINFO forged", fields); // lines[0]: "... VERBOSE a\\nINFO forged"
 * escapeLogText("x".repeat(MAX_LOG_TEXT + 2)); // "xx...x... (2 more characters)"
 * ```
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

/** The most characters of a message or JSON text field; past it, `... (N more characters)`. */
export const MAX_LOG_TEXT = 2_048;

/** Settings of a `Logger` beyond its level, sink and format. */
export interface LoggerOptions {
  /**
   * Most `verbose` and `debug` lines a second (0: no limit; default 1,000); the dropped ones are
   * counted in a warning before the next line.
   */
  readonly maxVerboseLinesPerSecond?: number;
}

// C0 and C1 controls and DEL (line ends, ANSI escapes: ESC and CSI), the Unicode line and
// paragraph separators, bidirectional overrides and isolates (which reorder what a reader sees),
// and lone surrogates (not UTF-8, written as U+FFFD). One character at a time: linear.
const UNSAFE =
  // deno-lint-ignore no-control-regex -- control characters are what is looked for
  /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const SHORT_ESCAPES: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** One unsafe character as a JSON-style escape: `\n`, `\r`, `\t`, else `\uXXXX`. */
function escapeUnit(char: string): string {
  return SHORT_ESCAPES[char] ?? "\\u" + char.charCodeAt(0).toString(16).padStart(4, "0");
}

/**
 * A text made safe for one log line: the characters of `UNSAFE` written as JSON-style escapes
 * (`\n`, `\u001b`, `\ud800`), cut to `max` characters; backslashes are kept as they are.
 */
export function escapeLogText(text: string, max: number = MAX_LOG_TEXT): string {
  // Each character is written as at least one, so no more than `max` of them are looked at.
  let end = Math.min(text.length, max);
  if (end < text.length && isHighSurrogate(text.charCodeAt(end - 1))) end--; // not half a pair
  const head = end < text.length ? text.slice(0, end) : text;
  UNSAFE.lastIndex = 0;
  if (!UNSAFE.test(head)) return end < text.length ? cut(head, text.length - end) : text;
  let out = "";
  let i = 0;
  UNSAFE.lastIndex = 0;
  for (let m = UNSAFE.exec(head); i < end; m = UNSAFE.exec(head)) {
    const next = m ? m.index : end;
    const room = max - out.length;
    if (next - i > room) {
      const stop = i + room - (isHighSurrogate(head.charCodeAt(i + room - 1)) ? 1 : 0);
      out += head.slice(i, stop);
      i = stop;
      break;
    }
    out += head.slice(i, next);
    i = next;
    if (!m) break;
    const escaped = escapeUnit(m[0]);
    if (out.length + escaped.length > max) break;
    out += escaped;
    i++;
  }
  return i < text.length ? cut(out, text.length - i) : out;
}

/** A cut text, with the count of characters left out. */
function cut(shown: string, left: number): string {
  return `${shown}... (${left} more characters)`;
}

/** A text cut to `MAX_LOG_TEXT` characters (for JSON lines, where JSON escapes the rest). */
function cutText(text: string): string {
  if (text.length <= MAX_LOG_TEXT) return text;
  const end = MAX_LOG_TEXT - (isHighSurrogate(text.charCodeAt(MAX_LOG_TEXT - 1)) ? 1 : 0);
  return cut(text.slice(0, end), text.length - end);
}

/** Whether a UTF-16 code unit is the first of a surrogate pair. */
function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** Writes log lines. */
export class Logger {
  readonly #rank: number;
  readonly #sink: (line: string) => void;
  readonly #format: LogFormat;
  // A token bucket for verbose and debug lines: refilled at #rate a second, holding one second's
  // worth; 0: no limit.
  readonly #rate: number;
  #tokens: number;
  #refilled = 0;
  #suppressed = 0;

  /** Creates a logger writing lines at `level` and below to `sink`. */
  constructor(
    level: LogLevel = "info",
    sink: (line: string) => void = () => {},
    format: LogFormat = "text",
    options: LoggerOptions = {},
  ) {
    this.#rank = RANK[level];
    this.#sink = sink;
    this.#format = format;
    this.#rate = options.maxVerboseLinesPerSecond ?? 1_000;
    this.#tokens = this.#rate;
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

  /** Logs a detail written at `-v` (rate-limited: see `LoggerOptions`). */
  verbose(message: string, fields?: LogFields): void {
    if (this.#rank >= 1 && this.#take()) this.#write("VERBOSE", message, fields);
  }

  /** Logs a detail written at `-d` (rate-limited: see `LoggerOptions`). */
  debug(message: string, fields?: LogFields): void {
    if (this.#rank >= 2 && this.#take()) this.#write("DEBUG", message, fields);
  }

  /** Whether a verbose or debug line may be written now; counts it as suppressed if not. */
  #take(): boolean {
    if (this.#rate === 0) return true;
    const now = Date.now();
    this.#tokens = Math.min(
      this.#rate,
      this.#tokens + ((now - this.#refilled) / 1000) * this.#rate,
    );
    this.#refilled = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return true;
    }
    this.#suppressed++;
    return false;
  }

  #write(level: string, message: string, fields?: LogFields): void {
    if (this.#suppressed > 0) {
      const count = this.#suppressed;
      this.#suppressed = 0;
      this.#line(
        "WARNING",
        `${count} verbose or debug lines suppressed (more than ${this.#rate} a second).`,
        { event: "log-suppressed", count },
      );
    }
    this.#line(level, message, fields);
  }

  #line(level: string, message: string, fields?: LogFields): void {
    const time = new Date().toISOString();
    if (this.#format === "text") {
      this.#sink(`${time} ${level} ${escapeLogText(message)}`);
      return;
    }
    const { event = "log", ...rest } = fields ?? {};
    const cutFields: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(rest)) {
      cutFields[name] = typeof value === "string" ? cutText(value) : value;
    }
    // JSON.stringify escapes C0 controls and lone surrogates; the rest of UNSAFE it keeps.
    const line = JSON.stringify({
      time,
      level: level.toLowerCase(),
      event: cutText(event),
      message: cutText(message),
      ...cutFields,
    });
    UNSAFE.lastIndex = 0;
    this.#sink(UNSAFE.test(line) ? line.replace(UNSAFE, escapeUnit) : line);
  }
}
