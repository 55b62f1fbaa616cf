/** The typed client (`client/mod.ts`) with user tokens, against a server with `requireToken`. */

import assert from "node:assert/strict";
import SockJS from "sockjs-client";
import {
  type CloseInfo,
  connect,
  type SockJSConstructor,
  type ThunderClient,
  type ThunderMessage,
} from "../client/mod.ts";
import { KEY, SECRET, startServer, type TestServer, until } from "./helpers/server.ts";
import { now, token } from "./helpers/tokens.ts";

const FAST = { initialDelay: 20, maxDelay: 200 };

function tokenServer(): TestServer {
  return startServer({ apps: [{ publicKey: KEY, secret: SECRET }], requireToken: true });
}

function record(client: ThunderClient) {
  const messages: ThunderMessage[] = [];
  const closes: CloseInfo[] = [];
  client.on("message", (m) => messages.push(m));
  client.on("close", (c) => closes.push(c));
  return { client, messages, closes };
}

Deno.test("connect() with a token joins its user and the private channels it grants", async () => {
  const server = tokenServer();
  const jwt = await token({ channels: ["private-a"] });
  const { client, messages } = record(
    connect(server.base, { publicKey: KEY, user: "alice", token: jwt, channels: ["private-a"] }),
  );
  try {
    await until(() => server.thunder.hub.app(KEY)!.channelUsers("private-a").length === 1);
    await server.api("POST", "/channels/private-a/", '{"secret": 1}');
    await until(() => messages.length === 1);
    assert.deepEqual(messages, [{ payload: { secret: 1 }, channel: "private-a" }]);
  } finally {
    await client.close();
    await server.close();
  }
});

Deno.test("connect() calls the token function before each attempt; after 9004 it fetches a new one", async () => {
  const server = tokenServer();
  const calls: number[] = [];
  const tokens = [await token({ exp: now() - 60 }), await token()];
  const { client, closes } = record(
    connect(server.base, {
      publicKey: KEY,
      user: "alice",
      reconnect: FAST,
      token: () => {
        calls.push(Date.now());
        return Promise.resolve(tokens[Math.min(calls.length - 1, 1)]!);
      },
    }),
  );
  try {
    await until(() => server.thunder.hub.app(KEY)!.isOnline("alice"));
    assert.equal(calls.length, 2);
    assert.equal(closes.length, 1);
    assert.deepEqual([closes[0]!.code, closes[0]!.reason], [9004, "Token expired."]);
    assert.ok(closes[0]!.reconnectIn !== null);
  } finally {
    await client.close();
    await server.close();
  }
});

Deno.test("connect() stops on 9004 with a fixed token, and on 9005 whatever the token", async () => {
  const server = tokenServer();
  let calls = 0;
  const expired = record(
    connect(server.base, {
      publicKey: KEY,
      user: "alice",
      reconnect: FAST,
      token: await token({ exp: now() - 60 }),
    }),
  );
  const invalid = record(
    connect(server.base, {
      publicKey: KEY,
      user: "alice",
      reconnect: FAST,
      token: async () => {
        calls++;
        return await token({ secret: "wrong" });
      },
    }),
  );
  try {
    await until(() => expired.client.state === "closed" && invalid.client.state === "closed");
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(expired.closes, [{ code: 9004, reason: "Token expired.", reconnectIn: null }]);
    assert.deepEqual(invalid.closes, [{ code: 9005, reason: "Invalid token.", reconnectIn: null }]);
    assert.equal(calls, 1);
  } finally {
    await expired.client.close();
    await invalid.client.close();
    await server.close();
  }
});

Deno.test("connect() retries when the token function fails (4001), and close() cancels a fetch", async () => {
  const server = tokenServer();
  let calls = 0;
  const valid = await token();
  const { client, closes } = record(
    connect(server.base, {
      publicKey: KEY,
      user: "alice",
      reconnect: FAST,
      token: () => {
        if (++calls === 1) throw new Error("backend down");
        return valid;
      },
    }),
  );
  const { promise: never, resolve: release } = Promise.withResolvers<string>();
  const cancelled = connect(server.base, { publicKey: KEY, user: "bob", token: () => never });
  try {
    await until(() => server.thunder.hub.app(KEY)!.isOnline("alice"));
    assert.deepEqual([closes[0]!.code, closes[0]!.reason], [
      4001,
      "Cannot get a token: backend down",
    ]);
    await cancelled.close();
    release(await token({ sub: "bob" }));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(server.thunder.hub.app(KEY)!.isOnline("bob"), false);
    assert.equal(cancelled.state, "closed");
  } finally {
    await client.close();
    await server.close();
  }
});

Deno.test("connect() sends the token over the SockJS fallback too", async () => {
  const server = tokenServer();
  class BrokenWebSocket extends WebSocket {
    constructor(_url: string | URL) {
      super("ws://127.0.0.1:1/unreachable");
    }
  }
  let calls = 0;
  const valid = await token();
  const client = connect(server.base, {
    publicKey: KEY,
    user: "alice",
    token: () => (calls++, valid),
    WebSocket: BrokenWebSocket,
    SockJS: SockJS as unknown as SockJSConstructor,
  });
  try {
    await until(() => server.thunder.hub.app(KEY)!.isOnline("alice"));
    assert.equal(calls, 1);
  } finally {
    await client.close();
    await server.close();
  }
});

Deno.test("connect() refuses a token that would break the CONNECT line", () => {
  for (const bad of ["", "a:b", "a b"]) {
    assert.throws(
      () => connect("http://127.0.0.1:1", { publicKey: KEY, token: bad }),
      /Invalid token/,
    );
  }
});
