/**
 * WebSocket transports (classes WebsocketHttpErrors, Websocket, RawWebsocket).
 *
 * @module
 */

import assert from "node:assert/strict";
import { GET, GET_async, POST, RawHttpConnection } from "./http.ts";
import { requireHeader, sessionUrl, type TestClass, verify405, wsUrl } from "./common.ts";
import { WsClient, WsClosedError } from "./ws.ts";

/** Plain HTTP requests to a WebSocket URL are refused. */
export const WebsocketHttpErrors: TestClass = {
  name: "WebsocketHttpErrors",
  tests: {
    async test_httpMethod(ctx) {
      const r = await GET(ctx.baseUrl + "/0/0/websocket");
      assert.equal(r.status, 400);
    },

    // Proxies may rewrite `Connection`; without `Upgrade` in it the request is refused.
    async test_invalidConnectionHeader(ctx) {
      const r = await GET(ctx.baseUrl + "/0/0/websocket", {
        headers: { "Upgrade": "WebSocket", "Connection": "close" },
      });
      assert.equal(r.status, 400);
      // The Python suite's body check here is a no-op (`assertTrue(<str>, body)`): not ported.
    },

    // Only GET is allowed.
    async test_invalidMethod(ctx) {
      const variants: Record<string, string>[] = [{
        "Upgrade": "WebSocket",
        "Connection": "Upgrade",
      }, {}];
      for (const h of variants) {
        verify405(await POST(ctx.baseUrl + "/0/0/websocket", { headers: h }));
      }
    },
  },
};

/** The SockJS-framed WebSocket transport `/*\/*\/websocket` (RFC 6455). */
export const Websocket: TestClass = {
  name: "Websocket",
  tests: {
    async test_transport(ctx) {
      await using ws = await WsClient.connect(wsUrl(sessionUrl(ctx.baseUrl) + "/websocket"));
      assert.equal(await ws.recv(), "o");
      ws.send('["a"]');
      assert.equal(await ws.recv(), 'a["a"]');
    },

    async test_close(ctx) {
      await using ws = await WsClient.connect(wsUrl(sessionUrl(ctx.closeBaseUrl) + "/websocket"));
      assert.equal(await ws.recv(), "o");
      assert.equal(await ws.recv(), 'c[3000,"Go away!"]');
      // The server closes the connection after the close frame.
      await ws.expectClosed();
    },

    // RFC 6455 handshake answer, checked byte-exactly on a raw connection.
    async test_headersSanity(ctx) {
      for (const version of ["13"]) {
        const httpUrl = sessionUrl(ctx.baseUrl) + "/websocket";
        await using r = await GET_async(httpUrl, {
          headers: {
            "Upgrade": "websocket",
            "Connection": "Upgrade",
            "Sec-WebSocket-Version": version,
            "Sec-WebSocket-Origin": "http://asd",
            "Sec-WebSocket-Key": "x3JJHMbDL1EzLkh9GBhXDw==",
          },
        });
        assert.equal(r.status, 101);
        assert.equal(r.headers.get("sec-websocket-accept"), "HSmrc0sMlYUkAGmm5OPpG2HaGWk=");
        assert.equal(requireHeader(r, "connection").toLowerCase(), "upgrade");
        assert.equal(requireHeader(r, "upgrade").toLowerCase(), "websocket");
        assert.ok(!r.headers.get("content-length"), "101 must not have Content-Length");
      }
    },

    // Empty messages and empty arrays are ignored.
    async test_empty_frame(ctx) {
      await using ws = await WsClient.connect(wsUrl(sessionUrl(ctx.baseUrl) + "/websocket"));
      assert.equal(await ws.recv(), "o");
      ws.send("");
      ws.send("[]");
      ws.send('["a"]');
      assert.equal(await ws.recv(), 'a["a"]');
    },

    // A WebSocket session lives as long as its connection: session ids may be shared and reused.
    async test_reuseSessionId(ctx) {
      const url = wsUrl(sessionUrl(ctx.baseUrl) + "/websocket");
      {
        await using ws1 = await WsClient.connect(url);
        assert.equal(await ws1.recv(), "o");
        await using ws2 = await WsClient.connect(url);
        assert.equal(await ws2.recv(), "o");

        ws1.send('["a"]');
        assert.equal(await ws1.recv(), 'a["a"]');
        ws2.send('["b"]');
        assert.equal(await ws2.recv(), 'a["b"]');

        // Neither connection may have been closed by the server.
        assert.equal(ws1.closeInfo, undefined, "first connection closed by the server");
        assert.equal(ws2.closeInfo, undefined, "second connection closed by the server");
        await ws1.close();
        await ws2.close();
      }

      // The same session id again after closing.
      await using ws = await WsClient.connect(url);
      assert.equal(await ws.recv(), "o");
      ws.send('["a"]');
      assert.equal(await ws.recv(), 'a["a"]');
    },

    // Hixie-76 (draft-76) handshake as HAProxy relays it: the server must write the response
    // headers *before* it receives the 8-byte key3 nonce, then answer the nonce.
    async test_haproxy(ctx) {
      const httpUrl = sessionUrl(ctx.baseUrl) + "/websocket";
      const origin = httpUrl.split("/").slice(0, 3).join("/");
      await using c = await RawHttpConnection.open(httpUrl);
      const r = await c.request("GET", httpUrl, {
        headers: {
          "Connection": "Upgrade",
          "Upgrade": "WebSocket",
          "Origin": origin,
          "Sec-WebSocket-Key1": "4 @1  46546xW%0l 1 5",
          "Sec-WebSocket-Key2": "12998 5 Y3 1  .P00",
        },
      });
      // Response headers first.
      assert.equal(r.status, 101);
      assert.equal(r.headers.get("connection")?.toLowerCase(), "upgrade");
      assert.equal(r.headers.get("upgrade")?.toLowerCase(), "websocket");
      assert.equal(r.headers.get("sec-websocket-location"), wsUrl(httpUrl));
      assert.equal(r.headers.get("sec-websocket-origin"), origin);
      assert.ok(!r.headers.has("content-length"), "101 must not have Content-Length");
      // Then the nonce, answered with the MD5 challenge response.
      await c.send("aaaaaaaa");
      const expected = [
        0xca,
        0x34,
        0x00,
        0xd8,
        0xa5,
        0x08,
        0x47,
        0x97,
        0x2c,
        0xd5,
        0x71,
        0x5a,
        0xba,
        0xbf,
        0x43,
        0x7b,
      ];
      assert.deepEqual([...(await c.readExact(16))], expected);
    },

    // Broken JSON: the server must abruptly terminate the connection. The very next read must
    // find it closed. Upstream discards its first `ws.recv()` and requires the second to raise;
    // websocket-client's `recv()` gives "" (not None) for a close frame, so a message before the
    // close fails upstream's test, as it did against this server when it sent `c[1002,...]`.
    async test_broken_json(ctx) {
      await using ws = await WsClient.connect(wsUrl(sessionUrl(ctx.baseUrl) + "/websocket"));
      assert.equal(await ws.recv(), "o");
      ws.send('["a');
      await assert.rejects(ws.recv(), WsClosedError);
    },
  },
};

/** The raw WebSocket endpoint `<base>/websocket`: no SockJS framing at all. */
export const RawWebsocket: TestClass = {
  name: "RawWebsocket",
  tests: {
    async test_transport(ctx) {
      await using ws = await WsClient.connect(wsUrl(ctx.baseUrl) + "/websocket");
      ws.send("Hello world!\uffff");
      assert.equal(await ws.recv(), "Hello world!\uffff");
    },

    async test_close(ctx) {
      await using ws = await WsClient.connect(wsUrl(ctx.closeBaseUrl) + "/websocket");
      const closed = await ws.expectClosed();
      assert.equal(closed.reason, "Go away!");
    },
  },
};
