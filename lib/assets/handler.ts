/**
 * Serves the browser assets from memory, `/thunderpush.js` and the SockJS client (npm
 * `sockjs-client`) at `/connect/sockjs.min.js`, so that pages need nothing from a CDN.
 *
 * @module
 */

import { EMBEDDED } from "./embedded.ts";

const ONE_YEAR = 365 * 24 * 60 * 60;

/** The URL path of each asset. */
const ASSET_PATHS: Readonly<Record<string, string>> = {
  "/thunderpush.js": "thunderpush.js",
  "/connect/sockjs.min.js": "sockjs.min.js",
};

/**
 * Answers a GET or HEAD for an asset path (with `ETag` and 304 on `If-None-Match`), or returns
 * undefined for other requests.
 */
export function serveAsset(req: Request, path: string): Response | undefined {
  const name = ASSET_PATHS[path];
  if (!name || (req.method !== "GET" && req.method !== "HEAD")) return undefined;
  const asset = EMBEDDED[name];
  const headers = {
    "Content-Type": "application/javascript; charset=UTF-8",
    "Cache-Control": `public, max-age=${ONE_YEAR}`,
    "ETag": asset.etag,
    "Access-Control-Allow-Origin": "*",
  };
  if (req.headers.get("If-None-Match") === asset.etag) {
    return new Response(null, { status: 304, headers });
  }
  return new Response(req.method === "HEAD" ? null : asset.body, { status: 200, headers });
}
