/**
 * Static URLs: the greeting, the iframe page and `/info` (classes BaseUrlGreeting, IframePage,
 * InfoTest).
 *
 * @module
 */

import assert from "node:assert/strict";
import { GET, type HttpResponse, OPTIONS } from "./http.ts";
import {
  pyStrip,
  requireHeader,
  type TestClass,
  verify404,
  verifyContentType,
  verifyCors,
  verifyLongCache,
  verifyNoCookie,
  verifyNotCached,
  verifyOptions,
} from "./common.ts";

/** Greeting url: `GET <base>` and `GET <base>/`. */
export const BaseUrlGreeting: TestClass = {
  name: "BaseUrlGreeting",
  tests: {
    async test_greeting(ctx) {
      for (const url of [ctx.baseUrl, ctx.baseUrl + "/"]) {
        const r = await GET(url);
        assert.equal(r.status, 200);
        verifyContentType(r, "text/plain;charset=UTF-8");
        assert.equal(r.body, "Welcome to SockJS!\n");
        verifyNoCookie(r);
      }
    },

    // Other simple requests give 404.
    async test_notFound(ctx) {
      for (const suffix of ["/a", "/a.html", "//", "///", "/a/a", "/a/a/", "/a", "/a/"]) {
        verify404(await GET(ctx.baseUrl + suffix));
      }
    },
  },
};

// The iframe page, with a configurable `sockjs_url`.
const IFRAME_BODY = new RegExp(
  "^" + [
    "<!DOCTYPE html>",
    "<html>",
    "<head>",
    '  <meta http-equiv="X-UA-Compatible" content="IE=edge" />',
    '  <meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />',
    '  <script src="(?<sockjs_url>[^"]*)"></script>',
    "  <script>",
    "    document.domain = document.domain;",
    "    SockJS.bootstrap_iframe\\(\\);",
    "  </script>",
    "</head>",
    "<body>",
    "  <h2>Don't panic!</h2>",
    "  <p>This is a SockJS hidden iframe. It's used for cross domain magic.</p>",
    "</body>",
    "</html>",
  ].join("\n") + "$",
);

async function verifyIframe(url: string): Promise<HttpResponse> {
  const r = await GET(url);
  assert.equal(r.status, 200, `${url}: status`);
  verifyContentType(r, "text/html;charset=UTF-8");
  // Strongly cacheable: Cache-Control, Expires and ETag; no Last-Modified.
  verifyLongCache(r);
  requireHeader(r, "etag");
  assert.ok(!r.headers.get("last-modified"), "iframe page must not have Last-Modified");
  // The body is fixed, except for `sockjs_url`.
  const match = IFRAME_BODY.exec(pyStrip(r.body));
  assert.ok(match, `iframe body does not match the template: ${JSON.stringify(r.body)}`);
  const sockjsUrl = match.groups?.sockjs_url ?? "";
  assert.ok(
    sockjsUrl.startsWith("/") || sockjsUrl.startsWith("http"),
    `sockjs_url must be an absolute path or an http(s) URL: ${sockjsUrl}`,
  );
  verifyNoCookie(r);
  return r;
}

/** Iframe page: `/iframe*.html`. */
export const IframePage: TestClass = {
  name: "IframePage",
  tests: {
    async test_simpleUrl(ctx) {
      await verifyIframe(ctx.baseUrl + "/iframe.html");
    },

    // Versioned names serve the same page.
    async test_versionedUrl(ctx) {
      for (
        const suffix of [
          "/iframe-a.html",
          "/iframe-.html",
          "/iframe-0.1.2.html",
          "/iframe-0.1.2abc-dirty.2144.html",
        ]
      ) {
        await verifyIframe(ctx.baseUrl + suffix);
      }
    },

    // A query string (cache buster) is allowed.
    async test_queriedUrl(ctx) {
      for (
        const suffix of [
          "/iframe-a.html?t=1234",
          "/iframe-0.1.2.html?t=123414",
          "/iframe-0.1.2abc-dirty.2144.html?t=qweqweq123",
        ]
      ) {
        await verifyIframe(ctx.baseUrl + suffix);
      }
    },

    async test_invalidUrl(ctx) {
      for (
        const suffix of [
          "/iframe.htm",
          "/iframe",
          "/IFRAME.HTML",
          "/IFRAME",
          "/iframe.HTML",
          "/iframe.xml",
          "/iframe-/.html",
        ]
      ) {
        verify404(await GET(ctx.baseUrl + suffix));
      }
    },

    // Same ETag every time, and `If-None-Match` gives an empty 304.
    async test_cacheability(ctx) {
      const r1 = await GET(ctx.baseUrl + "/iframe.html");
      const r2 = await GET(ctx.baseUrl + "/iframe.html");
      assert.equal(r1.headers.get("etag"), r2.headers.get("etag"));
      const etag = requireHeader(r1, "etag");

      const r = await GET(ctx.baseUrl + "/iframe.html", { headers: { "If-None-Match": etag } });
      assert.equal(r.status, 304);
      assert.ok(!r.headers.get("content-type"), "304 must not have a Content-Type");
      assert.equal(r.body, "");
    },
  },
};

/**
 * Python's `type(data[key]) in [int, long]`: the value is a JSON number written as an integer
 * (`3.0` or `1e9` load as a `float` in Python and fail, though `JSON.parse` gives an integer).
 */
function assertJsonInteger(body: string, key: string): void {
  const value = JSON.parse(body)[key];
  assert.ok(Number.isInteger(value), `${key} must be an integer: ${JSON.stringify(value)}`);
  const token = new RegExp(`"${key}"\\s*:\\s*([-+0-9.eE]+)`).exec(body)?.[1];
  assert.ok(
    token !== undefined && /^-?(0|[1-9][0-9]*)$/.test(token),
    `${key} must be written as a JSON integer, got ${JSON.stringify(token)}`,
  );
}

/** `/info`: server capabilities, entropy, CORS. */
export const InfoTest: TestClass = {
  name: "InfoTest",
  tests: {
    async test_basic(ctx) {
      const r = await GET(ctx.baseUrl + "/info", { headers: { Origin: "test" } });
      assert.equal(r.status, 200);
      verifyContentType(r, "application/json;charset=UTF-8");
      verifyNoCookie(r);
      verifyNotCached(r);
      verifyCors(r, "test");

      const data = JSON.parse(r.body);
      assert.equal(data.websocket, true);
      assert.ok(data.cookie_needed === true || data.cookie_needed === false, "cookie_needed");
      assert.deepEqual(data.origins, ["*:*"]);
      assertJsonInteger(r.body, "entropy");
    },

    // A fresh random number in <0; 2^32-1> every time.
    async test_entropy(ctx) {
      const body1 = (await GET(ctx.baseUrl + "/info")).body;
      const body2 = (await GET(ctx.baseUrl + "/info")).body;
      assertJsonInteger(body1, "entropy");
      assertJsonInteger(body2, "entropy");
      assert.notEqual(JSON.parse(body1).entropy, JSON.parse(body2).entropy);
    },

    async test_options(ctx) {
      await verifyOptions(ctx.baseUrl + "/info", "OPTIONS, GET");
    },

    // Pages served from file:// send `Origin: null`.
    async test_options_null_origin(ctx) {
      const r = await OPTIONS(ctx.baseUrl + "/info", {
        headers: { "Origin": "null", "Access-Control-Request-Method": "POST" },
      });
      assert.ok(r.status === 204 || r.status === 200, `status ${r.status}`);
      assert.equal(r.body, "");
      assert.equal(r.headers.get("access-control-allow-origin"), "null");
    },

    async test_disabled_websocket(ctx) {
      const r = await GET(ctx.wsoffBaseUrl + "/info");
      assert.equal(r.status, 200);
      const data = JSON.parse(r.body);
      assert.equal(data.websocket, false);
    },
  },
};
