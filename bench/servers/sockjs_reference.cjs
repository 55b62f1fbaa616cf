// The "reference" anchor: a minimal Thunderpush on the npm `sockjs` package (0.3.24) under Node,
// as the original was on sockjs-tornado: a channel map and a user map, CONNECT/SUBSCRIBE parsing,
// and a POST that fans the message out with conn.write. npm sockjs writes strings only, so each
// push is a JSON string element (a["{\"payload\":...}"]): the cost of the fan-out is the same.
//
// - /connect: SockJS (every transport of npm sockjs); the bench uses its WebSocket transport.
// - POST /api/1.0.0/<key>/channels/<name>/ (X-Thunder-Secret-Key) answers {"count": N}.
// - GET /api/1.0.0/<key>/users/ answers {"count": N} (distinct users).
//
// Usage: node bench/servers/sockjs_reference.cjs [port] [key] [secret]. Prints `listening <port>`.
"use strict";

const http = require("node:http");
const process = require("node:process");
const { Buffer } = require("node:buffer");
const sockjs = require("sockjs");

const port = Number(process.argv[2] || 0);
const KEY = process.argv[3] || "key";
const SECRET = process.argv[4] || "secret";
const HEADERS = {
  "Content-Type": "application/json; charset=UTF-8",
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Headers": "X-Thunder-Secret-Key",
  "Access-Control-Allow-Methods": "GET, POST, DELETE",
};

/** @type {Map<string, Set<object>>} */
const channels = new Map();
/** @type {Map<string, Set<object>>} */
const users = new Map();

function join(map, name, conn) {
  let set = map.get(name);
  if (!set) map.set(name, set = new Set());
  set.add(conn);
}

function leave(map, name, conn) {
  const set = map.get(name);
  if (!set) return;
  set.delete(conn);
  if (set.size === 0) map.delete(name);
}

const service = sockjs.createServer({
  websocket: true,
  heartbeat_delay: 25000,
  disconnect_delay: 5000,
  log: (severity, line) => {
    if (severity === "error") process.stderr.write(`[sockjs] ${line}\n`);
  },
});

service.on("connection", (conn) => {
  let user = null;
  const subscribed = new Set();
  conn.on("data", (message) => {
    const text = String(message).trim();
    const space = text.search(/\s/);
    const command = space < 0 ? text : text.slice(0, space);
    const argument = space < 0 ? "" : text.slice(space).trim();
    if (command === "CONNECT" && user === null) {
      const parts = argument.split(":");
      if (parts.length !== 2) return;
      if (parts[1] !== KEY) return conn.close(9000, "Invalid API key.");
      user = parts[0];
      join(users, user, conn);
    } else if (command === "SUBSCRIBE" && user !== null) {
      for (const channel of argument.split(":")) {
        if (!/^[A-Za-z0-9_\-=@,.;]{1,64}$/.test(channel) || subscribed.has(channel)) continue;
        subscribed.add(channel);
        join(channels, channel, conn);
      }
    }
  });
  conn.on("close", () => {
    for (const channel of subscribed) leave(channels, channel, conn);
    if (user !== null) leave(users, user, conn);
  });
});

function answer(res, status, body) {
  const text = JSON.stringify(body).replace(/":/g, '": ') + "\n";
  res.writeHead(status, { ...HEADERS, "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

const API = /^\/api\/1\.0\.0\/([^/]+)\/(users|channels\/(.+))\/$/;

const server = http.createServer((req, res) => {
  const match = API.exec(req.url || "");
  if (!match || match[1] !== KEY) return answer(res, 404, { message: "Not found.", status: 404 });
  if (req.headers["x-thunder-secret-key"] !== SECRET) {
    return answer(res, 401, { message: "Wrong API key/secret.", status: 401 });
  }
  if (match[2] === "users") return answer(res, 200, { count: users.size });
  const channel = decodeURIComponent(match[3]);
  if (req.method !== "POST") {
    return answer(res, 405, { message: "Method not allowed.", status: 405 });
  }
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    const payload = Buffer.concat(chunks).toString("utf8");
    try {
      JSON.parse(payload);
    } catch {
      return answer(res, 400, { message: "Request body is not valid JSON.", status: 400 });
    }
    const element = JSON.stringify({ payload, channel });
    let count = 0;
    for (const conn of channels.get(channel) || []) {
      conn.write(element);
      count++;
    }
    answer(res, 200, { count });
  });
});

service.installHandlers(server, { prefix: "/connect" });

server.listen(port, "127.0.0.1", () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 300).unref();
  });
}
