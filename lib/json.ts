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
 * values `NaN`, `Infinity` and `-Infinity`. Linear in the text's length, and iterative.
 */
export function isJsonText(text: string): boolean {
  // The engine's parser is faster on standard JSON (nearly every body); the scan decides the rest.
  try {
    JSON.parse(text);
    return true;
  } catch {
    return scanJsonText(text);
  }
}

const OPEN_OBJECT = 0x7b; // {
const OPEN_ARRAY = 0x5b; // [
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;
const DOT = 0x2e;
/** The bare words a value may be, Python's three included. */
const LITERALS = ["true", "false", "null", "NaN", "Infinity", "-Infinity"];
/** The characters after a backslash that make a one-character escape: `"\/bfnrt`. */
const SHORT_ESCAPES = new Set([0x22, 0x5c, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74]);

/** `isJsonText` in one pass, Python's extras included: the fallback when `JSON.parse` throws. */
export function scanJsonText(text: string): boolean {
  const stack: number[] = []; // open containers: "{" or "[" as char codes
  let i = skipSpace(text, 0);
  let expectValue = true;
  for (;;) {
    const c = text.charCodeAt(i);
    if (expectValue) {
      if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        i = skipSpace(text, i + 1);
        if (text.charCodeAt(i) === c + 2) { // "}" and "]" are two after "{" and "["
          i = skipSpace(text, i + 1);
          expectValue = false;
          continue;
        }
        stack.push(c);
        if (c === OPEN_OBJECT && (i = key(text, i)) < 0) return false;
        continue;
      }
      i = c === QUOTE ? string(text, i) : numberOrWord(text, i);
      if (i < 0) return false;
      i = skipSpace(text, i);
      expectValue = false;
      continue;
    }
    const top = stack[stack.length - 1];
    if (top === undefined) return i === text.length;
    if (c === COMMA) {
      i = skipSpace(text, i + 1);
      if (top === OPEN_OBJECT && (i = key(text, i)) < 0) return false;
      expectValue = true;
    } else if (c === top + 2) {
      stack.pop();
      i = skipSpace(text, i + 1);
    } else return false;
  }
}

/** The index of the first character at or after `i` that is not JSON whitespace. */
function skipSpace(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return i;
    i++;
  }
}

/** An object key at `i`, its colon and the whitespace after: the index after them, or -1. */
function key(text: string, i: number): number {
  if (text.charCodeAt(i) !== QUOTE || (i = string(text, i)) < 0) return -1;
  i = skipSpace(text, i);
  return text.charCodeAt(i) === COLON ? skipSpace(text, i + 1) : -1;
}

/** A string starting with the quote at `i`: the index after its closing quote, or -1. */
function string(text: string, i: number): number {
  for (i++;;) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) return i + 1;
    if (!(c >= 0x20)) return -1; // a raw control character, or the end (NaN)
    if (c !== BACKSLASH) {
      i++;
      continue;
    }
    const e = text.charCodeAt(i + 1);
    if (SHORT_ESCAPES.has(e)) i += 2;
    else if (e === 0x75 && hex4(text, i + 2)) i += 6; // \uXXXX
    else return -1;
  }
}

/** Whether the four characters from `i` are hexadecimal digits. */
function hex4(text: string, i: number): boolean {
  for (const end = i + 4; i < end; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= ZERO && c <= NINE) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66))) {
      return false;
    }
  }
  return true;
}

/** A number or a bare word at `i`: the index after it, or -1. */
function numberOrWord(text: string, i: number): number {
  for (const word of LITERALS) if (text.startsWith(word, i)) return i + word.length;
  if (text.charCodeAt(i) === MINUS) i++;
  if (text.charCodeAt(i) === ZERO) i++;
  else if (isDigit(text, i)) i = digits(text, i);
  else return -1;
  if (text.charCodeAt(i) === DOT) {
    if (!isDigit(text, i + 1)) return -1;
    i = digits(text, i + 1);
  }
  if ((text.charCodeAt(i) | 0x20) === 0x65) { // e or E
    i++;
    if (text.charCodeAt(i) === 0x2b || text.charCodeAt(i) === MINUS) i++;
    if (!isDigit(text, i)) return -1;
    i = digits(text, i);
  }
  return i;
}

/** Whether the character at `i` is a decimal digit. */
function isDigit(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return c >= ZERO && c <= NINE;
}

/** The index after the run of digits starting at `i`. */
function digits(text: string, i: number): number {
  while (isDigit(text, i)) i++;
  return i;
}
