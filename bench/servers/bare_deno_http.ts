/**
 * The API throughput anchors on Deno: a bare `Deno.serve` that answers every request with the
 * bytes and headers of a Thunderpush `{"count": 0}` answer.
 *
 * - `const` (the default): reads nothing. Its handler takes no argument, so Deno does not even
 *   make a `Request` for it.
 * - `read`: reads what any API server must before it answers: the `X-Thunder-Secret-Key` header
 *   and, for a request with a body, the whole body. The floor under a Thunderpush on Deno.serve.
 *
 * Usage: `deno run -A bench/servers/bare_deno_http.ts [port] [const|read]`. Prints
 * `listening <port>`.
 *
 * @module
 */

import { apiAnswer, listeningLine } from "./_shared.ts";

const handlers: Record<string, Deno.ServeHandler> = {
  const: () => apiAnswer(0),
  read: (req) => {
    req.headers.get("X-Thunder-Secret-Key");
    if (req.method !== "POST") return apiAnswer(0);
    return req.arrayBuffer().then(() => apiAnswer(0));
  },
};

const handler = handlers[Deno.args[1] ?? "const"];
if (!handler) throw new Error(`modes: ${Object.keys(handlers).join(", ")}`);

const server = Deno.serve({
  port: Number(Deno.args[0] ?? 0),
  hostname: "127.0.0.1",
  onListen: ({ port }) => listeningLine(port),
}, handler);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, () => {
    server.shutdown().finally(() => Deno.exit(0));
  });
}
