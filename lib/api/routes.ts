/**
 * The HTTP API's routes, matched like the original: against the raw path, anchored, greedy, the
 * captured segments percent-decoded afterwards.
 *
 * @module
 */

import { HttpError } from "../http/errors.ts";

/** Which endpoint a path names. */
export type ApiRoute =
  | { readonly kind: "users"; readonly publicKey: string }
  | { readonly kind: "user"; readonly publicKey: string; readonly userId: string }
  | { readonly kind: "channel"; readonly publicKey: string; readonly channel: string }
  | { readonly kind: "stats"; readonly publicKey: string };

/** The methods each endpoint answers, OPTIONS included. */
export const ALLOWED_METHODS: Readonly<Record<ApiRoute["kind"], string>> = {
  users: "GET, OPTIONS",
  user: "GET, POST, DELETE, OPTIONS",
  channel: "GET, POST, OPTIONS",
  stats: "GET, OPTIONS",
};

const ALLOWED_SETS: Readonly<Record<ApiRoute["kind"], ReadonlySet<string>>> = {
  users: new Set(ALLOWED_METHODS.users.split(", ")),
  user: new Set(ALLOWED_METHODS.user.split(", ")),
  channel: new Set(ALLOWED_METHODS.channel.split(", ")),
  stats: new Set(ALLOWED_METHODS.stats.split(", ")),
};

/** Whether the endpoint answers `method` (one of its `ALLOWED_METHODS`). */
export function isAllowedMethod(kind: ApiRoute["kind"], method: string): boolean {
  return ALLOWED_SETS[kind].has(method);
}

/** What every route's path starts with. */
const ROUTE_PREFIX = "/api/1.0.0/";
/** Line terminators, which `.` in the original's patterns does not match. */
const LINE_TERMINATOR = /[\n\r\u2028\u2029]/;

/** The prefix of every API path. */
export const API_PREFIX = "/api/";

/** Whether a path is under the API prefix (anything there that matches no route gets 404). */
export function isApiPath(path: string): boolean {
  return path.startsWith(API_PREFIX);
}

/**
 * The path of an absolute `http:` or `https:` URL as `new URL(url).pathname` gives it, found by
 * slicing when the URL parser would leave the path as it is; undefined otherwise (a dot segment,
 * a backslash, a character the parser percent-encodes, a URL the parser refuses or one of
 * another shape), and the caller parses. Saves the parse on every API call, whose paths are plain.
 * With `prefix`, only a path starting with it is looked at (the rest is not even scanned).
 *
 * @example
 * ```ts
 * import { plainPathname } from "./routes.ts";
 * plainPathname("http://h:8080/api/1.0.0/k/users/?x=1"); // "/api/1.0.0/k/users/"
 * plainPathname("http://h/a/../b"); // undefined: `new URL` would remove the dot segment
 * ```
 */
export function plainPathname(url: string, prefix = "/"): string | undefined {
  const scheme = url.startsWith("http://") ? 7 : url.startsWith("https://") ? 8 : 0;
  if (scheme === 0) return undefined;
  const start = url.indexOf("/", scheme);
  if (start <= scheme || !url.startsWith(prefix, start)) return undefined;
  let end = url.length;
  for (let i = start; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c === 0x3f || c === 0x23) { // ? #
      end = i;
      break;
    }
    if (!PLAIN_PATH_CHAR[c]) return undefined;
    // "/." starts a possible dot segment ("/./", "/../", "/.", "/.."): leave those to the parser.
    if (c === 0x2e && url.charCodeAt(i - 1) === 0x2f) return undefined;
  }
  const path = url.slice(start, end);
  // Percent-encoded dots ("%2e") can make dot segments too.
  if (path.includes("%2e") || path.includes("%2E")) return undefined;
  // The scheme and host are checked by the parser once, then known: clients send one Host. A
  // `?`, `#` or `\` would end the host before the first `/` for the parser.
  if (!(url.startsWith(knownOrigin) && knownOrigin.length === start)) {
    if (HOST_END.test(url.slice(scheme, start)) || !URL.canParse(url)) return undefined;
    knownOrigin = url.slice(0, start);
  }
  return path;
}

/** Characters that end a URL's host for the parser, as `/` does. */
const HOST_END = /[?#\\]/;

/** The scheme and host of the last URL `plainPathname` had the parser accept. */
let knownOrigin = "";

/**
 * The path characters the URL parser copies as they are (printable ASCII but those it
 * percent-encodes or reads otherwise: `"`, `<`, `>`, `` ` ``, `{`, `}`, `\`, `^`, `|`, `'`),
 * indexed by char code.
 */
const PLAIN_PATH_CHAR: readonly boolean[] = Array.from(
  { length: 128 },
  (_, c) => c > 0x20 && c < 0x7f && !"\"<>`{}\\^|'".includes(String.fromCharCode(c)),
);

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const HEX = /^[0-9a-fA-F]{2}$/;

/**
 * Percent-decodes a path segment: `%XX` becomes a byte, anything else (`+` too, and a `%` not
 * followed by two hex digits) stays as it is; the bytes must be UTF-8.
 *
 * @throws {HttpError} 400 when the bytes are not valid UTF-8.
 */
export function decodeSegment(raw: string): string {
  if (!raw.includes("%")) return raw;
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const code = raw.charCodeAt(i);
    if (code === 0x25 && HEX.test(raw.slice(i + 1, i + 3))) {
      bytes.push(parseInt(raw.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (code < 0x80) {
      bytes.push(code);
    } else {
      // The URL parser leaves only ASCII in a path; be safe with anything else.
      bytes.push(...new TextEncoder().encode(raw[i]));
    }
  }
  try {
    return strictUtf8.decode(new Uint8Array(bytes));
  } catch {
    throw new HttpError(400, "Path is not valid UTF-8 once percent-decoded.");
  }
}

/**
 * Finds the endpoint for a raw (still percent-encoded) path, or undefined when none matches.
 * Route order as in the original: `/users/` first, then a user, then a channel; then `/stats/`.
 *
 * @example
 * ```ts
 * import { matchRoute } from "./routes.ts";
 * matchRoute("/api/1.0.0/key/channels/a%2Fb/"); // { kind: "channel", publicKey: "key", channel: "a/b" }
 * ```
 */
export function matchRoute(path: string): ApiRoute | undefined {
  // The original's patterns, `^/api/1\.0\.0/(.+)/users/$`, `^/api/1\.0\.0/(.+)/users/(.+)/$` and
  // `^/api/1\.0\.0/(.+)/channels/(.+)/$`, matched by hand: as regular expressions their greedy
  // groups backtracked in time quadratic in the path's length (a 60 KB path took a second).
  if (!path.startsWith(ROUTE_PREFIX) || !path.endsWith("/") || LINE_TERMINATOR.test(path)) {
    return undefined;
  }
  const rest = path.slice(ROUTE_PREFIX.length);
  if (rest.length > USERS_MARK.length && rest.endsWith(USERS_MARK)) {
    return { kind: "users", publicKey: decodeSegment(rest.slice(0, -USERS_MARK.length)) };
  }
  let m = greedySplit(rest, USERS_MARK);
  if (m) return { kind: "user", publicKey: decodeSegment(m[0]), userId: decodeSegment(m[1]) };
  m = greedySplit(rest, CHANNELS_MARK);
  if (m) return { kind: "channel", publicKey: decodeSegment(m[0]), channel: decodeSegment(m[1]) };
  // Not the original's: after its routes, so that every path they matched still names the same.
  if (rest.length > STATS_MARK.length && rest.endsWith(STATS_MARK)) {
    return { kind: "stats", publicKey: decodeSegment(rest.slice(0, -STATS_MARK.length)) };
  }
  return undefined;
}

const USERS_MARK = "/users/";
const CHANNELS_MARK = "/channels/";
const STATS_MARK = "/stats/";

/**
 * `(.+)MARK(.+)/` matched greedily against all of `rest` (which ends with `/`): the first group
 * ends at the last `mark` that leaves at least one character before the final `/`.
 */
function greedySplit(rest: string, mark: string): [string, string] | undefined {
  const at = rest.lastIndexOf(mark, rest.length - mark.length - 2);
  if (at < 1) return undefined;
  return [rest.slice(0, at), rest.slice(at + mark.length, -1)];
}

/**
 * Like `matchRoute`, but returns the 400 error instead of throwing it when a captured segment is
 * not UTF-8 once percent-decoded.
 */
export function routeOf(path: string): ApiRoute | HttpError | undefined {
  try {
    return matchRoute(path);
  } catch (error) {
    if (error instanceof HttpError) return error;
    throw error;
  }
}

/** An API request URL's path (as `plainPathname` finds it) and the endpoint it names. */
export interface ApiUrl {
  /** The path. */
  readonly path: string;
  /** The endpoint, as `routeOf` finds it. */
  readonly route: ApiRoute | HttpError | undefined;
}

/**
 * The paths and endpoints of the API URLs seen last, so that a URL seen again (an application
 * publishes to the same channels and asks about the same users over and over) is neither scanned
 * nor matched again: a lookup costs a hash of the URL, where scanning and matching cost about
 * 0.9 µs on Deno for a short URL. Only URLs that name an endpoint are kept, up to `capacity`
 * URLs of at most `maxLength` characters; once full, it starts over.
 *
 * @example
 * ```ts
 * import { ApiUrls } from "./routes.ts";
 * const urls = new ApiUrls();
 * urls.find("http://h/api/1.0.0/key/channels/news/")?.route; // { kind: "channel", ... }
 * urls.find("http://h/index.html"); // undefined: not an API path
 * ```
 */
export class ApiUrls {
  readonly #known = new Map<string, ApiUrl>();
  readonly #capacity: number;
  readonly #maxLength: number;

  /** An empty cache of `capacity` URLs at most, each of `maxLength` characters at most. */
  constructor(capacity = 1_024, maxLength = 512) {
    this.#capacity = capacity;
    this.#maxLength = maxLength;
  }

  /**
   * The path and endpoint of an absolute URL under `API_PREFIX` whose path is plain (see
   * `plainPathname`); undefined for any other URL, which the caller parses.
   */
  find(url: string): ApiUrl | undefined {
    const known = this.#known.get(url);
    if (known !== undefined) return known;
    const path = plainPathname(url, API_PREFIX);
    if (path === undefined) return undefined;
    const found: ApiUrl = { path, route: routeOf(path) };
    if (
      url.length <= this.#maxLength && found.route !== undefined &&
      !(found.route instanceof HttpError)
    ) {
      if (this.#known.size >= this.#capacity) this.#known.clear();
      this.#known.set(url, found);
    }
    return found;
  }

  /** How many URLs are kept. */
  get size(): number {
    return this.#known.size;
  }
}
