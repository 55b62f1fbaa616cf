/**
 * The checks that make a request's URL safe to route on: a valid `Host` header (else 400) and no
 * dot segments (else 404). Why: docs/architecture.md, "Request URLs".
 *
 * @example
 * ```ts
 * isValidHost("example.com:8080") && !isValidHost("x/metrics?"); // true
 * hasDotSegment("http://h/connect/%2E%2e/metrics"); // true
 * hasDotSegment("http://h/api/1.0.0/k/channels/a..b/"); // false
 * requestUrl(new Request("http://localhost/connect/info")); // URL
 * hostError(new Request("http://h/", { headers: { Host: "x/metrics?" } })); // HttpError 400
 * targetUrl("http://h/a/../b"); // HttpError 404
 * targetPath("http://h/api/1.0.0/k/users/"); // "/api/1.0.0/k/users/"
 * ```
 *
 * @module
 */

import { HttpError } from "./errors.ts";

/**
 * RFC 3986's `host [ ":" port ]`: a bracketed IPv6 address, or a name or IPv4 address made of
 * unreserved characters and sub-delimiters (no percent-encoding: hosts on the wire are ASCII),
 * possibly empty (RFC 9112 §3.2), then at most five digits of port.
 */
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=]*)(?::([0-9]{1,5}))?$/;

/** The last `Host` found valid: clients send the same one again and again. */
let knownHost = "";

/** Whether a `Host` header value is a host with an optional port (at most 65535), nothing more. */
export function isValidHost(host: string): boolean {
  if (host === knownHost) return true;
  const match = HOST.exec(host);
  if (match === null || (match[1] !== undefined && Number(match[1]) > 65535)) return false;
  knownHost = host;
  return true;
}

/** The 400 error for a `Host` header that is no valid host; undefined when valid or absent. */
export function hostError(req: Request): HttpError | undefined {
  const host = req.headers.get("host");
  if (host === null || isValidHost(host)) return undefined;
  return new HttpError(400, "Invalid Host header.");
}

/**
 * A `.` or `..` path segment, percent-encoded or not, between slashes (or a backslash, which the
 * URL parser reads as one) or at the end.
 */
const DOT_SEGMENT = /[/\\](?:\.|%2e){1,2}(?:[/\\?#]|$)/i;

/**
 * An absolute URL's path: from the first `/`, `\\`, `?` or `#` after the scheme's `//` (a checked
 * host holds none of them) up to `?` or `#`.
 */
const URL_PATH = /^[^:/?#]*:\/\/[^/\\?#]*([^?#]*)/;

/** Whether the path of an absolute URL, as the runtime wrote it, has a dot segment. */
export function hasDotSegment(url: string): boolean {
  const path = URL_PATH.exec(url)?.[1];
  return path !== undefined && DOT_SEGMENT.test(path);
}

/**
 * A request's URL, parsed, or the error to answer: 400 for a `Host` that is no host or a URL the
 * parser refuses (the target `*`), 404 for a path with dot segments.
 */
export function requestUrl(req: Request): URL | HttpError {
  return hostError(req) ?? targetUrl(req.url);
}

/**
 * An absolute URL as scheme and host, then a path of characters the URL parser keeps as they are
 * (no percent-encoding to add, no backslash), then the query or the end.
 */
const PLAIN_URL = /^([^:/?#]*:\/\/[^/\\?#]*)(\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*)(?:[?#]|$)/;

/** The scheme and host of the last URL that parsed: clients send the same ones again and again. */
let parsedPrefix = "";

/**
 * `targetUrl(url).pathname`, or the error to answer. A plain path after the scheme and host of
 * the last URL that parsed is read from the string: parsing would give it back unchanged and
 * costs an API POST about 5% of its CPU (BENCHMARKS.md, "The API's cost").
 */
export function targetPath(url: string): string | HttpError {
  const plain = PLAIN_URL.exec(url);
  if (plain !== null && plain[1] === parsedPrefix && !DOT_SEGMENT.test(plain[2])) return plain[2];
  const parsed = targetUrl(url);
  if (parsed instanceof HttpError) return parsed;
  // Whether a URL parses depends on its scheme and host only when its path is plain.
  if (plain !== null) parsedPrefix = plain[1];
  return parsed.pathname;
}

/** `requestUrl` for a request whose `Host` header was checked already (see `hostError`). */
export function targetUrl(url: string): URL | HttpError {
  if (hasDotSegment(url)) return new HttpError(404, "Not found.");
  try {
    return new URL(url);
  } catch {
    return new HttpError(400, "Invalid request target.");
  }
}
