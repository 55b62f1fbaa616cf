/**
 * `plainPathname`, the API's way to a request's path without parsing its URL: whenever it answers,
 * it answers what the WHATWG URL parser does, for generated URLs full of the cases the parser
 * rewrites (dot segments, percent-encoded dots, backslashes, characters it escapes, hosts it
 * refuses).
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { plainPathname } from "../lib/api/routes.ts";

const HOSTS = [
  "127.0.0.1:8080",
  "localhost",
  "EXAMPLE.com",
  "[::1]:80",
  "a@h",
  "h:99999",
  "a b",
  "xn--a.b",
  "1.2.3.256",
  "",
  "h:",
  "h?x",
  "h#x",
  "h\\x",
];

const PIECES = [
  "api",
  "1.0.0",
  "key",
  "users",
  "channels",
  ".",
  "..",
  "%2e",
  "%2E.",
  ".hidden",
  "a.b",
  "%2F",
  "%",
  "\\",
  " ",
  "\t",
  '"',
  "<",
  "`",
  "{",
  "é",
  "?q=1",
  "#f",
  "+",
  "~",
];

const url = fc.tuple(
  fc.constantFrom("http://", "https://", "ws://", "HTTP://"),
  fc.constantFrom(...HOSTS),
  fc.array(
    fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 4 })),
    { maxLength: 8 },
  ),
  fc.boolean(),
).map(([scheme, host, segments, slash]) =>
  scheme + host + "/" + segments.join("/") + (slash ? "/" : "")
);

function parsedPath(text: string): string | undefined {
  try {
    return new URL(text).pathname;
  } catch {
    return undefined;
  }
}

Deno.test("plainPathname answers what new URL(...).pathname does, or nothing", () => {
  fc.assert(
    fc.property(url, (text) => {
      const plain = plainPathname(text);
      if (plain !== undefined) assert.equal(plain, parsedPath(text), text);
      // With a prefix: the same answer for paths under it, none for the rest.
      const api = plainPathname(text, "/api/");
      assert.equal(api, plain?.startsWith("/api/") ? plain : undefined, text);
    }),
    { numRuns: 20_000 },
  );
});

Deno.test("plainPathname finds the paths of plain API URLs, and leaves the rest to the parser", () => {
  assert.equal(
    plainPathname("http://127.0.0.1:8080/api/1.0.0/key/channels/news/?x=1"),
    "/api/1.0.0/key/channels/news/",
  );
  assert.equal(
    plainPathname("https://[::1]:8443/api/1.0.0/k/users/a%2Fb/"),
    "/api/1.0.0/k/users/a%2Fb/",
  );
  for (
    const text of [
      "http://h/api/1.0.0/k/channels/../users/",
      "http://h/api/1.0.0/k/channels/%2e%2e/users/",
      "http://h/api\\1.0.0/k/users/",
      "http://h/api/1.0.0/k/channels/a b/",
      "http://h:99999/api/1.0.0/k/users/",
      "http://h",
      "file:///api/",
    ]
  ) {
    assert.equal(plainPathname(text), undefined, text);
  }
});
