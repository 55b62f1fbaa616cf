/**
 * The operations endpoints: `GET /healthz` (alive), `GET /readyz` (ready for traffic) and
 * `GET /metrics` (Prometheus), on the main port or on a separate metrics port.
 *
 * @module
 */

/** What the operations endpoints read from the server. */
export interface OpsSubject {
  /** Whether the server is stopping: `/readyz` answers 503. */
  readonly draining: boolean;
  /** The broker: `/readyz` answers 503 while it is not ready. */
  readonly broker: { readonly ready: boolean };
  /** What `/metrics` answers. */
  readonly metrics: { render(): Promise<string>; readonly contentType: string };
}

/** The paths `opsResponse` may answer. */
export const OPS_PATHS: ReadonlySet<string> = new Set(["/healthz", "/readyz", "/metrics"]);

/**
 * The answer of an operations endpoint: `GET /healthz`, `GET /readyz` (503 while draining or
 * while the broker is unavailable) and, when `withMetrics`, `GET /metrics`; HEAD too. Undefined
 * for other requests.
 */
export async function opsResponse(
  server: OpsSubject,
  req: Request,
  path: string,
  withMetrics: boolean,
): Promise<Response | undefined> {
  if (req.method !== "GET" && req.method !== "HEAD") return undefined;
  if (path === "/healthz") return statusResponse(200, "ok");
  if (path === "/readyz") {
    if (server.draining) return statusResponse(503, "draining");
    if (!server.broker.ready) return statusResponse(503, "broker unavailable");
    return statusResponse(200, "ready");
  }
  if (path === "/metrics" && withMetrics) {
    return new Response(await server.metrics.render(), {
      headers: { "Content-Type": server.metrics.contentType },
    });
  }
  return undefined;
}

/** `{"status": "..."}`, not to be cached. */
function statusResponse(status: number, text: string): Response {
  return new Response(`{"status": "${text}"}\n`, {
    status,
    headers: { "Content-Type": "application/json; charset=UTF-8", "Cache-Control": "no-store" },
  });
}
