/**
 * The end-to-end suite of `--require-token`: every refused CONNECT (over WebSocket and over
 * xhr-polling), accepted tokens, private channels and two applications, against any server made
 * by a `StartTokenTarget` (this process, the Deno CLI, the Node build).
 *
 * @module
 */

import assert from "node:assert/strict";
import { eventually, KEY, SECRET } from "../helpers/target.ts";
import { SockjsWs } from "../helpers/sockjs_ws.ts";
import { pollingSession } from "../helpers/polling_session.ts";
import { parsePrometheus } from "../helpers/prometheus.ts";
import {
  now,
  OTHER_KEY,
  OTHER_SECRET,
  type StartTokenTarget,
  token,
  type TokenTarget,
  unsignedToken,
} from "../helpers/tokens.ts";

const INVALID = 'c[9005,"Invalid token."]';
const EXPIRED = 'c[9004,"Token expired."]';

/** A refused CONNECT: its name, the command, the close frame and the metric's reason. */
type Refusal = readonly [name: string, command: string, frame: string, reason: string];

/** Every way a CONNECT is refused on a server whose applications require tokens. */
async function refusals(): Promise<Refusal[]> {
  const connect = (t: string, user = "alice", key = KEY) => `CONNECT ${user}:${key}:${t}`;
  return [
    ["no token", `CONNECT alice:${KEY}`, INVALID, "token_missing"],
    ["empty token", connect(""), INVALID, "token_invalid"],
    ["not a JWT", connect("abc.def"), INVALID, "token_invalid"],
    ["wrong secret", connect(await token({ secret: "nope" })), INVALID, "token_invalid"],
    [
      "other app's secret",
      connect(await token({ secret: OTHER_SECRET })),
      INVALID,
      "token_invalid",
    ],
    ["expired", connect(await token({ exp: now() - 30 })), EXPIRED, "token_expired"],
    ["sub of another user", connect(await token({ sub: "bob" })), INVALID, "token_user"],
    ["sub in other case", connect(await token({ sub: "Alice" })), INVALID, "token_user"],
    ["sub absent", connect(await token({ sub: undefined })), INVALID, "token_invalid"],
    ["sub empty", connect(await token({ sub: "" }), "alice"), INVALID, "token_user"],
    ["sub not a string", connect(await token({ sub: 7 })), INVALID, "token_invalid"],
    ["exp absent", connect(await token({ exp: undefined })), INVALID, "token_invalid"],
    ["exp not a number", connect(await token({ exp: "tomorrow" })), INVALID, "token_invalid"],
    ["nbf in the future", connect(await token({ nbf: now() + 60 })), INVALID, "token_invalid"],
    ["alg none", connect(unsignedToken()), INVALID, "token_invalid"],
    ["HS512, right secret", connect(await token({ alg: "HS512" })), INVALID, "token_invalid"],
    [
      "channels not an array",
      connect(await token({ channels: "private-a" })),
      INVALID,
      "token_invalid",
    ],
    [
      "channels with a number",
      connect(await token({ channels: ["private-a", 1] })),
      INVALID,
      "token_invalid",
    ],
    [
      "channels over 1000",
      connect(await token({ channels: Array.from({ length: 1001 }, (_, i) => `c${i}`) })),
      INVALID,
      "token_invalid",
    ],
    ["a : in the token", connect((await token()) + ":x"), INVALID, "token_invalid"],
    [
      "unknown key",
      connect(await token(), "alice", "nokey"),
      'c[9000,"Invalid API key."]',
      "api_key",
    ],
  ];
}

/** The refused-CONNECT counters of a server's `/metrics`, by reason. */
async function refusedCounts(server: TokenTarget): Promise<Record<string, number>> {
  const samples = await parsePrometheus(await server.metrics());
  const counts: Record<string, number> = {};
  for (const [key, value] of Object.entries(samples)) {
    const m = /^thunderpush_connects_refused_total\{"reason": "(\w+)"\}$/.exec(key);
    if (m) counts[m[1]!] = value;
  }
  return counts;
}

/** How many of each reason `cases` expect. */
function expectedCounts(cases: readonly Refusal[], times: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [, , , reason] of cases) counts[reason] = (counts[reason] ?? 0) + times;
  return counts;
}

/** Registers the suite's tests, named `${name}: ...`, against servers made by `start`. */
export function defineTokenSuite(name: string, start: StartTokenTarget): void {
  Deno.test(`${name}: tokens: every refused CONNECT closes with its code, over WebSocket and xhr-polling, registers nothing and is counted`, async () => {
    const server = await start();
    try {
      const cases = await refusals();
      for (const [what, command, frame] of cases) {
        const ws = await SockjsWs.session(server.base);
        try {
          // A SUBSCRIBE right behind it waits for the verdict, and joins nothing.
          ws.send(command, "SUBSCRIBE news");
          assert.equal(await ws.next(), frame, `websocket, ${what}`);
          assert.equal((await ws.closed).code, 1000);
        } finally {
          await ws.close();
        }
        const poll = pollingSession(server.base);
        assert.equal(await poll.xhr(), "o\n");
        assert.equal(await poll.send(command, "SUBSCRIBE news"), 204);
        assert.equal(await poll.xhr(), frame + "\n", `xhr-polling, ${what}`);
      }
      assert.equal((await server.api("GET", "/users/")).text, '{"count": 0}\n');
      assert.equal((await server.api("GET", "/channels/news/")).text, '{"users": []}\n');
      assert.deepEqual(await refusedCounts(server), expectedCounts(cases, 2));
    } finally {
      await server.close();
    }
  });

  Deno.test(`${name}: tokens: a valid token connects its user, within the clock tolerance too, and stays after exp`, async () => {
    const server = await start();
    const ws = await SockjsWs.session(server.base);
    const poll = pollingSession(server.base);
    try {
      // Expired 2 s ago: inside the 5 s tolerance. Still connected once past it (CONNECT only).
      const late = await token({ exp: now() - 2 });
      ws.send(`CONNECT alice:${KEY}:${late}`, "SUBSCRIBE news");
      assert.equal(await poll.xhr(), "o\n");
      await poll.send(`CONNECT bob:${KEY}:${await token({ sub: "bob" })}`, "SUBSCRIBE news");
      await eventually(async () =>
        (await server.api("GET", "/channels/news/")).text.includes('"alice"') &&
        (await server.api("GET", "/channels/news/")).text.includes('"bob"')
      );
      await new Promise((resolve) => setTimeout(resolve, 4_500));
      assert.deepEqual(await server.api("POST", "/channels/news/", "1"), {
        status: 200,
        text: '{"count": 2}\n',
      });
      assert.equal(await ws.next(), 'a[{"payload":"1","channel":"news"}]');
      assert.equal(await poll.xhr(), 'a[{"payload":"1","channel":"news"}]\n');
      assert.equal((await server.api("GET", "/users/alice/")).text, '{"online": true}\n');
      assert.deepEqual(await refusedCounts(server), {});
    } finally {
      await ws.close();
      await server.close();
    }
  });

  Deno.test(`${name}: tokens: private- channels only as granted (not private-a2, Private-a is another channel)`, async () => {
    const server = await start();
    const alice = await SockjsWs.session(server.base);
    const bob = await SockjsWs.session(server.base);
    try {
      const granted = await token({ channels: ["private-a", "news"] });
      alice.send(
        `CONNECT alice:${KEY}:${granted}`,
        "SUBSCRIBE private-a:private-a2:Private-a:private-:news",
        "SUBSCRIBE marker",
      );
      bob.send(`CONNECT bob:${KEY}:${await token({ sub: "bob" })}`, "SUBSCRIBE private-a:marker");
      await eventually(async () => {
        const text = (await server.api("GET", "/channels/marker/")).text;
        return text.includes('"alice"') && text.includes('"bob"');
      });
      const users = async (ch: string) => (await server.api("GET", `/channels/${ch}/`)).text;
      assert.equal(await users("private-a"), '{"users": ["alice"]}\n');
      assert.equal(await users("private-a2"), '{"users": []}\n');
      assert.equal(await users("private-"), '{"users": []}\n');
      assert.equal(await users("Private-a"), '{"users": ["alice"]}\n');
      assert.equal((await server.api("POST", "/channels/private-a2/", "0")).text, '{"count": 0}\n');
      assert.equal((await server.api("POST", "/channels/private-a/", "1")).text, '{"count": 1}\n');
      assert.equal(await alice.next(), 'a[{"payload":"1","channel":"private-a"}]');
      // Bob's refused SUBSCRIBE left him without it; his connection is fine.
      await server.api("POST", "/channels/marker/", "2");
      assert.equal(await bob.next(), 'a[{"payload":"2","channel":"marker"}]');
      const samples = await parsePrometheus(await server.metrics());
      assert.equal(samples["thunderpush_subscribes_refused_total"], 3);
    } finally {
      await alice.close();
      await bob.close();
      await server.close();
    }
  });

  Deno.test(`${name}: tokens: each app verifies with its own secret; a second CONNECT is ignored`, async () => {
    const server = await start();
    const other = await SockjsWs.session(server.base);
    const crossed = await SockjsWs.session(server.base);
    try {
      const own = await token({ secret: OTHER_SECRET, sub: "carol" });
      other.send(`CONNECT carol:${OTHER_KEY}:${own}`, "SUBSCRIBE news");
      // A second CONNECT, even with a valid token of another user, changes nothing.
      other.send(`CONNECT dave:${OTHER_KEY}:${await token({ secret: OTHER_SECRET, sub: "dave" })}`);
      crossed.send(`CONNECT carol:${OTHER_KEY}:${await token({ sub: "carol", secret: SECRET })}`);
      assert.equal(await crossed.next(), INVALID);
      const otherApi = async (method: string, path: string, body?: string) => {
        const res = await fetch(`${server.base}/api/1.0.0/${OTHER_KEY}${path}`, {
          method,
          body,
          headers: { "X-Thunder-Secret-Key": OTHER_SECRET },
        });
        return await res.text();
      };
      await eventually(async () => (await otherApi("GET", "/users/carol/")).includes("true"));
      assert.equal(await otherApi("POST", "/channels/news/", "3"), '{"count": 1}\n');
      assert.equal(await other.next(), 'a[{"payload":"3","channel":"news"}]');
      assert.equal(await otherApi("GET", "/users/dave/"), '{"online": false}\n');
      assert.equal((await server.api("GET", "/users/")).text, '{"count": 0}\n');
    } finally {
      await other.close();
      await crossed.close();
      await server.close();
    }
  });

  Deno.test(`${name}: tokens: a CONNECT longer than the largest frame closes with 1009`, async () => {
    const server = await start();
    const ws = await SockjsWs.session(server.base);
    try {
      ws.send(`CONNECT alice:${KEY}:${"x".repeat(70_000)}`);
      const closed = await Promise.race([
        ws.closed.then((e) => `close ${e.code}`),
        ws.next().then((frame) => frame, () => "gone"),
      ]);
      assert.match(closed, /1009|c\[1009/);
      assert.equal((await server.api("GET", "/users/")).text, '{"count": 0}\n');
    } finally {
      await ws.close();
      await server.close();
    }
  });
}
