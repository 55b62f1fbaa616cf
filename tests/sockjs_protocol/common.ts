/**
 * Shared pieces of the SockJS protocol suite: the service URLs, the test-class shape and the
 * verification helpers of the Python suite's `Test` base class.
 *
 * @module
 */

import assert from "node:assert/strict";
import { type HttpHeaders, type HttpResponse, OPTIONS, pyInt } from "./http.ts";

/** URLs of the services under test. */
export interface SuiteContext {
  /** Server root, e.g. `http://127.0.0.1:8081` (no trailing slash). */
  topUrl: string;
  /** `/echo`: echo, streaming response limit 4096 bytes. */
  baseUrl: string;
  /** `/close`: closes every session at once with `3000 "Go away!"`. */
  closeBaseUrl: string;
  /** `/disabled_websocket_echo`: echo with WebSocket transports off. */
  wsoffBaseUrl: string;
  /** `/cookie_needed_echo`: echo with JSESSIONID cookies on. */
  cookieBaseUrl: string;
}

/** Builds the context from the server root URL. */
export function makeContext(topUrl: string): SuiteContext {
  const top = topUrl.replace(/\/+$/, "");
  return {
    topUrl: top,
    baseUrl: `${top}/echo`,
    closeBaseUrl: `${top}/close`,
    wsoffBaseUrl: `${top}/disabled_websocket_echo`,
    cookieBaseUrl: `${top}/cookie_needed_echo`,
  };
}

/** One test method. */
export type TestFn = (ctx: SuiteContext) => Promise<void>;

/** One test class of the Python suite: its name and its test methods, in source order. */
export interface TestClass {
  /** Class name, e.g. `XhrPolling`. */
  name: string;
  /** Test methods by Python name, e.g. `test_transport`. */
  tests: Record<string, TestFn>;
}

/** `http:` → `ws:` for the same host, path and query. */
export function wsUrl(httpUrl: string): string {
  return httpUrl.replace(/^http/, "ws");
}

/** A fresh random session id, so that tests never share (named) sessions. */
export function sessionId(): string {
  return crypto.randomUUID();
}

/** `<base>/000/<random session id>`. */
export function sessionUrl(base: string): string {
  return `${base}/000/${sessionId()}`;
}

/**
 * How long to let the server register a request that produces no observable output (a second
 * poll on an open xhr session). On loopback the request reaches the server well under a
 * millisecond after it is written; 100 ms leaves a wide margin for a loaded machine while
 * keeping the suite fast. The Python suite sleeps 250 ms.
 */
export const SETTLE_MS = 100;

/** Python's `str.strip()` on byte strings: ASCII whitespace only (not U+FEFF, U+2028...). */
export function pyStrip(s: string): string {
  return s.replace(/^[ \t\n\r\v\f]+/, "").replace(/[ \t\n\r\v\f]+$/, "");
}

/** Anything with response headers (a complete response or just a response head). */
export type HasHeaders = { readonly headers: HttpHeaders };

/** Python truthiness of an optional header value: absent or empty counts as false. */
function truthy(v: string | undefined): boolean {
  return v !== undefined && v !== "";
}

/** Asserts that a header is absent or empty. */
export function assertNoHeader(r: HasHeaders, name: string): void {
  const v = r.headers.get(name);
  assert.ok(!truthy(v), `unexpected ${name} header: ${JSON.stringify(v)}`);
}

/** Returns a header that must be present and non-empty. */
export function requireHeader(r: HasHeaders, name: string): string {
  const v = r.headers.get(name);
  assert.ok(truthy(v), `missing ${name} header (got ${JSON.stringify(r.headers.raw)})`);
  return v as string;
}

/** A `404 Not Found` (no body or content type is required). */
export function verify404(r: HttpResponse): void {
  assert.equal(r.status, 404, `expected 404, got ${r.status}`);
}

/** A `405 Method Not Allowed`: no content type, an `Allow` header, no body. */
export function verify405(r: HttpResponse): void {
  assert.equal(r.status, 405);
  assertNoHeader(r, "content-type");
  requireHeader(r, "allow");
  assert.equal(r.body, "", "405 must have an empty body");
}

/** The `Content-Type` header, compared with spaces removed. */
export function verifyContentType(r: HasHeaders, contentType: string): void {
  assert.equal(requireHeader(r, "content-type").replaceAll(" ", ""), contentType);
}

/** No `Set-Cookie` header. */
export function verifyNoCookie(r: HasHeaders): void {
  assertNoHeader(r, "set-cookie");
}

/**
 * CORS headers: the request `Origin` is echoed with credentials allowed, or `*` without
 * credentials when no origin was sent.
 */
export function verifyCors(r: HasHeaders, origin?: string): void {
  if (origin) {
    assert.equal(r.headers.get("access-control-allow-origin"), origin);
    assert.equal(r.headers.get("access-control-allow-credentials"), "true");
  } else {
    assert.equal(r.headers.get("access-control-allow-origin"), "*");
    assertNoHeader(r, "access-control-allow-credentials");
  }
}

/** Private data requested with GET/POST must not be cached. */
export function verifyNotCached(r: HasHeaders): void {
  assert.equal(
    r.headers.get("cache-control"),
    "no-store, no-cache, no-transform, must-revalidate, max-age=0",
  );
  assertNoHeader(r, "expires");
  assertNoHeader(r, "last-modified");
}

/** Strong caching for a long time (one year is best). */
export function verifyLongCache(r: HasHeaders): void {
  const cc = requireHeader(r, "cache-control");
  assert.match(cc, /public/);
  assert.match(cc, /max-age=[1-9][0-9]{6}/, "max-age must be large, one year (31536000) is best");
  requireHeader(r, "expires");
}

/** OPTIONS (CORS preflight) answers: cacheable, with the allowed methods, for two origins. */
export async function verifyOptions(url: string, allowedMethods: string): Promise<void> {
  for (const origin of ["test", "null"]) {
    const r = await OPTIONS(url, {
      headers: { "Access-Control-Request-Method": allowedMethods, "Origin": origin },
    });
    // 200 and 204 are both acceptable answers to a preflight request.
    assert.ok(r.status === 204 || r.status === 200, `status ${r.status}`);
    verifyLongCache(r);
    // `int(r['access-control-max-age'])`: a decimal integer, nothing else.
    const maxAge = pyInt(requireHeader(r, "access-control-max-age"));
    assert.ok(maxAge > 1000000, `Access-Control-Max-Age too small: ${maxAge}`);
    // More methods than requested may be allowed.
    const allowMethods = requireHeader(r, "access-control-allow-methods");
    for (const method of allowedMethods.split(",")) {
      assert.ok(
        allowMethods.includes(method.trim()),
        `Access-Control-Allow-Methods did not contain: ${method}`,
      );
    }
    assert.equal(r.body, "");
    verifyCors(r, origin);
  }
}
