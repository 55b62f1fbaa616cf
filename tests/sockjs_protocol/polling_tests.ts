/**
 * Session URLs, framing and the polling transports (classes SessionURLs, Protocol, XhrPolling,
 * JsonPolling, JsessionidCookie, JSONEncoding).
 *
 * @module
 */

import assert from "node:assert/strict";
import { GET, GET_async, OPTIONS, POST, POST_async, sendOnly, sleep } from "./http.ts";
import {
  assertNoHeader,
  type HasHeaders,
  pyStrip,
  requireHeader,
  sessionId,
  sessionUrl,
  SETTLE_MS,
  type TestClass,
  verify404,
  verifyContentType,
  verifyCors,
  verifyNoCookie,
  verifyNotCached,
  verifyOptions,
} from "./common.ts";

const FORM = { "Content-Type": "application/x-www-form-urlencoded" };

/** Top session URL `<base>/<server>/<session>`. */
export const SessionURLs: TestClass = {
  name: "SessionURLs",
  tests: {
    // Any value is accepted in the server and session fields.
    async test_anyValue(ctx) {
      // A random number, as the Python suite's (below 1024 there; 12 digits here so that reruns
      // never collide). Digits only: `/1/<r>` is an all-digit session id.
      const r = String(Math.floor(Math.random() * 1e12));
      for (
        const part of ["/a/a" + r, "/_/_" + r, "/1/" + r, "/abcdefgh_i-j%20/abcdefg_i-j%20" + r]
      ) {
        const res = await POST(ctx.baseUrl + part + "/xhr");
        assert.equal(res.status, 200, `${part}: status`);
        assert.equal(res.body, "o\n", `${part}: body`);
      }
    },

    // Empty parts, dots, or the wrong number of parts give 404.
    async test_invalidPaths(ctx) {
      for (const suffix of ["//", "/a./a", "/a/a.", "/./.", "/", "///"]) {
        verify404(await GET(ctx.baseUrl + suffix + "/xhr"));
        verify404(await POST(ctx.baseUrl + suffix + "/xhr"));
      }
    },

    // Only the session id identifies a session; the server id is for load balancers.
    async test_ignoringServerId(ctx) {
      const sid = sessionId();
      let r = await POST(`${ctx.baseUrl}/000/${sid}/xhr`);
      assert.equal(r.status, 200);
      assert.equal(r.body, "o\n");

      r = await POST(`${ctx.baseUrl}/000/${sid}/xhr_send`, { body: '["a"]' });
      assert.equal(r.status, 204);
      assert.equal(r.body, "");

      r = await POST(`${ctx.baseUrl}/999/${sid}/xhr`);
      assert.equal(r.status, 200);
      assert.equal(r.body, 'a["a"]\n');
    },
  },
};

/** Framing (`o`, `h`, `a[...]`, `c[code,reason]`), explained with xhr-polling. */
export const Protocol: TestClass = {
  name: "Protocol",
  tests: {
    async test_simpleSession(ctx) {
      const transUrl = sessionUrl(ctx.baseUrl);
      // A new session opens with `o`; `\n` delimits xhr frames.
      let r = await POST(transUrl + "/xhr");
      assert.equal(r.status, 200);
      assert.equal(r.body, "o\n");

      // xhr_send takes a JSON array of messages.
      r = await POST(transUrl + "/xhr_send", { body: '["a"]' });
      assert.equal(r.status, 204);
      assert.equal(r.body, "");

      // The echo comes back as an `a` frame.
      r = await POST(transUrl + "/xhr");
      assert.equal(r.status, 200);
      assert.equal(r.body, 'a["a"]\n');

      // Sending to an unknown session is a 404.
      r = await POST(ctx.baseUrl + "/000/bad_session/xhr_send", { body: '["a"]' });
      verify404(r);

      // Two receiving requests on one session: the second one gets a close frame.
      await using _r1 = await sendOnly("POST", transUrl + "/xhr");
      await sleep(SETTLE_MS);
      const r2 = await POST(transUrl + "/xhr");
      assert.equal(r2.body, 'c[2010,"Another connection still open"]\n');
      assert.equal(r2.status, 200);
    },

    // The server may close a session; the close frame is then served on every request.
    async test_closeSession(ctx) {
      const transUrl = sessionUrl(ctx.closeBaseUrl);
      let r = await POST(transUrl + "/xhr");
      assert.equal(r.status, 200);
      assert.equal(r.body, "o\n");

      r = await POST(transUrl + "/xhr");
      assert.equal(r.status, 200);
      assert.equal(r.body, 'c[3000,"Go away!"]\n');

      r = await POST(transUrl + "/xhr");
      assert.equal(r.status, 200);
      assert.equal(r.body, 'c[3000,"Go away!"]\n');
    },
  },
};

/** xhr-polling: `/*\/*\/xhr`, `/*\/*\/xhr_send`. */
export const XhrPolling: TestClass = {
  name: "XhrPolling",
  tests: {
    async test_options(ctx) {
      for (const suffix of ["/xhr", "/xhr_send"]) {
        await verifyOptions(ctx.baseUrl + "/abc/abc" + suffix, "OPTIONS, POST");
      }
    },

    async test_transport(ctx) {
      const url = sessionUrl(ctx.baseUrl);
      let r = await POST(url + "/xhr", { headers: { Origin: "test" } });
      assert.equal(r.status, 200);
      assert.equal(r.body, "o\n");
      verifyContentType(r, "application/javascript;charset=UTF-8");
      verifyCors(r, "test");
      // iOS 6 caches POSTs.
      verifyNotCached(r);

      r = await POST(url + "/xhr_send", { body: '["x"]', headers: { Origin: "test" } });
      assert.equal(r.status, 204);
      assert.equal(r.body, "");
      // text/plain even on a 204 (Firefox assumes XML otherwise).
      verifyContentType(r, "text/plain;charset=UTF-8");
      verifyCors(r, "test");
      verifyNotCached(r);

      r = await POST(url + "/xhr");
      assert.equal(r.status, 200);
      assert.equal(r.body, 'a["x"]\n');
    },

    async test_invalid_session(ctx) {
      const url = sessionUrl(ctx.baseUrl);
      verify404(await POST(url + "/xhr_send", { body: '["x"]' }));
    },

    async test_invalid_json(ctx) {
      const url = sessionUrl(ctx.baseUrl);
      let r = await POST(url + "/xhr");
      assert.equal(r.status, 200);
      assert.equal(r.body, "o\n");

      r = await POST(url + "/xhr_send", { body: '["x' });
      assert.equal(r.status, 500);
      assert.ok(r.body.includes("Broken JSON encoding."), `body: ${JSON.stringify(r.body)}`);

      r = await POST(url + "/xhr_send", { body: "" });
      assert.equal(r.status, 500);
      assert.ok(r.body.includes("Payload expected."), `body: ${JSON.stringify(r.body)}`);

      r = await POST(url + "/xhr_send", { body: '["a"]' });
      assert.equal(r.body, "");
      assert.equal(r.status, 204);

      r = await POST(url + "/xhr");
      assert.equal(r.body, 'a["a"]\n');
      assert.equal(r.status, 200);
    },

    async test_content_types(ctx) {
      const url = sessionUrl(ctx.baseUrl);
      let r = await POST(url + "/xhr");
      assert.equal(r.body, "o\n");

      const ctypes = [
        "text/plain",
        "T",
        "application/json",
        "application/xml",
        "",
        "application/json; charset=utf-8",
        "text/xml; charset=utf-8",
        "text/xml",
      ];
      for (const ct of ctypes) {
        r = await POST(url + "/xhr_send", { body: '["a"]', headers: { "Content-Type": ct } });
        assert.equal(r.status, 204, `Content-Type ${JSON.stringify(ct)}`);
        assert.equal(r.body, "");
      }

      r = await POST(url + "/xhr");
      assert.equal(r.status, 200);
      assert.equal(r.body, "a[" + ctypes.map(() => '"a"').join(",") + "]\n");
    },

    // `Access-Control-Request-Headers` is echoed as `Access-Control-Allow-Headers`.
    async test_request_headers_cors(ctx) {
      let r = await OPTIONS(sessionUrl(ctx.baseUrl) + "/xhr", {
        headers: {
          "Origin": "test",
          "Access-Control-Request-Method": "POST",
          "Access-Control-Request-Headers": "a, b, c",
        },
      });
      assert.ok(r.status === 204 || r.status === 200, `status ${r.status}`);
      verifyCors(r, "test");
      assert.equal(r.headers.get("access-control-allow-headers"), "a, b, c");

      r = await OPTIONS(sessionUrl(ctx.baseUrl) + "/xhr", {
        headers: {
          "Origin": "test",
          "Access-Control-Request-Method": "POST",
          "Access-Control-Request-Headers": "",
        },
      });
      assert.ok(r.status === 204 || r.status === 200, `status ${r.status}`);
      verifyCors(r, "test");
      assertNoHeader(r, "access-control-allow-headers");

      r = await OPTIONS(sessionUrl(ctx.baseUrl) + "/xhr", {
        headers: { "Origin": "test", "Access-Control-Request-Method": "POST" },
      });
      assert.ok(r.status === 204 || r.status === 200, `status ${r.status}`);
      verifyCors(r, "test");
      assertNoHeader(r, "access-control-allow-headers");
    },

    // Frames with no messages (client heartbeats) are allowed.
    async test_sending_empty_frame(ctx) {
      const url = sessionUrl(ctx.baseUrl);
      let r = await POST(url + "/xhr");
      assert.equal(r.status, 200);
      assert.equal(r.body, "o\n");

      r = await POST(url + "/xhr_send", { body: "[]" });
      assert.equal(r.status, 204);

      r = await POST(url + "/xhr_send", { body: '["a"]' });
      assert.equal(r.status, 204);

      r = await POST(url + "/xhr");
      assert.equal(r.body, 'a["a"]\n');
      assert.equal(r.status, 200);
    },
  },
};

/** jsonp-polling: `/*\/*\/jsonp`, `/*\/*\/jsonp_send`. */
export const JsonPolling: TestClass = {
  name: "JsonPolling",
  tests: {
    async test_transport(ctx) {
      const url = sessionUrl(ctx.baseUrl);
      let r = await GET(url + "/jsonp?c=%63allback");
      assert.equal(r.status, 200);
      verifyContentType(r, "application/javascript;charset=UTF-8");
      // Requested with GET: must not be cached.
      verifyNotCached(r);
      assert.equal(r.body, '/**/callback("o");\r\n');

      r = await POST(url + "/jsonp_send", { body: "d=%5B%22x%22%5D", headers: FORM });
      // Konqueror misbehaves on 204, hence `200 ok`.
      assert.equal(r.body, "ok");
      assert.equal(r.status, 200);
      verifyContentType(r, "text/plain;charset=UTF-8");
      verifyNotCached(r);

      r = await GET(url + "/jsonp?c=%63allback");
      assert.equal(r.status, 200);
      assert.equal(r.body, '/**/callback("a[\\"x\\"]");\r\n');
    },

    async test_no_callback(ctx) {
      const r = await GET(ctx.baseUrl + "/a/a/jsonp");
      assert.equal(r.status, 500);
      assert.ok(r.body.includes('"callback" parameter required'), `body: ${r.body}`);
    },

    // Callbacks matching `[^a-zA-Z0-9-_.]` are refused with a 500.
    async test_invalid_callback(ctx) {
      for (const callback of ["%20", "*", "abc(", "abc%28"]) {
        const r = await GET(ctx.baseUrl + "/a/a/jsonp?c=" + callback);
        assert.equal(r.status, 500, `callback ${callback}`);
        assert.ok(r.body.includes('invalid "callback" parameter'), `body: ${r.body}`);
      }
    },

    async test_invalid_json(ctx) {
      const url = sessionUrl(ctx.baseUrl);
      let r = await GET(url + "/jsonp?c=x");
      assert.equal(r.body, '/**/x("o");\r\n');

      r = await POST(url + "/jsonp_send", { body: "d=%5B%22x", headers: FORM });
      assert.equal(r.status, 500);
      assert.ok(r.body.includes("Broken JSON encoding."), `body: ${JSON.stringify(r.body)}`);

      for (const data of ["", "d=", "p=p"]) {
        r = await POST(url + "/jsonp_send", { body: data, headers: FORM });
        assert.equal(r.status, 500, `body ${JSON.stringify(data)}`);
        assert.ok(r.body.includes("Payload expected."), `body: ${JSON.stringify(r.body)}`);
      }

      r = await POST(url + "/jsonp_send", { body: "d=%5B%22b%22%5D", headers: FORM });
      assert.equal(r.body, "ok");

      r = await GET(url + "/jsonp?c=x");
      assert.equal(r.status, 200);
      assert.equal(r.body, '/**/x("a[\\"b\\"]");\r\n');
    },

    // Form-encoded and text/plain bodies are both accepted.
    async test_content_types(ctx) {
      const url = sessionUrl(ctx.baseUrl);
      let r = await GET(url + "/jsonp?c=x");
      assert.equal(r.body, '/**/x("o");\r\n');

      r = await POST(url + "/jsonp_send", { body: "d=%5B%22abc%22%5D", headers: FORM });
      assert.equal(r.body, "ok");
      r = await POST(url + "/jsonp_send", {
        body: '["%61bc"]',
        headers: { "Content-Type": "text/plain" },
      });
      assert.equal(r.body, "ok");

      r = await GET(url + "/jsonp?c=x");
      assert.equal(r.status, 200);
      assert.equal(r.body, '/**/x("a[\\"abc\\",\\"%61bc\\"]");\r\n');
    },

    async test_close(ctx) {
      const url = sessionUrl(ctx.closeBaseUrl);
      let r = await GET(url + "/jsonp?c=x");
      assert.equal(r.body, '/**/x("o");\r\n');

      r = await GET(url + "/jsonp?c=x");
      assert.equal(r.body, '/**/x("c[3000,\\"Go away!\\"]");\r\n');

      r = await GET(url + "/jsonp?c=x");
      assert.equal(r.body, '/**/x("c[3000,\\"Go away!\\"]");\r\n');
    },

    async test_sending_empty_frame(ctx) {
      const url = sessionUrl(ctx.baseUrl);
      let r = await GET(url + "/jsonp?c=x");
      assert.equal(r.body, '/**/x("o");\r\n');

      r = await POST(url + "/jsonp_send", { body: "d=%5B%5D", headers: FORM });
      assert.equal(r.body, "ok");

      r = await POST(url + "/jsonp_send", { body: "d=%5B%22x%22%5D", headers: FORM });
      assert.equal(r.body, "ok");

      r = await GET(url + "/jsonp?c=x");
      assert.equal(r.status, 200);
      assert.equal(r.body, '/**/x("a[\\"x\\"]");\r\n');
    },
  },
};

// `Set-Cookie: JSESSIONID=<value>; path=/` (only the first two attributes are checked).
function verifyCookie(r: HasHeaders, value = "dummy"): void {
  const parts = requireHeader(r, "set-cookie").split(";");
  assert.equal(parts[0].trim(), `JSESSIONID=${value}`);
  assert.equal((parts[1] ?? "").trim().toLowerCase(), "path=/");
}

/** JSESSIONID cookie for sticky load balancing (`cookie_needed_echo`). */
export const JsessionidCookie: TestClass = {
  name: "JsessionidCookie",
  tests: {
    async test_basic(ctx) {
      const r = await GET(ctx.cookieBaseUrl + "/info");
      assert.equal(r.status, 200);
      verifyNoCookie(r);
      assert.equal(JSON.parse(r.body).cookie_needed, true);
    },

    async test_xhr(ctx) {
      // Set by default...
      let r = await POST(sessionUrl(ctx.cookieBaseUrl) + "/xhr");
      assert.equal(r.status, 200);
      assert.equal(r.body, "o\n");
      verifyCookie(r);

      // ...and echoed when the client already has one.
      r = await POST(sessionUrl(ctx.cookieBaseUrl) + "/xhr", {
        headers: { Cookie: "JSESSIONID=abcdef" },
      });
      assert.equal(r.status, 200);
      assert.equal(r.body, "o\n");
      verifyCookie(r, "abcdef");
    },

    async test_xhr_streaming(ctx) {
      await using r = await POST_async(sessionUrl(ctx.cookieBaseUrl) + "/xhr_streaming");
      assert.equal(r.status, 200);
      verifyCookie(r);
    },

    async test_eventsource(ctx) {
      await using r = await GET_async(sessionUrl(ctx.cookieBaseUrl) + "/eventsource");
      assert.equal(r.status, 200);
      verifyCookie(r);
    },

    async test_htmlfile(ctx) {
      await using r = await GET_async(sessionUrl(ctx.cookieBaseUrl) + "/htmlfile?c=%63allback");
      assert.equal(r.status, 200);
      verifyCookie(r);
    },

    async test_jsonp(ctx) {
      const url = sessionUrl(ctx.cookieBaseUrl);
      let r = await GET(url + "/jsonp?c=%63allback");
      assert.equal(r.status, 200);
      verifyCookie(r);
      assert.equal(r.body, '/**/callback("o");\r\n');

      r = await POST(url + "/jsonp_send", { body: "d=%5B%22x%22%5D", headers: FORM });
      assert.equal(r.body, "ok");
      assert.equal(r.status, 200);
      verifyCookie(r);
    },
  },
};

// Characters the client escapes before sending (browsers mangle them on some transports).
// Inclusive code point ranges, taken from the Python suite's `escapable_by_client` regexp.
const ESCAPABLE_BY_CLIENT: ReadonlyArray<readonly [number, number]> = [
  [0x0000, 0x001f],
  [0x0022, 0x0022],
  [0x007f, 0x009f],
  [0x00ad, 0x00ad],
  [0x0300, 0x0333],
  [0x033d, 0x0346],
  [0x034a, 0x034c],
  [0x0350, 0x0352],
  [0x0357, 0x0358],
  [0x035c, 0x0362],
  [0x0374, 0x0374],
  [0x037e, 0x037e],
  [0x0387, 0x0387],
  [0x0591, 0x05af],
  [0x05c4, 0x05c4],
  [0x0600, 0x0604],
  [0x0610, 0x0617],
  [0x0653, 0x0654],
  [0x0657, 0x065b],
  [0x065d, 0x065e],
  [0x06df, 0x06e2],
  [0x06eb, 0x06ec],
  [0x070f, 0x070f],
  [0x0730, 0x0730],
  [0x0732, 0x0733],
  [0x0735, 0x0736],
  [0x073a, 0x073a],
  [0x073d, 0x073d],
  [0x073f, 0x0741],
  [0x0743, 0x0743],
  [0x0745, 0x0745],
  [0x0747, 0x0747],
  [0x07eb, 0x07f1],
  [0x0951, 0x0951],
  [0x0958, 0x095f],
  [0x09dc, 0x09dd],
  [0x09df, 0x09df],
  [0x0a33, 0x0a33],
  [0x0a36, 0x0a36],
  [0x0a59, 0x0a5b],
  [0x0a5e, 0x0a5e],
  [0x0b5c, 0x0b5d],
  [0x0e38, 0x0e39],
  [0x0f43, 0x0f43],
  [0x0f4d, 0x0f4d],
  [0x0f52, 0x0f52],
  [0x0f57, 0x0f57],
  [0x0f5c, 0x0f5c],
  [0x0f69, 0x0f69],
  [0x0f72, 0x0f76],
  [0x0f78, 0x0f78],
  [0x0f80, 0x0f83],
  [0x0f93, 0x0f93],
  [0x0f9d, 0x0f9d],
  [0x0fa2, 0x0fa2],
  [0x0fa7, 0x0fa7],
  [0x0fac, 0x0fac],
  [0x0fb9, 0x0fb9],
  [0x17b4, 0x17b5],
  [0x1939, 0x193a],
  [0x1a17, 0x1a17],
  [0x1b6b, 0x1b6b],
  [0x1cda, 0x1cdb],
  [0x1dc0, 0x1dcf],
  [0x1dfc, 0x1dfc],
  [0x1dfe, 0x1dfe],
  [0x1f71, 0x1f71],
  [0x1f73, 0x1f73],
  [0x1f75, 0x1f75],
  [0x1f77, 0x1f77],
  [0x1f79, 0x1f79],
  [0x1f7b, 0x1f7b],
  [0x1f7d, 0x1f7d],
  [0x1fbb, 0x1fbb],
  [0x1fbe, 0x1fbe],
  [0x1fc9, 0x1fc9],
  [0x1fcb, 0x1fcb],
  [0x1fd3, 0x1fd3],
  [0x1fdb, 0x1fdb],
  [0x1fe3, 0x1fe3],
  [0x1feb, 0x1feb],
  [0x1fee, 0x1fef],
  [0x1ff9, 0x1ff9],
  [0x1ffb, 0x1ffb],
  [0x1ffd, 0x1ffd],
  [0x2000, 0x20ff],
  [0x2126, 0x2126],
  [0x212a, 0x212b],
  [0x2329, 0x232a],
  [0x2adc, 0x2adc],
  [0x302b, 0x302c],
  [0xaab2, 0xaab3],
  [0xf900, 0xfa0d],
  [0xfa10, 0xfa10],
  [0xfa12, 0xfa12],
  [0xfa15, 0xfa1e],
  [0xfa20, 0xfa20],
  [0xfa22, 0xfa22],
  [0xfa25, 0xfa26],
  [0xfa2a, 0xfa2d],
  [0xfa30, 0xfa6d],
  [0xfa70, 0xfad9],
  [0xfb1d, 0xfb1d],
  [0xfb1f, 0xfb1f],
  [0xfb2a, 0xfb36],
  [0xfb38, 0xfb3c],
  [0xfb3e, 0xfb3e],
  [0xfb40, 0xfb41],
  [0xfb43, 0xfb44],
  [0xfb46, 0xfb4e],
  [0xfeff, 0xfeff],
  [0xfff0, 0xffff],
];

// Characters above U+00FF the server must escape (`escapable_by_server` of the Python suite).
const ESCAPABLE_BY_SERVER: ReadonlyArray<readonly [number, number]> = [
  [0x200c, 0x200f],
  [0x2028, 0x202f],
  [0x2060, 0x206f],
  [0xfff0, 0xffff],
];

// A JSON string literal `"\uXXXX..."` (lower-case hex) of every code point in `ranges`.
function escapedJsonString(ranges: ReadonlyArray<readonly [number, number]>): string {
  let out = '"';
  for (const [lo, hi] of ranges) {
    for (let c = lo; c <= hi; c++) out += "\\u" + c.toString(16).padStart(4, "0");
  }
  return out + '"';
}

const CLIENT_KILLER_STRING_ESC = escapedJsonString(ESCAPABLE_BY_CLIENT);
const SERVER_KILLER_STRING_ESC = escapedJsonString(ESCAPABLE_BY_SERVER);

/** The server encodes and decodes Unicode for the user. */
export const JSONEncoding: TestClass = {
  name: "JSONEncoding",
  tests: {
    // The server escapes (as `\uxxxx`, lower case) at least the characters it must escape.
    async test_xhr_server_encodes(ctx) {
      const transUrl = sessionUrl(ctx.baseUrl);
      let r = await POST(transUrl + "/xhr");
      assert.equal(r.body, "o\n");
      assert.equal(r.status, 200);

      const payload = '["' + JSON.parse(SERVER_KILLER_STRING_ESC) + '"]';
      r = await POST(transUrl + "/xhr_send", { body: payload });
      assert.equal(r.status, 204);

      r = await POST(transUrl + "/xhr");
      assert.equal(r.status, 200);
      // Skip the framing: `a[` ... `]`.
      const recv = pyStrip(r.body).slice(2, -1);
      assert.equal(recv, SERVER_KILLER_STRING_ESC);
    },

    // The server decodes whatever the client escapes.
    async test_xhr_server_decodes(ctx) {
      const transUrl = sessionUrl(ctx.baseUrl);
      let r = await POST(transUrl + "/xhr");
      assert.equal(r.body, "o\n");
      assert.equal(r.status, 200);

      const payload = "[" + CLIENT_KILLER_STRING_ESC + "]";
      r = await POST(transUrl + "/xhr_send", { body: payload });
      assert.equal(r.status, 204);

      r = await POST(transUrl + "/xhr");
      assert.equal(r.status, 200);
      const recv = pyStrip(r.body).slice(2, -1);
      assert.equal(JSON.parse(recv), JSON.parse(CLIENT_KILLER_STRING_ESC));
    },
  },
};
