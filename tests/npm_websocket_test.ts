/**
 * The Node adapter's WebSocket (lib/adapters/node_websocket.ts), driven in Node from the npm build
 * with a stand-in for the `ws` socket: a close asked for before the handshake is done is done
 * right after it, with its code and reason, and `onopen` does not fire; otherwise `onopen` fires.
 * The ping rounds ping each open socket, drop one that did not answer, and leave closed ones.
 * And through `serve`: once a socket is upgraded, the adapter's own error listener is gone.
 */

import assert from "node:assert/strict";
import { ensureNpmBuild, NPM_DIR } from "./helpers/node_target.ts";

const SCRIPT = `
import { Buffer } from "node:buffer";
import { NodeWebSocket } from "file://${NPM_DIR}/esm/lib/adapters/node_websocket.js";

/** A stand-in for the \\\`ws\\\` socket: records its closes. */
function standIn() {
  return {
    owner: null, readyState: 1, closes: [], pings: 0, terminated: 0,
    close(code, reason) { this.closes.push([code, reason]); },
    ping() { this.pings++; },
    terminate() { this.terminated++; },
  };
}

const early = new NodeWebSocket(0);
let earlyOpened = 0;
early.onopen = () => earlyOpened++;
early.close(4000, "early");
const states = [early.readyState];
const earlyWs = standIn();
early.attach(earlyWs);

const normal = new NodeWebSocket(0);
let normalOpened = 0;
normal.onopen = () => normalOpened++;
const normalWs = standIn();
normal.attach(normalWs);

// Ping rounds every 100 ms over five sockets, two of them closed (others move into their places).
const watched = [0, 1, 2, 3, 4].map(() => {
  const socket = new NodeWebSocket(100);
  const ws = standIn();
  socket.attach(ws);
  return { socket, ws };
});
for (const i of [0, 2]) watched[i].socket.closed(1000, Buffer.from(""));
await new Promise((resolve) => setTimeout(resolve, 350)); // at least two rounds
for (const { socket } of watched) socket.closed(1000, Buffer.from(""));
const slots = watched.map(({ socket }) => socket.pingSlot);

console.log(JSON.stringify({
  rounds: watched.map(({ ws }) => [ws.pings, ws.terminated > 0]),
  slots,
  states,
  early: { opened: earlyOpened, closes: earlyWs.closes, owned: earlyWs.owner === early },
  normal: { opened: normalOpened, closes: normalWs.closes, owned: normalWs.owner === normal },
}));
`;

Deno.test("node websocket: a close before the handshake waits for it; ping rounds ping, drop, skip the closed", async () => {
  await ensureNpmBuild();
  const output = await new Deno.Command("node", {
    args: ["--input-type=module", "-e", SCRIPT],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 0, stderr);
  assert.deepEqual(JSON.parse(new TextDecoder().decode(output.stdout)), {
    // Pinged once, then dropped for not answering; the closed ones never pinged.
    rounds: [[0, false], [1, true], [0, false], [1, true], [1, true]],
    slots: [-1, -1, -1, -1, -1],
    states: [2],
    early: { opened: 0, closes: [[4000, "early"]], owned: true },
    normal: { opened: 1, closes: [], owned: true },
  });
});

const HANDSHAKE_SCRIPT = `
import dc from "node:diagnostics_channel";
import { WebSocket } from "file://${NPM_DIR}/../node_modules/ws/wrapper.mjs";
import { serve } from "file://${NPM_DIR}/esm/lib/adapters/serve_node.js";

const sockets = [];
dc.subscribe("net.server.socket", ({ socket }) => sockets.push(socket));
let serverOpened;
const serverOpen = new Promise((resolve) => serverOpened = resolve);
const server = await serve((req, ctx) => {
  const { socket, response } = ctx.upgradeWebSocket(req);
  socket.onopen = () => serverOpened();
  return Promise.resolve(response);
}, { port: 0, hostname: "127.0.0.1" });
const client = new WebSocket(server.url.replace("http", "ws"));
await Promise.all([serverOpen, new Promise((resolve) => client.once("open", resolve))]);
console.log(JSON.stringify(sockets.map((socket) => socket.listenerCount("error"))));
client.close();
await server.close();
`;

Deno.test("node websocket: once upgraded, a socket's errors are ws's alone (no listener of ours left)", async () => {
  await ensureNpmBuild();
  const output = await new Deno.Command("node", {
    args: ["--input-type=module", "-e", HANDSHAKE_SCRIPT],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  assert.deepEqual(JSON.parse(new TextDecoder().decode(output.stdout)), [1]);
});
