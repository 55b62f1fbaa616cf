/**
 * The API throughput anchor on Deno: a bare `Deno.serve` that answers every request with the
 * bytes and headers of a Thunderpush `{"count": 0}` answer, reading nothing.
 *
 * Usage: `deno run -A bench/servers/bare_deno_http.ts [port]`. Prints `listening <port>`.
 *
 * @module
 */

import { apiAnswer, listeningLine } from "./_shared.ts";

const server = Deno.serve({
  port: Number(Deno.args[0] ?? 0),
  hostname: "127.0.0.1",
  onListen: ({ port }) => listeningLine(port),
}, () => apiAnswer(0));

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, () => {
    server.shutdown().finally(() => Deno.exit(0));
  });
}
