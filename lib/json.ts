/**
 * The JSON dialects of the original Thunderpush: ASCII-only JSON (SockJS frames and pushes),
 * Python-style response bodies, and request bodies checked as Python's decoder accepts them.
 *
 * @example
 * ```ts
 * asciiJson({ payload: "é" }); // '{"payload":"\u00e9"}'
 * escapeNonAscii('"é"') === '"' + escapeUnit("é") + '"'; // true
 * const body: PyJsonValue = { users: ["alice", "bob"] };
 * pyJson(body); // '{"users": ["alice", "bob"]}'
 * isJsonText('{"a": [1, NaN]}') && !scanJsonText('{"a":1}{"b":2}'); // true
 * ```
 *
 * @module
 */

// Every UTF-16 code unit from DEL upwards: non-ASCII, lone and paired surrogates included.
const NON_ASCII = /[\u007f-\uffff]/g;

/** One UTF-16 code unit as a JSON (and JavaScript) escape: `é` -> `\\u00e9`. */
export function escapeUnit(ch: string): string {
  return "\\u" + ch.charCodeAt(0).toString(16).padStart(4, "0");
}

/** Compact JSON with every non-ASCII code unit as `\uXXXX` (Python's `ensure_ascii`). */
export function asciiJson(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError("Cannot encode value as JSON");
  return escapeNonAscii(text);
}

/** Escapes every non-ASCII code unit of an already serialized JSON text as `\uXXXX`. */
export function escapeNonAscii(json: string): string {
  NON_ASCII.lastIndex = 0;
  return NON_ASCII.test(json) ? json.replace(NON_ASCII, escapeUnit) : json;
}

/** A value `pyJson` can encode. */
export type PyJsonValue =
  | string
  | number
  | boolean
  | null
  | readonly PyJsonValue[]
  | { readonly [key: string]: PyJsonValue };

/** A value as Python's `json.dumps` writes it: `", "` and `": "` separators, ASCII only. */
export function pyJson(value: PyJsonValue): string {
  if (value === null || typeof value !== "object") return asciiJson(value);
  if (Array.isArray(value)) return "[" + value.map(pyJson).join(", ") + "]";
  const entries = Object.entries(value as Record<string, PyJsonValue>);
  return "{" + entries.map(([key, item]) => asciiJson(key) + ": " + pyJson(item)).join(", ") + "}";
}

/**
 * Whether a text is one JSON value as Python's `json.loads` accepts it: RFC 8259 JSON plus the bare
 * values `NaN`, `Infinity` and `-Infinity`. Linear in the text's length.
 */
export function isJsonText(text: string): boolean {
  // Standard JSON (nearly every body) is parsed once; Python's extras go to the fallback.
  try {
    JSON.parse(text);
    return true;
  } catch {
    return scanJsonText(text);
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** The bare values Python adds to JSON (`-Infinity` before `Infinity`). */
const PYTHON_WORDS = ["NaN", "-Infinity", "Infinity"];

/**
 * `isJsonText` for a text `JSON.parse` refused: parsed again with Python's words outside strings
 * written as `null`, a value wherever they are. Linear; `JSON.parse` nests without recursion.
 */
export function scanJsonText(text: string): boolean {
  let json = "";
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) === QUOTE) {
      // Skips the string: a backslash escapes the character after it.
      for (i++; i < text.length && text.charCodeAt(i) !== QUOTE; i++) {
        if (text.charCodeAt(i) === BACKSLASH) i++;
      }
      continue;
    }
    const word = PYTHON_WORDS.find((w) => text.startsWith(w, i));
    if (word === undefined) continue;
    json += text.slice(from, i) + "null";
    i += word.length - 1;
    from = i + 1;
  }
  try {
    JSON.parse(json + text.slice(from));
    return true;
  } catch {
    return false;
  }
}
