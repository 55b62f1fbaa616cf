/**
 * The HTTP API, called as a plain handler with `new Request(...)`: exact status, headers and
 * body bytes, the original's APITestCase, and every error case.
 */

import assert from "node:assert/strict";
import { createApiHandler } from "../lib/api/handler.ts";
import { type Broker, BrokerUnavailableError } from "../lib/broker/broker.ts";
import { MemoryBroker } from "../lib/broker/memory.ts";
import { type App, Hub, type HubConnection } from "../lib/hub/hub.ts";
import type { Message } from "../lib/hub/message.ts";
import type { CloseReason } from "../lib/sockjs/close_codes.ts";
import { FORCED_LOGOUT } from "../lib/protocol/close_codes.ts";

const CORS = {
  "access-control-allow-origin": "*",
  "access-control-allow-headers": "X-Thunder-Secret-Key",
  "access-control-allow-methods": "GET, POST, DELETE",
};

/** A connection that records what it was sent: the hub's side of a real session. */
class Recorder implements HubConnection {
  readonly received: string[] = [];
  closedWith: CloseReason | null = null;
  constructor(readonly userId: string) {}
  deliver(message: Message): void {
    this.received.push(...message.elements);
  }
  close(reason: CloseReason): void {
    this.closedWith = reason;
  }
}

function setup(maxMessageSize?: number) {
  const hub = new Hub([{ publicKey: "foo", secret: "bar" }], { logoutReason: FORCED_LOGOUT });
  const app = hub.app("foo") as App;
  const api = createApiHandler(hub, maxMessageSize ? { maxMessageSize } : {});
  const call = async (
    method: string,
    path: string,
    init: { body?: BodyInit; secret?: string | null; headers?: Record<string, string> } = {},
  ) => {
    const headers: Record<string, string> = { "Content-Type": "application/json", ...init.headers };
    if (init.secret !== null) headers["X-Thunder-Secret-Key"] = init.secret ?? "bar";
    const res = await api(
      new Request(`http://localhost${path}`, { method, headers, body: init.body }),
    );
    return { res, text: await res.text() };
  };
  return { hub, app, call };
}

function assertHeaders(res: Response, expected: Record<string, string>): void {
  for (const [name, value] of Object.entries(expected)) {
    assert.equal(res.headers.get(name), value, name);
  }
}

// The original's APITestCase: user1 and user2 in test1, user1 in test2.
function apiFixture() {
  const fixture = setup();
  const user1 = new Recorder("dummy_1");
  const user2 = new Recorder("dummy_2");
  fixture.app.register(user1);
  fixture.app.register(user2);
  fixture.app.subscribe(user1, "test1");
  fixture.app.subscribe(user2, "test1");
  fixture.app.subscribe(user1, "test2");
  return { ...fixture, user1, user2 };
}

Deno.test("APITestCase.test_send_to_channel: POST to a channel counts its connections", async () => {
  const { call, app, user1, user2 } = apiFixture();
  const { res, text } = await call("POST", "/api/1.0.0/foo/channels/test1/", {
    body: '{"test": 1}',
  });
  assert.equal(res.status, 200);
  assert.equal(text, '{"count": 2}\n');
  app.flush(); // pushes go out at the end of the event-loop turn
  assert.deepEqual(user1.received, ['{"payload":"{\\"test\\": 1}","channel":"test1"}']);
  assert.deepEqual(user2.received, user1.received);
});

Deno.test("APITestCase.test_channel_user_list: GET a channel lists its users", async () => {
  const { call } = apiFixture();
  const { res, text } = await call("GET", "/api/1.0.0/foo/channels/test1/");
  assert.equal(res.status, 200);
  assert.equal(text, '{"users": ["dummy_1", "dummy_2"]}\n');
  assertHeaders(res, { ...CORS, "content-type": "application/json; charset=UTF-8" });
  assert.equal(res.headers.get("etag"), null);
});

Deno.test("APITestCase.test_user_count: GET /users/ counts distinct users", async () => {
  const { call, app } = apiFixture();
  app.register(new Recorder("dummy_1"));
  const { res, text } = await call("GET", "/api/1.0.0/foo/users/");
  assert.equal(res.status, 200);
  assert.equal(text, '{"count": 2}\n');
  assert.equal(res.headers.get("content-length"), null); // set by the server on the wire
});

Deno.test("APITestCase.test_check_if_user_online: GET a user says online or not", async () => {
  const { call } = apiFixture();
  assert.equal((await call("GET", "/api/1.0.0/foo/users/dummy_1/")).text, '{"online": true}\n');
  assert.equal(
    (await call("GET", "/api/1.0.0/foo/users/nonexistentuser/")).text,
    '{"online": false}\n',
  );
});

Deno.test("APITestCase.test_send_to_user: POST to a user counts its connections", async () => {
  const { call, app, user1 } = apiFixture();
  const { text } = await call("POST", "/api/1.0.0/foo/users/dummy_1/", { body: '{"test": 1}' });
  assert.equal(text, '{"count": 1}\n');
  app.flush();
  assert.deepEqual(user1.received, ['{"payload":"{\\"test\\": 1}"}']);
});

Deno.test("APITestCase.test_disconnect_user: DELETE answers 204 with an empty body", async () => {
  const { call, user1 } = apiFixture();
  const unknown = await call("DELETE", "/api/1.0.0/foo/users/foo/");
  assert.equal(unknown.res.status, 204);
  assert.equal(unknown.text, "");
  assertHeaders(unknown.res, CORS);
  const known = await call("DELETE", "/api/1.0.0/foo/users/dummy_1/");
  assert.equal(known.res.status, 204);
  assert.equal(user1.closedWith?.code, 9002);
});

Deno.test("api: DELETE closes every connection of the user, not every other one", async () => {
  const { app, call } = setup();
  const conns = [1, 2, 3, 4, 5].map(() => new Recorder("multi"));
  conns.forEach((c) => app.register(c));
  await call("DELETE", "/api/1.0.0/foo/users/multi/");
  assert.deepEqual(conns.map((c) => c.closedWith?.code), [9002, 9002, 9002, 9002, 9002]);
  assert.equal((await call("GET", "/api/1.0.0/foo/users/multi/")).text, '{"online": false}\n');
});

Deno.test("api: 401 with the exact body for a wrong key, secret or a missing header", async () => {
  const { call } = setup();
  const expected = '{"message": "Wrong API key/secret.", "status": 401}\n';
  for (
    const [path, secret] of [
      ["/api/1.0.0/foo/users/", "wrong"],
      ["/api/1.0.0/foo/users/", null],
      ["/api/1.0.0/foo/users/", ""],
      ["/api/1.0.0/FOO/users/", "bar"],
      ["/api/1.0.0/nokey/users/", "bar"],
      ["/api/1.0.0/foo/users/users/", "bar"], // greedy: the key is "foo/users"
    ] as const
  ) {
    const { res, text } = await call("GET", path, { secret });
    assert.equal(res.status, 401, `${path} ${secret}`);
    assert.equal(text, expected);
    assert.equal(new TextEncoder().encode(text).length, 52);
    assertHeaders(res, { ...CORS, "content-type": "application/json; charset=UTF-8" });
  }
});

Deno.test("api: the secret header name is case-insensitive", async () => {
  const { call } = setup();
  const { res } = await call("GET", "/api/1.0.0/foo/users/", {
    secret: null,
    headers: { "x-thunder-secret-key": "bar" },
  });
  assert.equal(res.status, 200);
});

Deno.test("api: authentication comes before body validation", async () => {
  const { call } = setup();
  const { res } = await call("POST", "/api/1.0.0/foo/channels/x/", { body: "{", secret: "no" });
  assert.equal(res.status, 401);
});

Deno.test("api: 400 with the exact body for anything but one JSON value", async () => {
  const { call } = setup();
  const expected = '{"message": "Request body is not valid JSON.", "status": 400}\n';
  const bodies: BodyInit[] = [
    "",
    "{",
    '{"a":1}{"b":2}',
    "nan",
    "'a'",
    "[1,]",
    "\ufeff1",
    new Uint8Array([0x22, 0xff, 0x22]), // invalid UTF-8
    new Uint8Array([0x22, 0xed, 0xa0, 0x80, 0x22]), // an encoded surrogate
  ];
  for (const body of bodies) {
    for (const path of ["/api/1.0.0/foo/channels/x/", "/api/1.0.0/foo/users/u/"]) {
      const { res, text } = await call("POST", path, { body });
      assert.equal(res.status, 400, String(body));
      assert.equal(text, expected);
      assert.equal(new TextEncoder().encode(text).length, 62);
    }
  }
  assert.equal((await call("POST", "/api/1.0.0/foo/users/u/")).res.status, 400); // no body
});

Deno.test("api: any single JSON value is accepted, NaN and Infinity too, and forwarded verbatim", async () => {
  const { app, call } = setup();
  const conn = new Recorder("u");
  app.register(conn);
  app.subscribe(conn, "x");
  const bodies = [
    '"Hello World!"',
    "1",
    "true",
    "null",
    "NaN",
    "-Infinity",
    ' \n{"a" :  [1, 2]}\t',
    "[]",
  ];
  for (const body of bodies) {
    const { res, text } = await call("POST", "/api/1.0.0/foo/channels/x/", { body });
    assert.equal(res.status, 200, body);
    assert.equal(text, '{"count": 1}\n');
  }
  app.flush();
  assert.deepEqual(
    conn.received.map((element) => JSON.parse(element).payload),
    bodies,
  );
});

Deno.test("api: the Content-Type of the request is ignored", async () => {
  const { call } = setup();
  const { res } = await call("POST", "/api/1.0.0/foo/channels/x/", {
    body: "1",
    headers: { "Content-Type": "text/plain" },
  });
  assert.equal(res.status, 200);
});

Deno.test("api: bodies over the limit get 413 with a JSON error", async () => {
  const { call } = setup(16);
  const ok = await call("POST", "/api/1.0.0/foo/channels/x/", { body: '"' + "a".repeat(14) + '"' });
  assert.equal(ok.res.status, 200);
  const declared = await call("POST", "/api/1.0.0/foo/channels/x/", { body: "1".repeat(17) });
  assert.equal(declared.res.status, 413);
  assert.equal(declared.text, '{"message": "Request body is too large.", "status": 413}\n');
  assertHeaders(declared.res, CORS);
  // A streamed body has no Content-Length: it is cut off while reading.
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < 4; i++) controller.enqueue(new TextEncoder().encode("11111"));
      controller.close();
    },
  });
  const streamed = await call("POST", "/api/1.0.0/foo/channels/x/", { body: stream });
  assert.equal(streamed.res.status, 413);
});

Deno.test("api: OPTIONS needs no authentication and answers 200 with CORS headers", async () => {
  const { call } = setup();
  for (
    const path of [
      "/api/1.0.0/foo/users/",
      "/api/1.0.0/foo/users/u/",
      "/api/1.0.0/foo/channels/c/",
      "/api/1.0.0/unknown/channels/c/",
    ]
  ) {
    const { res, text } = await call("OPTIONS", path, { secret: null });
    assert.equal(res.status, 200, path);
    assert.equal(text, "");
    assertHeaders(res, CORS);
  }
});

Deno.test("api: other methods get 405 with Allow and a JSON error", async () => {
  const { call } = setup();
  for (
    const [method, path, allow] of [
      ["PUT", "/api/1.0.0/foo/users/", "GET, OPTIONS"],
      ["POST", "/api/1.0.0/foo/users/", "GET, OPTIONS"],
      ["HEAD", "/api/1.0.0/foo/users/u/", "GET, POST, DELETE, OPTIONS"],
      ["PATCH", "/api/1.0.0/foo/users/u/", "GET, POST, DELETE, OPTIONS"],
      ["DELETE", "/api/1.0.0/foo/channels/x/", "GET, POST, OPTIONS"],
    ]
  ) {
    const { res, text } = await call(method, path);
    assert.equal(res.status, 405, `${method} ${path}`);
    assert.equal(res.headers.get("allow"), allow);
    if (method !== "HEAD") {
      assert.equal(text, '{"message": "Method not allowed.", "status": 405}\n');
    }
  }
});

Deno.test("api: paths without the trailing slash or with an empty segment get 404", async () => {
  const { call } = setup();
  for (
    const path of [
      "/api/1.0.0/foo/users",
      "/api/1.0.0/foo/users/u",
      "/api/1.0.0/foo/channels/x",
      "/api/1.0.0/foo/channels/",
      "/api/1.0.0/foo/channels//",
      "/api/1.0.0/foo/",
      "/api/1.0.1/foo/users/",
      "/api/",
    ]
  ) {
    const { res, text } = await call("GET", path);
    assert.equal(res.status, 404, path);
    assert.equal(text, '{"message": "Not found.", "status": 404}\n');
  }
});

Deno.test("api: segments are greedy, percent-decoded (+ stays), and the query is ignored", async () => {
  const { app, call } = setup();
  const conn = new Recorder("a b/c");
  app.register(conn);
  app.subscribe(conn, "a/b");
  assert.equal((await call("GET", "/api/1.0.0/foo/users/a%20b%2Fc/")).text, '{"online": true}\n');
  assert.equal((await call("GET", "/api/1.0.0/foo/users/a+b%2Fc/")).text, '{"online": false}\n');
  assert.equal(
    (await call("GET", "/api/1.0.0/foo/channels/a/b/?x=1")).text,
    '{"users": ["a b/c"]}\n',
  );
  assert.equal(
    (await call("POST", "/api/1.0.0/foo/channels/a%2Fb/", { body: "1" })).text,
    '{"count": 1}\n',
  );
  // A % not followed by two hex digits stays as it is.
  const odd = new Recorder("100%zz");
  app.register(odd);
  assert.equal((await call("GET", "/api/1.0.0/foo/users/100%zz/")).text, '{"online": true}\n');
});

Deno.test("api: invalid UTF-8 in a path segment gets 400", async () => {
  const { call } = setup();
  const { res, text } = await call("GET", "/api/1.0.0/foo/users/%FF/");
  assert.equal(res.status, 400);
  assert.equal(
    text,
    '{"message": "Path is not valid UTF-8 once percent-decoded.", "status": 400}\n',
  );
});

Deno.test("api: non-ASCII user ids are listed escaped, as Python's json did", async () => {
  const { app, call } = setup();
  const conn = new Recorder("zoë");
  app.register(conn);
  app.subscribe(conn, "c");
  assert.equal(
    (await call("GET", "/api/1.0.0/foo/channels/c/")).text,
    '{"users": ["zo\\u00eb"]}\n',
  );
  assert.equal((await call("GET", "/api/1.0.0/foo/users/zo%C3%AB/")).text, '{"online": true}\n');
});

Deno.test("api: a channel POST count is the number of connections sent to, duplicates not counted", async () => {
  const { app, call } = setup();
  const a = new Recorder("alice");
  const b = new Recorder("alice");
  const c = new Recorder("bob");
  for (const conn of [a, b, c]) {
    app.register(conn);
    app.subscribe(conn, "news");
  }
  app.subscribe(c, "news");
  assert.equal(
    (await call("POST", "/api/1.0.0/foo/channels/news/", { body: "1" })).text,
    '{"count": 3}\n',
  );
  app.flush();
  assert.equal(c.received.length, 1);
  assert.equal(
    (await call("GET", "/api/1.0.0/foo/channels/news/")).text,
    '{"users": ["alice", "bob"]}\n',
  );
});

Deno.test("api: a broker answering at once or with promises gets the same answers and errors", async () => {
  const hub = new Hub([{ publicKey: "foo", secret: "bar" }]);
  const memory = new MemoryBroker();
  /** The in-memory broker's answers as promises, as a cluster broker gives them. */
  const later: Broker = {
    ready: true,
    publishToChannel: (...args) => Promise.resolve(memory.publishToChannel(...args)),
    publishToUser: (...args) => Promise.resolve(memory.publishToUser(...args)),
    logout: (...args) => Promise.resolve(memory.logout(...args)),
    userCount: (...args) => Promise.resolve(memory.userCount(...args)),
    isOnline: (...args) => Promise.resolve(memory.isOnline(...args)),
    channelUsers: (...args) => Promise.resolve(memory.channelUsers(...args)),
    close: () => Promise.resolve(),
  };
  const unavailable = () => {
    throw new BrokerUnavailableError();
  };
  /** Fails every call: at once (`throws`) or with a rejected promise. */
  const failing = (error: () => never, throws: boolean): Broker => {
    const fail = () => throws ? error() : Promise.reject(new Error("x")).catch(error);
    return {
      ready: true,
      publishToChannel: fail,
      publishToUser: fail,
      logout: fail,
      userCount: fail,
      isOnline: fail,
      channelUsers: fail,
      close: () => Promise.resolve(),
    };
  };
  const calls: [string, string, string?][] = [
    ["GET", "/users/"],
    ["GET", "/users/u/"],
    ["POST", "/users/u/", '"hi"'],
    ["DELETE", "/users/u/"],
    ["GET", "/channels/c/"],
    ["POST", "/channels/c/", '{"a": 1}'],
    ["POST", "/channels/c/", "{bad"],
  ];
  const answers = async (broker: Broker) => {
    const api = createApiHandler(hub, { broker });
    const out: string[] = [];
    for (const [method, path, body] of calls) {
      const res = await api(
        new Request(`http://localhost/api/1.0.0/foo${path}`, {
          method,
          headers: { "X-Thunder-Secret-Key": "bar" },
          body,
        }),
      );
      out.push(`${res.status} ${await res.text()}`);
    }
    return out;
  };
  assert.deepEqual(await answers(later), await answers(memory));
  const down = await answers(failing(unavailable, true));
  assert.deepEqual(await answers(failing(unavailable, false)), down);
  assert.equal(down[0], '503 {"message": "Cluster broker unavailable.", "status": 503}\n');
  assert.equal(down[6], '400 {"message": "Request body is not valid JSON.", "status": 400}\n');
  // Errors the API does not expect are not answered: the server turns them into a 500.
  const boom = () => {
    throw new TypeError("boom");
  };
  for (const throws of [true, false]) {
    const api = createApiHandler(hub, { broker: failing(boom, throws) });
    await assert.rejects(
      api(
        new Request("http://localhost/api/1.0.0/foo/users/", {
          headers: { "X-Thunder-Secret-Key": "bar" },
        }),
      ),
      TypeError,
    );
  }
});
