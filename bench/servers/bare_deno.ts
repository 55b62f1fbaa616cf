/**
 * The "limit" anchor on Deno: a bare `Deno.serve` + `Deno.upgradeWebSocket` broadcast server that
 * speaks just enough of the Thunderpush wire format for the load generator.
 *
 * - `GET /connect/<server>/<session>/websocket` upgrades with Deno's default options (pings on);
 *   the socket gets `o` on open; its frames
 *   (CONNECT, SUBSCRIBE) are read and ignored.
 * - `POST /api/.../channels/<name>/` reads the body, builds one `a[{"payload":...,"channel":...}]`
 *   frame and writes it to every socket; answers `{"count": N}`.
 * - `GET /api/.../users/` answers `{"count": N}` (N = open sockets).
 *
 * Usage: `deno run -A bench/servers/bare_deno.ts [port]`. Prints `listening <port>` on stdout
 * once listening; exits on SIGTERM and SIGINT.
 *
 * @module
 */

import { apiAnswer, channelOf, listeningLine } from "./_shared.ts";

const sockets = new Set<WebSocket>();

const server = Deno.serve({
  port: Number(Deno.args[0] ?? 0),
  hostname: "127.0.0.1",
  onListen: ({ port }) => listeningLine(port),
}, async (req) => {
  const path = new URL(req.url).pathname;
  if (path.startsWith("/connect/") && path.endsWith("/websocket")) {
    // Deno's defaults, pings on (idleTimeout 120 s), as a bare server gets them: the project pings
    // too, to find peers gone without a close.
    const { socket, response } = Deno.upgradeWebSocket(req);
    socket.onopen = () => {
      sockets.add(socket);
      socket.send("o");
    };
    socket.onmessage = () => {};
    socket.onclose = () => sockets.delete(socket);
    socket.onerror = () => {};
    return response;
  }
  if (req.method === "POST") {
    const payload = await req.text();
    const frame = "a[" +
      JSON.stringify({ payload, channel: channelOf(path) }) + "]";
    let count = 0;
    for (const socket of sockets) {
      socket.send(frame);
      count++;
    }
    return apiAnswer(count);
  }
  return apiAnswer(sockets.size);
});

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, () => {
    for (const socket of sockets) socket.close(1001);
    server.shutdown().finally(() => Deno.exit(0));
    setTimeout(() => Deno.exit(0), 500);
  });
}
