/**
 * A client nobody here wrote: the npm sockjs-client, in Node, receives Thunderpush pushes.
 */

import assert from "node:assert/strict";
import { eventually, inProcess } from "./helpers/target.ts";
import { nodeSockjsClient } from "./helpers/node_sockjs_client.ts";

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
