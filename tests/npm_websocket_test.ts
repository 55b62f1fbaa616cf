/**
 * The Node adapter's WebSocket (lib/runtime/node_websocket.ts), driven in Node from the npm build
 * with a stand-in for the `ws` socket: a close asked for before the handshake is done is done
 * right after it, with its code and reason, and `onopen` does not fire; otherwise `onopen` fires.
 */

import assert from "node:assert/strict";
import { ensureNpmBuild, NPM_DIR } from "./helpers/node_target.ts";

const SCRIPT = `
import { NodeWebSocket } from "file://${NPM_DIR}/esm/lib/runtime/node_websocket.js";

/** A stand-in for the \\\`ws\\\` socket: records its closes. */
function standIn() {
  return { owner: null, readyState: 1, closes: [], close(code, reason) { this.closes.push([code, reason]); } };
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

console.log(JSON.stringify({
  states,
  early: { opened: earlyOpened, closes: earlyWs.closes, owned: earlyWs.owner === early },
  normal: { opened: normalOpened, closes: normalWs.closes, owned: normalWs.owner === normal },
}));
`;

Deno.test("node websocket: a close before the handshake is done right after it; else onopen fires", async () => {
  await ensureNpmBuild();
  const output = await new Deno.Command("node", {
    args: ["--input-type=module", "-e", SCRIPT],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 0, stderr);
  assert.deepEqual(JSON.parse(new TextDecoder().decode(output.stdout)), {
    states: [2],
    early: { opened: 0, closes: [[4000, "early"]], owned: true },
    normal: { opened: 1, closes: [], owned: true },
  });
});
