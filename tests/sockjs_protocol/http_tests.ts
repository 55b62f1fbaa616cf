/**
 * HTTP/1.0 and HTTP/1.1 framing sanity (classes Http10, Http11) and the http-quirks test
 * (class HttpQuirks, from the suite's `http-quirks.py`).
 *
 * @module
 */

import assert from "node:assert/strict";
import { decodeUtf8, POST, pyInt, RawHttpConnection } from "./http.ts";
import { sessionUrl, type TestClass } from "./common.ts";

const WELCOME = "Welcome to SockJS!\n";

/** HTTP/1.0 requests: no chunking; `Content-Length` or `Connection: close`. */
export const Http10: TestClass = {
  name: "Http10",
  tests: {
    // The greeting: the simplest static response.
    async test_synchronous(ctx) {
      await using c = await RawHttpConnection.open(ctx.baseUrl);
      // `Connection: Keep-Alive` is not HTTP/1.0 but HTTP/1.0 clients do send it.
      let r = await c.request("GET", ctx.baseUrl, {
        http: "1.0",
        headers: { Connection: "Keep-Alive" },
      });
      assert.equal(r.status, 200);
      // Servers may answer 1.0 or 1.1.
      assert.ok(["1.0", "1.1"].includes(r.http), `HTTP version ${r.http}`);
      // No Transfer-Encoding in HTTP/1.0.
      assert.ok(!r.headers.get("transfer-encoding"), "Transfer-Encoding in an HTTP/1.0 response");

      // Either Content-Length (maybe with keep-alive) or Connection: close.
      const contentLength = r.headers.get("content-length");
      if (!contentLength) {
        assert.equal(r.headers.get("connection")?.toLowerCase(), "close");
        // The body, then the end of the connection (the Python suite reads one packet).
        assert.equal(decodeUtf8(await c.readExact(19)), WELCOME);
        assert.ok(await c.isClosedByPeer());
      } else {
        assert.equal(pyInt(contentLength), 19);
        assert.equal(decodeUtf8(await c.readExact(19)), WELCOME);
        const connection = (r.headers.get("connection") ?? "").toLowerCase();
        if (connection === "close" || connection === "") {
          // Closing is the default in HTTP/1.0.
          assert.ok(await c.isClosedByPeer());
        } else {
          assert.equal(connection, "keep-alive");
          // A second request on the same connection.
          r = await c.request("GET", ctx.baseUrl, {
            http: "1.0",
            headers: { Connection: "Keep-Alive" },
          });
          assert.equal(r.status, 200);
        }
      }
    },

    // A streaming response to HTTP/1.0 is delimited by closing the connection.
    async test_streaming(ctx) {
      const url = sessionUrl(ctx.closeBaseUrl);
      await using c = await RawHttpConnection.open(url);
      const r = await c.request("POST", url + "/xhr_streaming", {
        http: "1.0",
        headers: { Connection: "Keep-Alive" },
      });
      assert.equal(r.status, 200);
      // No Transfer-Encoding in HTTP/1.0; no Content-Length as the length is unknown.
      assert.ok(!r.headers.get("transfer-encoding"), "Transfer-Encoding in an HTTP/1.0 response");
      assert.ok(!r.headers.get("content-length"), "Content-Length on a streaming response");
      // `Connection` may be absent, `close` or even `Keep-Alive`: not checked.

      // As in HandlingClose.test_close_frame.
      assert.equal(decodeUtf8(await c.readExact(2048 + 1))[0], "h"); // prelude
      assert.equal(decodeUtf8(await c.readExact(2)), "o\n");
      assert.equal(decodeUtf8(await c.readExact(19)), 'c[3000,"Go away!"]\n');
      assert.ok(await c.isClosedByPeer());
    },
  },
};

/** HTTP/1.1 requests: keep-alive; `Content-Length` or chunked; streaming is chunked. */
export const Http11: TestClass = {
  name: "Http11",
  tests: {
    async test_synchronous(ctx) {
      await using c = await RawHttpConnection.open(ctx.baseUrl);
      let r = await c.request("GET", ctx.baseUrl, {
        http: "1.1",
        headers: { Connection: "Keep-Alive" },
      });
      // Keep-alive is the default in HTTP/1.1. (The Python suite only checks that the version
      // is non-empty: `assertTrue(r.http, '1.1')`; the intent is 1.1.)
      assert.equal(r.http, "1.1");
      assert.ok(
        ["keep-alive", ""].includes((r.headers.get("connection") ?? "").toLowerCase()),
        "Your server doesn't support connection:Keep-Alive",
      );
      // Content-Length or chunked.
      const contentLength = r.headers.get("content-length");
      if (contentLength) {
        assert.equal(pyInt(contentLength), 19);
        assert.equal(decodeUtf8(await c.readExact(19)), WELCOME);
        assert.ok(!r.headers.get("transfer-encoding"), "both Content-Length and chunked");
      } else {
        assert.equal(r.headers.get("transfer-encoding")?.toLowerCase(), "chunked");
        assert.equal(decodeUtf8(await c.readChunk()), WELCOME);
        assert.equal(decodeUtf8(await c.readChunk()), "");
      }
      // A second request on the same connection.
      r = await c.request("GET", ctx.baseUrl, {
        http: "1.1",
        headers: { Connection: "Keep-Alive" },
      });
      assert.equal(r.status, 200);
    },

    async test_streaming(ctx) {
      const url = sessionUrl(ctx.closeBaseUrl);
      await using c = await RawHttpConnection.open(url);
      const r = await c.request("POST", url + "/xhr_streaming", {
        http: "1.1",
        headers: { Connection: "Keep-Alive" },
      });
      assert.equal(r.status, 200);
      // Chunked is required. (The Python suite only checks that the header is non-empty.)
      assert.equal(r.headers.get("transfer-encoding")?.toLowerCase(), "chunked");
      assert.ok(!r.headers.get("content-length"), "Content-Length on a streaming response");
      // `Connection` may be anything.

      // As in HandlingClose.test_close_frame, one frame per chunk.
      assert.equal(decodeUtf8(await c.readChunk())[0], "h"); // prelude
      assert.equal(decodeUtf8(await c.readChunk()), "o\n");
      assert.equal(decodeUtf8(await c.readChunk()), 'c[3000,"Go away!"]\n');
      assert.equal(decodeUtf8(await c.readChunk()), "");
    },
  },
};

/** HTTP quirks (`http-quirks.py`): clients that bend HTTP must not break the server. */
export const HttpQuirks: TestClass = {
  name: "HttpQuirks",
  tests: {
    // A POST without Content-Length (and without a body) is a valid empty request.
    async test_emptyContentLengthForPost(ctx) {
      const transUrl = sessionUrl(ctx.baseUrl);
      const r = await POST(transUrl + "/xhr", { omitContentLength: true });
      assert.equal(r.body, "o\n");
      assert.equal(r.status, 200);
    },
  },
};
