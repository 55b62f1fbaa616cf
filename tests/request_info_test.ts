/**
 * `KeptHeaders`: the headers a session keeps, shared between sessions where they are the same.
 *
 * @module
 */

import assert from "node:assert/strict";
import { KEPT_HEADERS, KeptHeaders } from "../lib/sockjs/request_info.ts";

const browser = {
  Host: "push.example",
  "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/140",
  "Accept-Language": "fr",
  Cookie: "session=1",
  "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
};

Deno.test("KeptHeaders keeps only the kept headers, by lower-case name, frozen", () => {
  const kept = new KeptHeaders().of(new Headers(browser));
  assert.deepEqual(kept, {
    host: "push.example",
    "user-agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/140",
    "accept-language": "fr",
  });
  assert.deepEqual(Object.keys(kept), KEPT_HEADERS.filter((name) => name in kept));
  assert.ok(Object.isFrozen(kept));
  assert.throws(() => {
    (kept as Record<string, string>).host = "elsewhere";
  }, TypeError);
});

Deno.test("KeptHeaders shares one object between the same headers, and values between others", () => {
  const pool = new KeptHeaders();
  const a = pool.of(new Headers(browser));
  const b = pool.of(new Headers({ ...browser, Cookie: "session=2" }));
  assert.equal(a, b); // only what is not kept differs
  const proxied = (ip: string) => pool.of(new Headers({ ...browser, "X-Forwarded-For": ip }));
  const c = proxied("203.0.113.9");
  const d = proxied("203.0.113.10");
  assert.notEqual(c, d);
  assert.equal(c["x-forwarded-for"], "203.0.113.9");
  assert.equal(d["x-forwarded-for"], "203.0.113.10");
  assert.equal(c["user-agent"], a["user-agent"]);
  // shared() answers the value itself (that it is one copy shows in a heap snapshot only).
  assert.equal(pool.shared(["203.0.113", "1"].join(".")), "203.0.113.1");
  assert.equal(pool.shared("203.0.113.1"), "203.0.113.1");
  assert.equal(pool.size, 3);
  // Sets that differ in one header are two.
  const e = pool.of(new Headers({ Host: "h", Via: "1.1 p" }));
  const f = pool.of(new Headers({ Host: "h" }));
  assert.notEqual(e, f);
  assert.deepEqual(f, { host: "h" });
});

Deno.test("KeptHeaders starts over once full, and what sessions hold stays theirs", () => {
  const pool = new KeptHeaders(2);
  const first = pool.of(new Headers({ Host: "a" }));
  pool.of(new Headers({ Host: "b" }));
  assert.equal(pool.size, 2);
  pool.of(new Headers({ Host: "c" }));
  assert.equal(pool.size, 1);
  assert.deepEqual(first, { host: "a" });
  const again = pool.of(new Headers({ Host: "a" }));
  assert.notEqual(again, first);
  assert.deepEqual(again, first);
});
