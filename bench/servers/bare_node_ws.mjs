// The "limit" anchor on Node: a bare `node:http` + `ws` broadcast server speaking just enough of
// the Thunderpush wire format for the load generator (see bare_deno.ts for the same on Deno).
//
// - GET /connect/<server>/<session>/websocket upgrades; the socket gets `o`; its frames are ignored.
// - POST /api/.../channels/<name>/ builds one `a[{"payload":...,"channel":...}]` frame, encodes it
//   once and writes it to every socket as a text frame; answers {"count": N}.
// - Any other request answers {"count": N} (N = open sockets).
//
// Usage: node bench/servers/bare_node_ws.mjs [port]. Prints `listening <port>` on stdout.

import http from "node:http";
import process from "node:process";
import { Buffer } from "node:buffer";
import { WebSocketServer } from "ws";

const HEADERS = {
  "Content-Type": "application/json; charset=UTF-8",
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Headers": "X-Thunder-Secret-Key",
  "Access-Control-Allow-Methods": "GET, POST, DELETE",
};

const sockets = new Set();
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });

function answer(res, count) {
  const body = `{"count": ${count}}\n`;
  res.writeHead(200, { ...HEADERS, "Content-Length": Buffer.byteLength(body) });
  res.end(body);
}

const server = http.createServer((req, res) => {
  if (req.method !== "POST") return answer(res, sockets.size);
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    const payload = Buffer.concat(chunks).toString("utf8");
    const match = /\/channels\/(.+)\/$/.exec(req.url ?? "");
    const channel = match ? decodeURIComponent(match[1]) : "";
    const frame = Buffer.from("a[" + JSON.stringify({ payload, channel }) + "]");
    let count = 0;
    for (const ws of sockets) {
      ws.send(frame, { binary: false });
      count++;
    }
    answer(res, count);
  });
});

server.on("upgrade", (req, socket, head) => {
  if (!/^\/connect\/[^/]+\/[^/]+\/websocket$/.test(req.url ?? "")) return socket.destroy();
  wss.handleUpgrade(req, socket, head, (ws) => {
    sockets.add(ws);
    ws.send("o");
    ws.on("message", () => {});
    ws.on("close", () => sockets.delete(ws));
    ws.on("error", () => {});
  });
});

server.listen(Number(process.argv[2] ?? 0), "127.0.0.1", () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    for (const ws of sockets) ws.terminate();
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 500).unref();
  });
}
