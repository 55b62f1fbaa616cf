/**
 * A client nobody here wrote: the npm sockjs-client, in Node, receives Thunderpush pushes.
 */

import assert from "node:assert/strict";
import { eventually, inProcess, type Target } from "./helpers/target.ts";
import { KEY } from "./helpers/target.ts";

const FIXTURE = new URL("./fixtures/sockjs_client.cjs", import.meta.url).pathname;

/** Runs the Node sockjs-client fixture and gives its output line by line. */
export async function* nodeSockjsClient(
  target: Target,
  transport: string,
  user: string,
  channels: string,
  count: number,
): AsyncGenerator<string> {
  const child = new Deno.Command("node", {
    args: [FIXTURE, target.base, transport, user, KEY, channels, String(count)],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  let buffer = "";
  const decoder = new TextDecoder();
  try {
    for await (const chunk of child.stdout) {
      buffer += decoder.decode(chunk, { stream: true });
      let nl;
      while ((nl = buffer.indexOf("\n")) >= 0) {
        yield buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
      }
    }
  } finally {
    try {
      child.kill("SIGKILL");
    } catch { /* exited */ }
    await child.status;
  }
}

Deno.test("sockjs-client (npm, in Node) over websocket receives a channel push and a user push", async () => {
  const server = await inProcess();
  const lines = nodeSockjsClient(server, "websocket", "nodeuser", "news", 2);
  try {
    assert.equal((await lines.next()).value, "open websocket");
    await eventually(async () =>
      (await server.api("GET", "/channels/news/")).text === '{"users": ["nodeuser"]}\n'
    );
    assert.equal((await server.api("POST", "/channels/news/", '{"n": 1}')).text, '{"count": 1}\n');
    assert.deepEqual(JSON.parse((await lines.next()).value!), {
      data: { payload: '{"n": 1}', channel: "news" },
    });
    assert.equal((await server.api("POST", "/users/nodeuser/", '"é"')).text, '{"count": 1}\n');
    assert.deepEqual(JSON.parse((await lines.next()).value!), { data: { payload: '"é"' } });
    assert.match((await lines.next()).value!, /^close 1000/);
  } finally {
    await lines.return(undefined);
    await server.close();
  }
});
