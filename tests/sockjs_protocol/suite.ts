/**
 * SockJS protocol conformance suite for `deno test`: a TypeScript port of the assertions of
 * sockjs-protocol's `sockjs-protocol.py` (18 classes, 68 tests) plus `http-quirks.py`
 * (class HttpQuirks, 1 test), parametrized by the server's base URL.
 *
 * The server under test must serve, under the base URL:
 * - `/echo`: echo every message, streaming `response_limit` lowered to 4096 bytes;
 * - `/disabled_websocket_echo`: echo with the WebSocket transports off;
 * - `/cookie_needed_echo`: echo with JSESSIONID cookies on;
 * - `/close`: close every new session at once with `3000 "Go away!"`.
 *
 * Differences from the Python suite (audited assertion by assertion against upstream
 * `sockjs-protocol.py`, `http-quirks.py` and `utils.py`; none of them accepts anything upstream
 * refuses, except the read timeout noted below):
 * - Random session ids everywhere, so the suite can be rerun at once: no named session has to
 *   time out first. SessionURLs.test_anyValue keeps upstream's all-digit suffix (a random
 *   number, 12 digits instead of one below 1024).
 * - Waits: where the Python suite sleeps 250 ms for the server to register a receiving request
 *   that produces no output (Protocol.test_simpleSession, HandlingClose.test_abort_xhr_polling),
 *   the port waits SETTLE_MS (100 ms, see common.ts), which asks more of the server, not less.
 *   After aborting a request (HandlingClose.test_abort_*) the next request follows at once, as
 *   upstream.
 * - Reads time out after 2 s (Python: 1 s sockets for HTTP and the raw WebSocket client, no
 *   timeout for websocket-client): a margin for a loaded machine; a timeout only turns a hang
 *   into a failure. "Closed by the server" means a clean end of stream (not a reset) within
 *   100 ms, as the Python suite's `closed()`.
 * - HTTP parsing follows `utils.py`: header values are left-trimmed only; the body is chunked
 *   only for `Transfer-Encoding: chunked` exactly and close-delimited by the last `Connection`
 *   header; chunk-size lines and `Content-Length` / `Access-Control-Max-Age` must be plain
 *   integers (`int()`); `/info`'s entropy must be written as a JSON integer (not `3.0`).
 * - Stricter than upstream (kept on purpose):
 *   - Http11.test_synchronous: `assertTrue(r.http, '1.1')` (only non-empty) is ported as
 *     `r.http === "1.1"`; Http11.test_streaming: `assertTrue(transfer-encoding, 'chunked')` as
 *     `=== "chunked"`. Both are what the comments next to them say.
 *   - Websocket.test_broken_json: the next read must find the connection closed. Upstream
 *     discards the result of its first `ws.recv()` and requires the second to raise or return
 *     None; websocket-client returns "" for a close frame, so in practice a message before the
 *     close fails upstream too (it did against this server's old `c[1002,...]` frame).
 *   - Websocket.test_reuseSessionId: the Python `on_close` callback that would fail the test is
 *     ignored by websocket-client's `create_connection`; the port checks instead that neither
 *     of the two concurrent connections was closed by the server before the client closed them.
 *   - InfoTest: `websocket` and `cookie_needed` must be JSON booleans (Python's `==` and `in`
 *     also accept `1`/`0`).
 *   - Chunks must be followed by CRLF (`utils.py` drops the two bytes unchecked).
 * - Http10.test_synchronous, `Connection: close` branch: the body is read as exactly 19 bytes
 *   then the end of the stream is awaited (Python: one `recv`, which may split the body).
 * - Websocket.test_haproxy: reads exactly 16 bytes of the draft-76 challenge response (Python:
 *   the first 16 bytes of one `recv`).
 * - WebsocketHttpErrors.test_invalidConnectionHeader: the Python body check is a no-op
 *   (`assertTrue('Not a valid websocket request', r.body)`) and is not ported; only the 400.
 * - Every response is closed and every WebSocket close handshake awaited (the Python suite
 *   leaves some streaming responses to the garbage collector).
 * - `verify_no_cookie`, `verify_not_cached` and the like treat an empty header as absent, like
 *   Python's truthiness of `r['header']`.
 *
 * Kept as in the Python suite (worth knowing for a new server):
 * - On a chunked streaming response `read()` returns exactly one HTTP chunk, and the tests
 *   compare it with one frame: the prelude and every frame must be written as separate chunks
 *   (Http11.test_streaming checks this on purpose).
 * - Websocket.test_haproxy needs a Hixie-76 (draft-76) handshake on `/*\/*\/websocket`; a
 *   server without draft-76 support has to skip it (`opts.skip`).
 *
 * Against the reference server (npm sockjs 0.3.24 under Node, tests/fixtures/
 * sockjs_reference_server.cjs) every test passes, none is skipped (faye-websocket, used by
 * sockjs-node, speaks draft-76, so test_haproxy runs too).
 *
 * @module
 */

import { makeContext, type TestClass } from "./common.ts";
import { BaseUrlGreeting, IframePage, InfoTest } from "./static_tests.ts";
import {
  JsessionidCookie,
  JSONEncoding,
  JsonPolling,
  Protocol,
  SessionURLs,
  XhrPolling,
} from "./polling_tests.ts";
import { RawWebsocket, Websocket, WebsocketHttpErrors } from "./websocket_tests.ts";
import { EventSource, HandlingClose, HtmlFile, XhrStreaming } from "./streaming_tests.ts";
import { Http10, Http11, HttpQuirks } from "./http_tests.ts";

/** The test classes, in the order of `sockjs-protocol.py`, then `http-quirks.py`. */
export const SOCKJS_PROTOCOL_CLASSES: readonly TestClass[] = [
  BaseUrlGreeting,
  IframePage,
  InfoTest,
  SessionURLs,
  Protocol,
  WebsocketHttpErrors,
  Websocket,
  XhrPolling,
  XhrStreaming,
  EventSource,
  HtmlFile,
  JsonPolling,
  JsessionidCookie,
  RawWebsocket,
  JSONEncoding,
  HandlingClose,
  Http10,
  Http11,
  HttpQuirks,
];

/** Options of {@linkcode defineSockjsProtocolSuite}. */
export interface SockjsProtocolSuiteOptions {
  /**
   * The server root, e.g. `http://127.0.0.1:8081` (no trailing slash); called when each test
   * class starts, so it may depend on a server started by an earlier test.
   */
  baseUrl: () => string;
  /** Tests to skip: `"Class.test_name"` → reason (printed as `SKIP Class.test_name: reason`). */
  skip?: Record<string, string>;
}

/**
 * Registers the SockJS protocol suite: one `Deno.test` per class, named `${name}: Class`, with
 * one step per test method, named like the Python method (e.g. `test_transport`).
 *
 * @param name prefix of the test names, e.g. the server's name
 * @param opts base URL and skips
 */
export function defineSockjsProtocolSuite(name: string, opts: SockjsProtocolSuiteOptions): void {
  const skip = opts.skip ?? {};
  const known = new Set(
    SOCKJS_PROTOCOL_CLASSES.flatMap((c) => Object.keys(c.tests).map((t) => `${c.name}.${t}`)),
  );
  for (const key of Object.keys(skip)) {
    if (!known.has(key)) throw new Error(`defineSockjsProtocolSuite: unknown test in skip: ${key}`);
  }

  for (const cls of SOCKJS_PROTOCOL_CLASSES) {
    Deno.test(`${name}: ${cls.name}`, async (t) => {
      const ctx = makeContext(opts.baseUrl());
      for (const [testName, fn] of Object.entries(cls.tests)) {
        const reason = skip[`${cls.name}.${testName}`];
        if (reason !== undefined) {
          // deno-lint-ignore no-console
          console.log(`SKIP ${cls.name}.${testName}: ${reason}`);
          await t.step({ name: testName, ignore: true, fn: () => {} });
          continue;
        }
        await t.step(testName, () => fn(ctx));
      }
    });
  }
}
