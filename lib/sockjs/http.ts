/**
 * Response helpers shared by the SockJS endpoints: content types, caching and CORS headers.
 *
 * @module
 */

/** `Cache-Control` for answers that must never be cached. */
export const NO_CACHE = "no-store, no-cache, no-transform, must-revalidate, max-age=0";

/** One year, in seconds: how long static SockJS answers may be cached. */
export const ONE_YEAR = 365 * 24 * 60 * 60;

/** A text response with `text/plain; charset=UTF-8` unless `headers` say otherwise. */
export function textResponse(
  status: number,
  body: string,
  headers: Record<string, string> = {},
): Response {
  const empty = status === 204 || status === 304 || (status === 405 && body === "");
  return new Response(empty ? null : body, {
    status,
    headers: empty ? headers : { "Content-Type": "text/plain; charset=UTF-8", ...headers },
  });
}

/** Headers that let a browser cache an answer for a year. */
export function cacheForAYear(): Record<string, string> {
  return {
    "Cache-Control": `public, max-age=${ONE_YEAR}`,
    "Expires": new Date(Date.now() + ONE_YEAR * 1000).toUTCString(),
  };
}

/**
 * CORS headers for SockJS endpoints: the request's `Origin` is echoed (`null` too) with
 * credentials allowed, so cookies for sticky sessions flow; without an `Origin`, `*`.
 */
export function corsHeaders(req: Request): Record<string, string> {
  const origin = req.headers.get("Origin");
  const headers: Record<string, string> = origin
    ? { "Access-Control-Allow-Origin": origin, "Access-Control-Allow-Credentials": "true" }
    : { "Access-Control-Allow-Origin": "*" };
  headers["Vary"] = "Origin";
  const requested = req.headers.get("Access-Control-Request-Headers");
  if (requested) headers["Access-Control-Allow-Headers"] = requested;
  return headers;
}

/** The answer to a CORS preflight for an endpoint that allows `methods`. */
export function preflightResponse(req: Request, methods: string): Response {
  return textResponse(204, "", {
    ...cacheForAYear(),
    ...corsHeaders(req),
    "Access-Control-Allow-Methods": methods,
    "Access-Control-Max-Age": String(ONE_YEAR),
  });
}

/** The 404 answer of the SockJS endpoints. */
export function notFound(headers: Record<string, string> = {}): Response {
  return textResponse(404, "404 Error: Page not found\n", headers);
}
