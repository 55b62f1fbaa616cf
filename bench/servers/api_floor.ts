/**
 * What answering a POST costs on `Deno.serve` before any Thunderpush code runs: the API anchor
 * (`bare_deno_http.ts`) reads nothing, while any API server must at least read the secret header
 * and the body. Each variant answers the same bytes as the anchor.
 *
 * - `none`: reads nothing (the anchor).
 * - `header`: reads `X-Thunder-Secret-Key`.
 * - `body`: reads the header and the whole body (`arrayBuffer()`).
 * - `url`: as `body`, and parses the URL.
 * - `clock`: as `url`, and reads the clock twice (a request's duration, for the histogram).
 *
 * Usage: `deno run -A bench/servers/api_floor.ts PORT VARIANT`, then for instance
 * `wrk -t1 -c50 -d4s -s bench/wrk/post.lua -H "X-Thunder-Secret-Key: s" http://127.0.0.1:PORT/api/1.0.0/k/channels/x/`,
 * reading the server's CPU time in `/proc/<pid>/stat` before and after. Prints `listening <port>`.
 *
 * @module
 */

import { apiAnswer, listeningLine } from "./_shared.ts";

const variants: Record<string, (req: Request) => Response | Promise<Response>> = {
  none: () => apiAnswer(0),
  header: (req) => {
    req.headers.get("X-Thunder-Secret-Key");
    return apiAnswer(0);
  },
  body: async (req) => {
    req.headers.get("X-Thunder-Secret-Key");
    await req.arrayBuffer();
    return apiAnswer(0);
  },
  url: async (req) => {
    new URL(req.url);
    req.headers.get("X-Thunder-Secret-Key");
    await req.arrayBuffer();
    return apiAnswer(0);
  },
  clock: async (req) => {
    const started = performance.now();
    new URL(req.url);
    req.headers.get("X-Thunder-Secret-Key");
    await req.arrayBuffer();
    if (performance.now() < started) throw new Error("the clock went back");
    return apiAnswer(0);
  },
};

const variant = variants[Deno.args[1] ?? "none"];
if (!variant) throw new Error(`variants: ${Object.keys(variants).join(", ")}`);
const server = Deno.serve({
  port: Number(Deno.args[0] ?? 0),
  hostname: "127.0.0.1",
  onListen: ({ port }) => listeningLine(port),
}, variant);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, () => {
    server.shutdown().finally(() => Deno.exit(0));
  });
}
