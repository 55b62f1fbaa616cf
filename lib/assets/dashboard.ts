/**
 * Serves the dashboard (`/dashboard/`) from memory, with a strict Content-Security-Policy and
 * relative URLs only (offline, and behind a proxy's path prefix); see docs/dashboard.md.
 *
 * @module
 */

import { EMBEDDED } from "./embedded.ts";

/** The dashboard's files by URL path (the page, its script, style sheet and icon), with types. */
const FILES: Readonly<Record<string, { name: string; type: string }>> = {
  "/dashboard/": { name: "dashboard/index.html", type: "text/html; charset=UTF-8" },
  "/dashboard/dashboard.js": {
    name: "dashboard/dashboard.js",
    type: "application/javascript; charset=UTF-8",
  },
  "/dashboard/dashboard.css": { name: "dashboard/dashboard.css", type: "text/css; charset=UTF-8" },
  "/dashboard/favicon.svg": { name: "dashboard/favicon.svg", type: "image/svg+xml" },
};

/** The Content-Security-Policy of every dashboard file. */
const DASHBOARD_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; " +
  "connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; " +
  "frame-ancestors 'none'";

/** Headers on every dashboard answer. */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "Content-Security-Policy": DASHBOARD_CSP,
  "X-Frame-Options": "DENY",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Cache-Control": "no-cache",
};

/**
 * Answers a GET or HEAD for a dashboard path (`/dashboard` is sent to `/dashboard/`, relatively),
 * with `ETag` and 304 on `If-None-Match`; undefined for other requests.
 *
 * @example
 * ```ts
 * import { serveDashboard } from "./dashboard.ts";
 * serveDashboard(new Request("http://h/dashboard/"), "/dashboard/")?.status; // 200
 * serveDashboard(new Request("http://h/other"), "/other"); // undefined
 * ```
 */
export function serveDashboard(req: Request, path: string): Response | undefined {
  if (req.method !== "GET" && req.method !== "HEAD") return undefined;
  if (path === "/dashboard") {
    return new Response(null, {
      status: 301,
      headers: { ...SECURITY_HEADERS, Location: "dashboard/" },
    });
  }
  const file = FILES[path];
  if (!file) return undefined;
  const asset = EMBEDDED[file.name];
  const headers = { ...SECURITY_HEADERS, "Content-Type": file.type, ETag: asset.etag };
  if (req.headers.get("If-None-Match") === asset.etag) {
    return new Response(null, { status: 304, headers });
  }
  return new Response(req.method === "HEAD" ? null : asset.body, { status: 200, headers });
}
