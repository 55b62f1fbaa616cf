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

/** `requestUrl` for a request whose `Host` header was checked already (see `hostError`). */
export function targetUrl(url: string): URL | HttpError {
  if (hasDotSegment(url)) return new HttpError(404, "Not found.");
  try {
    return new URL(url);
  } catch {
    return new HttpError(400, "Invalid request target.");
  }
}
