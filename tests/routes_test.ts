/**
 * `plainPathname`, the API's way to a request's path without parsing its URL: whenever it answers,
 * it answers what the WHATWG URL parser does, for generated URLs full of the cases the parser
 * rewrites (dot segments, percent-encoded dots, backslashes, characters it escapes, hosts it
 * refuses). `ApiUrls`, which remembers what it and the route matcher found, answers the same,
 * the first time and again.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { ApiUrls, plainPathname, routeOf } from "../lib/api/routes.ts";
import { HttpError } from "../lib/http/errors.ts";

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

/** What `ApiUrls.find` must answer: `plainPathname` under `/api/` and `routeOf` of its path. */
function expectedApiUrl(text: string) {
  const path = plainPathname(text, "/api/");
  return path === undefined ? undefined : { path, route: routeOf(path) };
}

const API_URLS = [
  "http://127.0.0.1:8080/api/1.0.0/key/channels/news/?x=1",
  "http://127.0.0.1:8080/api/1.0.0/key/channels/news/",
  "http://h/api/1.0.0/k/users/",
  "http://h/api/1.0.0/k/users/a%2Fb/",
  "http://h/api/1.0.0/k/users/u/users/",
  "http://h/api/1.0.0/k/channels/a/channels/b/",
  "http://h/api/1.0.0/k/channels/%FF/", // not UTF-8: 400
  "http://h/api/1.0.0/k/nothing/", // no endpoint: 404
  "http://h/api/1.0.0/k/channels/../users/", // left to the parser
  "http://h/index.html",
];

Deno.test("ApiUrls answers what plainPathname and routeOf do, first and again", () => {
  const urls = new ApiUrls();
  for (let round = 0; round < 2; round++) {
    for (const text of API_URLS) assert.deepEqual(urls.find(text), expectedApiUrl(text), text);
  }
  fc.assert(
    fc.property(url, (text) => {
      const api = text.replace(/^([^/]*\/\/[^/]*)\//, "$1/api/1.0.0/");
      for (const candidate of [text, api, api]) {
        assert.deepEqual(urls.find(candidate), expectedApiUrl(candidate), candidate);
      }
    }),
    { numRuns: 5_000 },
  );
});

Deno.test("ApiUrls keeps only URLs that name an endpoint, short ones, up to its capacity", () => {
  const urls = new ApiUrls(3, 60);
  urls.find("http://h/api/1.0.0/k/nothing/");
  assert.ok(urls.find("http://h/api/1.0.0/k/channels/%FF/")?.route instanceof HttpError);
  urls.find("http://h/index.html");
  urls.find(`http://h/api/1.0.0/k/channels/${"x".repeat(60)}/`);
  assert.equal(urls.size, 0);
  for (let i = 0; i < 3; i++) urls.find(`http://h/api/1.0.0/k/channels/c${i}/`);
  assert.equal(urls.size, 3);
  // Full: it starts over with the next URL.
  const next = urls.find("http://h/api/1.0.0/k/users/");
  assert.deepEqual(next, { path: "/api/1.0.0/k/users/", route: { kind: "users", publicKey: "k" } });
  assert.equal(urls.size, 1);
  // What is kept is what was found.
  assert.equal(urls.find("http://h/api/1.0.0/k/users/"), next);
});
