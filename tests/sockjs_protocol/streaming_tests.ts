/**
 * Streaming transports and session closing (classes XhrStreaming, EventSource, HtmlFile,
 * HandlingClose).
 *
 * @module
 */

import assert from "node:assert/strict";
import { GET, GET_async, POST, POST_async, sendOnly, sleep } from "./http.ts";
import {
  pyStrip,
  sessionUrl,
  SETTLE_MS,
  type TestClass,
  verifyContentType,
  verifyCors,
  verifyNotCached,
  verifyOptions,
} from "./common.ts";

/** xhr-streaming: `/*\/*\/xhr_streaming`. */
export const XhrStreaming: TestClass = {
  name: "XhrStreaming",
  tests: {
    async test_options(ctx) {
      await verifyOptions(ctx.baseUrl + "/abc/abc/xhr_streaming", "OPTIONS, POST");
    },

    async test_transport(ctx) {
      const url = sessionUrl(ctx.baseUrl);
      await using r = await POST_async(url + "/xhr_streaming", { headers: { Origin: "test" } });
      assert.equal(r.status, 200);
      verifyContentType(r, "application/javascript;charset=UTF-8");
      verifyCors(r, "test");
      // iOS 6 caches POSTs.
      verifyNotCached(r);

      // A 2 KiB prelude of `h` first.
      assert.equal(await r.read(), "h".repeat(2048) + "\n");
      assert.equal(await r.read(), "o\n");

      const r1 = await POST(url + "/xhr_send", { body: '["x"]' });
      assert.equal(r1.status, 204);
      assert.equal(r1.body, "");

      assert.equal(await r.read(), 'a["x"]\n');
    },

    // The test server closes a streaming response after 4096 bytes of frames (default 128 KiB)
    // so that the browser can garbage-collect the response.
    async test_response_limit(ctx) {
      const url = sessionUrl(ctx.baseUrl);
      await using r = await POST_async(url + "/xhr_streaming");
      assert.equal(r.status, 200);
      assert.ok(await r.read(), "prelude expected");
      assert.equal(await r.read(), "o\n");

      const msg = '"' + "x".repeat(128) + '"';
      for (let i = 0; i < 31; i++) {
        const r1 = await POST(url + "/xhr_send", { body: "[" + msg + "]" });
        assert.equal(r1.status, 204);
        assert.equal(await r.read(), "a[" + msg + "]\n", `message ${i}`);
      }
      // Enough data delivered: the response ends.
      assert.equal(await r.read(), "");
    },
  },
};

/** EventSource: `/*\/*\/eventsource` (beware leading spaces). */
export const EventSource: TestClass = {
  name: "EventSource",
  tests: {
    async test_transport(ctx) {
      const url = sessionUrl(ctx.baseUrl);
      await using r = await GET_async(url + "/eventsource");
      assert.equal(r.status, 200);
      verifyContentType(r, "text/event-stream");
      // Requested with GET: must not be cached.
      verifyNotCached(r);

      // A new line prelude (an old Opera bug).
      assert.equal(await r.read(), "\r\n");
      assert.equal(await r.read(), "data: o\r\n\r\n");

      let r1 = await POST(url + "/xhr_send", { body: '["x"]' });
      assert.equal(r1.body, "");
      assert.equal(r1.status, 204);
      assert.equal(await r.read(), 'data: a["x"]\r\n\r\n');

      // Everything is JSON-encoded, so no raw CR, LF or NUL can reach the event stream.
      r1 = await POST(url + "/xhr_send", { body: String.raw`["  \u0000\n\r "]` });
      assert.equal(r1.body, "");
      assert.equal(r1.status, 204);
      assert.equal(await r.read(), String.raw`data: a["  \u0000\n\r "]` + "\r\n\r\n");
    },

    async test_response_limit(ctx) {
      const url = sessionUrl(ctx.baseUrl);
      await using r = await GET_async(url + "/eventsource");
      assert.equal(r.status, 200);
      assert.ok(await r.read(), "prelude expected");
      assert.equal(await r.read(), "data: o\r\n\r\n");

      // One message over the 4096-byte limit.
      const msg = '"' + "x".repeat(4096) + '"';
      const r1 = await POST(url + "/xhr_send", { body: "[" + msg + "]" });
      assert.equal(r1.status, 204);
      assert.equal(await r.read(), "data: a[" + msg + "]\r\n\r\n");
      assert.equal(await r.read(), "");
    },
  },
};

const HTMLFILE_HEAD = [
  "<!doctype html>",
  "<html><head>",
  '  <meta http-equiv="X-UA-Compatible" content="IE=edge" />',
  '  <meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />',
  "</head><body><h2>Don't panic!</h2>",
  "  <script>",
  "    document.domain = document.domain;",
  "    var c = parent.%s;",
  "    c.start();",
  "    function p(d) {c.message(d);};",
  "    window.onload = function() {c.stop();};",
  "  </script>",
].join("\n");

/** htmlfile (IE `document.domain` trick): `/*\/*\/htmlfile`. */
export const HtmlFile: TestClass = {
  name: "HtmlFile",
  tests: {
    async test_transport(ctx) {
      const url = sessionUrl(ctx.baseUrl);
      await using r = await GET_async(url + "/htmlfile?c=%63allback");
      assert.equal(r.status, 200);
      verifyContentType(r, "text/html;charset=UTF-8");
      // Requested with GET: must not be cached.
      verifyNotCached(r);

      const d = await r.read();
      assert.equal(pyStrip(d), HTMLFILE_HEAD.replace("%s", "callback"));
      assert.ok(d.length > 1024, `htmlfile prelude must exceed 1024 bytes, got ${d.length}`);
      assert.equal(await r.read(), '<script>\np("o");\n</script>\r\n');

      const r1 = await POST(url + "/xhr_send", { body: '["x"]' });
      assert.equal(r1.body, "");
      assert.equal(r1.status, 204);
      assert.equal(await r.read(), '<script>\np("a[\\"x\\"]");\n</script>\r\n');
    },

    async test_no_callback(ctx) {
      const r = await GET(ctx.baseUrl + "/a/a/htmlfile");
      assert.equal(r.status, 500);
      assert.ok(r.body.includes('"callback" parameter required'), `body: ${r.body}`);
    },

    // Callbacks matching `[^a-zA-Z0-9-_.]` are refused with a 500.
    async test_invalid_callback(ctx) {
      for (const callback of ["%20", "*", "abc(", "abc%28"]) {
        const r = await GET(ctx.baseUrl + "/a/a/htmlfile?c=" + callback);
        assert.equal(r.status, 500, `callback ${callback}`);
        assert.ok(r.body.includes('invalid "callback" parameter'), `body: ${r.body}`);
      }
    },

    async test_response_limit(ctx) {
      const url = sessionUrl(ctx.baseUrl);
      await using r = await GET_async(url + "/htmlfile?c=callback");
      assert.equal(r.status, 200);
      assert.ok(await r.read(), "prelude expected");
      assert.equal(await r.read(), '<script>\np("o");\n</script>\r\n');

      const msg = "x".repeat(4096);
      const r1 = await POST(url + "/xhr_send", { body: '["' + msg + '"]' });
      assert.equal(r1.status, 204);
      assert.equal(await r.read(), '<script>\np("a[\\"' + msg + '\\"]");\n</script>\r\n');
      assert.equal(await r.read(), "");
    },
  },
};

const ANOTHER_CONNECTION = 'c[2010,"Another connection still open"]\n';

/** Session closing: close frames, concurrent and aborted requests. */
export const HandlingClose: TestClass = {
  name: "HandlingClose",
  tests: {
    // A closing session unlinks its request: a new request gets the application close frame,
    // not "Another connection still open".
    async test_close_frame(ctx) {
      const url = sessionUrl(ctx.closeBaseUrl);
      await using r1 = await POST_async(url + "/xhr_streaming");
      await r1.read(); // prelude
      assert.equal(await r1.read(), "o\n");
      assert.equal(await r1.read(), 'c[3000,"Go away!"]\n');

      await using r2 = await POST_async(url + "/xhr_streaming");
      await r2.read(); // prelude
      assert.equal(await r2.read(), 'c[3000,"Go away!"]\n');

      // Streaming responses end after a close frame.
      assert.equal(await r1.read(), "");
      assert.equal(await r2.read(), "");
    },

    async test_close_request(ctx) {
      const url = sessionUrl(ctx.baseUrl);
      await using r1 = await POST_async(url + "/xhr_streaming");
      await r1.read(); // prelude
      assert.equal(await r1.read(), "o\n");

      await using r2 = await POST_async(url + "/xhr_streaming");
      await r2.read(); // prelude
      assert.equal(await r2.read(), ANOTHER_CONNECTION);
      assert.equal(await r2.read(), "");
    },

    // A receiving request broken by the network (not by the server) closes the session: the
    // next request opens a new session (`o`) or gets `c[1002,"Connection interrupted"]`.
    async test_abort_xhr_streaming(ctx) {
      const url = sessionUrl(ctx.baseUrl);
      const r1 = await POST_async(url + "/xhr_streaming");
      try {
        await r1.read(); // prelude
        assert.equal(await r1.read(), "o\n");

        await using r2 = await POST_async(url + "/xhr_streaming");
        await r2.read(); // prelude
        assert.equal(await r2.read(), ANOTHER_CONNECTION);
        assert.equal(await r2.read(), "");
      } finally {
        await r1.close();
      }
      // No wait, as upstream: the server must have noticed the abort by the time the next
      // request arrives.
      await using r3 = await POST_async(url + "/xhr_streaming");
      await r3.read(); // prelude
      const frame = await r3.read();
      assert.ok(
        ["o\n", 'c[1002,"Connection interrupted"]\n'].includes(frame),
        `unexpected frame ${JSON.stringify(frame)}`,
      );
    },

    // The same for xhr-polling.
    async test_abort_xhr_polling(ctx) {
      const url = sessionUrl(ctx.baseUrl);
      const r0 = await POST(url + "/xhr");
      assert.equal(r0.body, "o\n");

      const r1 = await sendOnly("POST", url + "/xhr");
      try {
        await sleep(SETTLE_MS);
        // No second receiving request now.
        const r2 = await POST(url + "/xhr");
        assert.equal(r2.body, ANOTHER_CONNECTION);
      } finally {
        await r1.close();
      }
      // No wait here either (see test_abort_xhr_streaming).
      const r3 = await POST(url + "/xhr");
      assert.ok(
        ["o\n", 'c[1002,"Connection interrupted"]\n'].includes(r3.body),
        `unexpected body ${JSON.stringify(r3.body)}`,
      );
    },
  },
};
