/**
 * The HTTP API's routes, matched like the original: against the raw path, anchored, greedy, the
 * captured segments percent-decoded afterwards.
 *
 * @example
 * ```ts
 * import {
 *   ALLOWED_METHODS,
 *   type ApiRoute,
 *   decodeSegment,
 *   isAllowedMethod,
 *   isApiPath,
 *   matchRoute,
 *   routeOf,
 * } from "./routes.ts";
 * const route: ApiRoute | undefined = matchRoute("/api/1.0.0/key/channels/a%2Fb/");
 * route; // { kind: "channel", publicKey: "key", channel: "a/b" }
 * routeOf("/api/1.0.0/key/users/%FF/"); // HttpError 400: not UTF-8
 * isApiPath("/api/1.0.0/key/users/"); // true
 * decodeSegment("caf%C3%A9+1"); // "café+1"
 * isAllowedMethod("users", "POST"); // false
 * ALLOWED_METHODS.users; // "GET, OPTIONS"
 * ```
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

const ALLOWED_SETS: Readonly<Record<string, ReadonlySet<string>>> = Object.fromEntries(
  Object.entries(ALLOWED_METHODS).map(([kind, methods]) => [kind, new Set(methods.split(", "))]),
);

/** Whether the endpoint answers `method` (one of its `ALLOWED_METHODS`). */
export function isAllowedMethod(kind: ApiRoute["kind"], method: string): boolean {
  return ALLOWED_SETS[kind].has(method);
}

/** What every route's path starts with. */
const ROUTE_PREFIX = "/api/1.0.0/";
/** Line terminators, which `.` in the original's patterns does not match. */
const LINE_TERMINATOR = /[\n\r\u2028\u2029]/;

/** Whether a path is under `/api/` (anything there that matches no route gets 404). */
export function isApiPath(path: string): boolean {
  return path.startsWith("/api/");
}

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
