/**
 * The API throughput anchors on Deno: a bare `Deno.serve` that answers every request with the
 * bytes and headers of a Thunderpush `{"count": 0}` answer.
 *
 * - `const` (the default): reads nothing. Its handler takes no argument, so Deno does not even
 *   make a `Request` for it.
 * - `read`: does the work of the API (issue 22's fair anchor): reads the `X-Thunder-Secret-Key`
 *   header and, for a POST, the body as text, checks that it is JSON (400 when not) and answers
 *   the count. The floor under a Thunderpush on Deno.serve.
 *
 * Usage: `deno run -A bench/servers/bare_deno_http.ts [port] [const|read]`. Prints
 * `listening <port>`.
 *
 * @module
 */

import { apiAnswer, listeningLine } from "./_shared.ts";

const handlers: Record<string, Deno.ServeHandler> = {
  const: () => apiAnswer(0),
  read: async (req) => {
    req.headers.get("X-Thunder-Secret-Key");
    if (req.method !== "POST") return apiAnswer(0);
    try {
      JSON.parse(await req.text());
    } catch {
      return new Response('{"message": "Invalid JSON."}\n', { status: 400 });
    }
    return apiAnswer(0);
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
