/**
 * Adversarial: malformed `Host` headers and request targets, written byte for byte over raw TCP
 * to the CLI on Deno and to the npm build on Node, on the main port and on `--metrics-port`.
 * Routing must follow the request target and nothing else: a `Host` that is no host gets a 400
 * with a JSON body (it used to give a 500 and an ERROR line, or route `GET /connect/info` as
 * `/metrics`), a target with dot segments a 404 (it used to be resolved: `/connect/../metrics`
 * was `/metrics`); nothing may reach the error log, and the server answers as before afterwards.
 *
 * @module
 */

import assert from "node:assert/strict";
import { KEY, RUNTIMES, SECRET, startCli } from "../helpers/target.ts";
import { ensureNpmBuild } from "../helpers/node_target.ts";
import { Hub } from "../../lib/hub/hub.ts";
import { createApiHandler } from "../../lib/api/handler.ts";
import { SockjsServer } from "../../lib/sockjs/server.ts";
import type { HttpError } from "../../lib/http/errors.ts";
import { isValidHost, targetPath, targetUrl } from "../../lib/http/request_url.ts";

/** A response as read off the socket. */
interface RawResponse {
  readonly status: number;
  readonly body: string;
}

/** Writes `request` (each char one byte) to a fresh connection and reads until it closes. */
async function raw(port: number, request: string): Promise<RawResponse> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const timer = setTimeout(() => conn.close(), 5_000);
  let text = "";
  try {
    await conn.write(Uint8Array.from(request, (ch) => ch.charCodeAt(0)));
    const decoder = new TextDecoder();
    for await (const chunk of conn.readable) text += decoder.decode(chunk, { stream: true });
  } catch { /* closed by the timer, or reset by the server: what was read counts */ }
  clearTimeout(timer);
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);
  const head = text.indexOf("\r\n\r\n");
  return { status, body: head < 0 ? "" : text.slice(head + 4) };
}

/** A GET (or `method`) of `target` with these header lines, closing the connection after. */
function request(target: string, headers: string[], method = "GET"): string {
  return `${method} ${target} HTTP/1.1\r\n${
    [...headers, "Connection: close"].join("\r\n")
  }\r\n\r\n`;
}

/** The JSON answer of a malformed request. */
function badRequest(message: string): string {
  return JSON.stringify({ message, status: 400 }).replace(/,/g, ", ").replace(/":/g, '": ') + "\n";
}

const BAD_HOST = badRequest("Invalid Host header.");
const BAD_TARGET = badRequest("Invalid request target.");
const NOT_FOUND = '{"message": "Not found.", "status": 404}\n';
const SECRET_HEADER = `X-Thunder-Secret-Key: ${SECRET}`;
const WEBSOCKET_HEADERS = [
  "Upgrade: websocket",
  "Connection: Upgrade",
  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
  "Sec-WebSocket-Version: 13",
];

/** `Host` values that are not a host and an optional port. */
const BAD_HOSTS = [
  "a b",
  "[::1",
  "x:99999",
  "%00",
  "x/metrics?",
  `x/api/1.0.0/${KEY}/users/?`,
  "x?",
  "x#",
  "u@x",
  "x\\y",
  "h\xe9", // a Latin-1 byte
  "a, b", // two Host headers, joined
  "x".repeat(8_000) + "/",
];

/** `Host` values that are fine. */
const GOOD_HOSTS = ["", "[::1]:8080", "example.com:65535", "x.", "127.0.0.1", "x".repeat(8_000)];

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

for (const runtime of RUNTIMES) {
  Deno.test(`request targets (${runtime}): bad Host and dot segments get 400, routing follows the target`, async () => {
    if (runtime === "node") await ensureNpmBuild();
    const metricsPort = freePort();
    const server = await startCli(runtime, ["--metrics-port", String(metricsPort), KEY, SECRET]);
    const main = server.port;
    const check = async (port: number, req: string, status: number, body?: string) => {
      const res = await raw(port, req);
      const what = `${port === main ? "main" : "metrics"} port: ${
        JSON.stringify(req.slice(0, 120))
      }`;
      assert.equal(res.status, status, `${what} -> ${res.status} ${res.body.slice(0, 100)}`);
      if (body !== undefined) assert.equal(res.body, body, what);
    };
    try {
      for (const host of BAD_HOSTS) {
        for (const port of [main, metricsPort]) {
          await check(port, request("/connect/info", [`Host: ${host}`]), 400, BAD_HOST);
          await check(port, request("/healthz", [`Host: ${host}`]), 400, BAD_HOST);
          await check(port, request("/metrics", [`Host: ${host}`]), 400, BAD_HOST);
        }
        await check(
          main,
          request(`/api/1.0.0/${KEY}/users/`, [`Host: ${host}`, SECRET_HEADER]),
          400,
          BAD_HOST,
        );
        await check(
          main,
          request("/connect/websocket", [`Host: ${host}`, ...WEBSOCKET_HEADERS]),
          400,
          BAD_HOST,
        );
      }
      for (const host of GOOD_HOSTS) {
        await check(main, request("/healthz", [`Host: ${host}`]), 200);
        await check(metricsPort, request("/healthz", [`Host: ${host}`]), 200);
      }
      // Paths with dot segments, plain or percent-encoded, name nothing: not resolved, and 404
      // as the SockJS protocol asks under its prefix.
      for (
        const target of [
          "/connect/../metrics",
          "/connect/%2e%2e/metrics",
          "/connect/.%2E/metrics",
          "/connect/./info",
          "/connect/..",
          `/api/1.0.0/${KEY}/channels/../`,
          "/connect/../metrics?x=1",
          "/healthz/../metrics",
          "/connect/000/./xhr",
        ]
      ) {
        await check(main, request(target, ["Host: x"]), 404, NOT_FOUND);
        await check(metricsPort, request(target, ["Host: x"]), 404, NOT_FOUND);
      }
      // Dots inside a segment, dots in the query and encoded slashes are plain characters.
      await check(
        main,
        request(`/api/1.0.0/${KEY}/channels/a..b/`, ["Host: x", SECRET_HEADER]),
        200,
      );
      await check(main, request("/healthz?to=/../metrics", ["Host: x"]), 200);
      await check(main, request("/connect%2Finfo", ["Host: x"]), 404);
      await check(
        metricsPort,
        request("/healthz%2F..%2F..%2Fmetrics", ["Host: x"]),
        404,
        NOT_FOUND,
      );
      // Absolute-form targets route on their own path; the Host header does not count.
      await check(metricsPort, request("http://evil/metrics", ["Host: x"]), 200);
      await check(main, request("http://evil/metrics", ["Host: x"]), 404, NOT_FOUND);
      await check(main, request("http://evil/connect/info", ["Host: x/metrics?"]), 400, BAD_HOST);
      await check(main, request("http://evil:99999/healthz", ["Host: x"]), 400, BAD_TARGET);
      // `*` is no path: Deno.serve itself refuses `GET *` (400, no body) and reads `OPTIONS *`
      // as `/*`; behind node:http (the Node build, or `--server node`) the handler refuses both.
      const nodeHttp = runtime !== "deno";
      await check(main, request("*", ["Host: x"]), 400, nodeHttp ? BAD_TARGET : "");
      await check(
        main,
        request("*", ["Host: x"], "OPTIONS"),
        nodeHttp ? 400 : 404,
        nodeHttp ? BAD_TARGET : NOT_FOUND,
      );
      // Long targets and headers: up to the runtime's limit an answer, past it the runtime's
      // refusal (Deno 400, Node 431), never a 500.
      await check(main, request("/" + "a".repeat(8_000), ["Host: x"]), 404, NOT_FOUND);
      await check(metricsPort, request("/" + "a".repeat(8_000), ["Host: x"]), 404, NOT_FOUND);
      for (const port of [main, metricsPort]) {
        for (
          const req of [
            request("/" + "a".repeat(100_000), ["Host: x"]),
            request("/healthz", ["Host: x", "X-Long: " + "a".repeat(100_000)]),
            request("/healthz", [
              "Host: x",
              ...Array.from({ length: 4_000 }, (_, i) => `X-${i}: 1`),
            ]),
          ]
        ) {
          const res = await raw(port, req);
          assert.ok([400, 414, 431].includes(res.status), `long request -> ${res.status}`);
        }
      }
      // Still serving, and nothing in the error log.
      await check(main, request("/connect/info", ["Host: x"]), 200);
      await check(metricsPort, request("/metrics", ["Host: x"]), 200);
      assert.doesNotMatch(server.stderr(), /ERROR|"level":"error"/);
    } finally {
      await server.stop();
      await Deno.remove(server.pidPath).catch(() => {});
    }
  });
}

Deno.test("the library handlers refuse a Host that is no host and a path with dot segments", async () => {
  const hub = new Hub([{ publicKey: KEY, secret: SECRET }]);
  const api = createApiHandler(hub);
  const sockjs = new SockjsServer({ prefix: "/connect" });
  const spoofed = () =>
    new Request("http://x/connect/info", {
      headers: { Host: `x/api/1.0.0/${KEY}/users/?`, "X-Thunder-Secret-Key": SECRET },
    });
  const apiAnswer = await api(spoofed());
  assert.equal(apiAnswer.status, 400);
  assert.equal(await apiAnswer.text(), BAD_HOST);
  const sockjsAnswer = await sockjs.handle(spoofed())!;
  assert.equal(sockjsAnswer.status, 400);
  assert.equal(await sockjsAnswer.text(), "Invalid Host header.");
  // What a runtime hands over as it was sent (`new Request` would resolve the dot segment).
  assert.equal((targetUrl("http://x/connect/%2E./metrics") as HttpError).status, 404);
  assert.equal((targetUrl("http://x:99999/") as HttpError).status, 400);
  assert.equal((targetUrl("*") as HttpError).status, 400);
  assert.equal((targetUrl("http://x/a..b/.c/?q=/../") as URL).pathname, "/a..b/.c/");
  for (const host of BAD_HOSTS) assert.equal(isValidHost(host), false, host);
  for (const host of GOOD_HOSTS) assert.equal(isValidHost(host), true, host);
});

Deno.test("targetPath reads what targetUrl parses, for every URL, twice in a row", () => {
  // Hosts the URL parser refuses after a valid one (the path is read from the string only after
  // the same scheme and host parsed), paths it would change (encoding, backslashes, dot segments).
  const prefixes = [
    "http://h",
    "http://h:8080",
    "http://1.2.3.999",
    "https://[::1]",
    "http://x:99999",
  ];
  const pieces = [
    "/",
    "\\",
    ".",
    "..",
    "%2e",
    "%2E",
    "?",
    "#",
    "a",
    "%ff",
    " ",
    '"',
    "é",
    "{",
    "'",
    "~",
  ];
  const whatTargetUrl = (url: string) => {
    const parsed = targetUrl(url);
    return parsed instanceof URL ? parsed.pathname : parsed.status;
  };
  const whatTargetPath = (url: string) => {
    const path = targetPath(url);
    return typeof path === "string" ? path : path.status;
  };
  let seed = 7; // xorshift32: the same URLs every run
  const next = (n: number) => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
  for (let i = 0; i < 20_000; i++) {
    let path = "/api";
    for (let j = next(6); j >= 0; j--) path += pieces[next(pieces.length)];
    for (const url of [prefixes[next(prefixes.length)] + path, "*", "http://h"]) {
      assert.equal(whatTargetPath(url), whatTargetUrl(url), url);
      assert.equal(whatTargetPath(url), whatTargetUrl(url), url);
    }
  }
  assert.equal(targetPath("http://h/api/1.0.0/k/channels/x/"), "/api/1.0.0/k/channels/x/");
});
