/**
 * Adversarial: script injection through what the server writes into HTML and JavaScript. Pushed
 * payloads that close a `<script>` element, open an HTML comment in one, or carry U+2028 and
 * U+2029 go to headless Chromium over the transports whose frames are script (`htmlfile` in a
 * page, `jsonp` as a script file); they must arrive intact as data and run nothing. The callback
 * name and the iframe page's script URL are checked too.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { KEY, startServer, type TestServer, until } from "../helpers/server.ts";
import {
  type AssetServer,
  type ClientScripts,
  clientScripts,
  launchBrowser,
  openPage,
  serveAssets,
} from "../helpers/browser.ts";
import { SockjsServer } from "../../lib/sockjs/server.ts";

/** Payloads that run script if a frame is written into a page without escaping. */
const PAYLOADS = [
  "</script><script>window.pwned=1;parent.pwned=1;top.postMessage('pwned','*')</script>",
  "</SCRIPT ><script>window.pwned=2;parent.pwned=2;top.postMessage('pwned','*')</script >",
  // An HTML comment opened in a script makes a later `<script>` swallow the real `</script>`.
  "<!--<script>",
  "\u2028</script>\u2029<script>window.pwned=3;parent.pwned=3</script>",
  "\u2028\u2029 line separators alone",
  "&lt;&amp;&#x3c; <b>not markup</b> ]]> --> \"quoted\" 'single' \\ \u00e9 \ud83d\ude00",
];

/** The script transports, forced one at a time on sockjs-client. */
const TRANSPORTS = ["iframe-htmlfile", "jsonp-polling"];

const WAIT = 10_000;

function page(scripts: ClientScripts): string {
  return `<!DOCTYPE html>
<meta charset="utf-8">
<title>injection</title>
<script src="${scripts.sockjs}"></script>
<script src="${scripts.thunderpush}"></script>
<script>
  var seen = { messages: [], posted: [] };
  window.addEventListener("message", function (e) {
    if (e.data === "pwned") seen.posted.push(e.origin);
  });
  Thunder.listen(function (data) { seen.messages.push(data); });
</script>`;
}

/** `window.pwned` in every frame of the page (the htmlfile and SockJS iframes included). */
async function pwnedAnywhere(p: Page): Promise<unknown[]> {
  const found: unknown[] = [];
  for (const frame of p.frames()) {
    const value = await frame.evaluate("window.pwned").catch(() => undefined);
    if (value !== undefined) found.push(value);
  }
  return found;
}

async function withBrowser(
  body: (server: TestServer, assets: AssetServer, browser: Browser) => Promise<void>,
): Promise<void> {
  const server = startServer();
  const assets = serveAssets();
  let browser: Browser | undefined;
  try {
    browser = await launchBrowser();
    await body(server, assets, browser);
  } finally {
    await browser?.close();
    await assets.close();
    await server.close();
  }
}

for (const transport of TRANSPORTS) {
  Deno.test(`pushes over ${transport} arrive intact and run no script`, async () => {
    await withBrowser(async (server, assets, browser) => {
      const scripts = await clientScripts(server.base);
      const { page: p, errors } = await openPage(browser, assets.page("/i.html", page(scripts)));
      await p.evaluate(`Thunder.connect("127.0.0.1:${server.port}", "${KEY}", [],
        { user: "mallory", transports: ["${transport}"] })`);
      await until(() => server.thunder.hub.app(KEY)!.isOnline("mallory"), WAIT);
      // One at a time and then all in one frame (a poll can carry several).
      for (const payload of PAYLOADS) {
        assert.equal(
          (await server.api("POST", "/users/mallory/", JSON.stringify(payload))).status,
          200,
        );
      }
      // A last push proves the stream still works after them all.
      await server.api("POST", "/users/mallory/", '"still here"');
      // Whatever arrives in time is compared, so a failure says what ran and what was lost.
      await p.waitForFunction(`seen.messages.length >= ${PAYLOADS.length + 1}`, null, {
        timeout: WAIT,
      }).catch(() => {});
      assert.deepEqual(await pwnedAnywhere(p), [], "script ran in a frame");
      assert.deepEqual(await p.evaluate("seen.posted"), [], "script ran and posted to the page");
      assert.deepEqual(await p.evaluate("seen.messages"), [...PAYLOADS, "still here"]);
      assert.deepEqual(errors, []);
    });
  });
}

/** Opens a session over xhr and sends `CONNECT user:KEY` on it; returns its URL. */
async function connectedSession(server: TestServer, session: string, user: string) {
  const url = `${server.base}/connect/000/${session}`;
  assert.equal(await (await fetch(`${url}/xhr`, { method: "POST" })).text(), "o\n");
  const sent = await fetch(`${url}/xhr_send`, {
    method: "POST",
    body: JSON.stringify([`CONNECT ${user}:${KEY}`]),
  });
  assert.equal(sent.status, 204);
  await sent.body?.cancel();
  await until(() => server.thunder.hub.app(KEY)!.isOnline(user));
  return url;
}

/** Reads a streaming body until `marker` shows up (or it ends), then cancels it. */
async function readUntil(res: Response, marker: string): Promise<string> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (!text.includes(marker)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel();
  return text;
}

Deno.test("htmlfile and jsonp write frames without <, >, & or line separators", async () => {
  const server = startServer();
  try {
    const payload = "</script><!--&\u2028\u2029>";
    for (const transport of ["htmlfile", "jsonp"]) {
      const url = await connectedSession(server, `raw${transport}`, `raw_${transport}`);
      await server.api("POST", `/users/raw_${transport}/`, JSON.stringify(payload));
      const res = await fetch(`${url}/${transport}?c=cb`);
      const body = await readUntil(res, "payload");
      // The call that carries the message frame: `p("a[...]")` or `/**/cb("a[...]");`.
      const call = body.split("\n").find((line) => line.includes("payload"))!;
      assert.doesNotMatch(call, /[<>&\u2028\u2029]/, `${transport}: ${call}`);
      // The JavaScript string literal still decodes to the frame, and the frame to the payload.
      const frame = JSON.parse(/\((".*")\);/.exec(call)![1]) as string;
      assert.deepEqual(JSON.parse(frame.slice(1)), [{ payload: JSON.stringify(payload) }]);
      if (transport === "jsonp") assert.equal(res.headers.get("X-Content-Type-Options"), "nosniff");
    }
  } finally {
    await server.close();
  }
});

Deno.test("callback names that are not plain identifiers are refused, not reflected", async () => {
  const server = startServer();
  try {
    for (const transport of ["htmlfile", "jsonp"]) {
      for (
        const c of [
          "</script><script>alert(1)</script>",
          "a(1);b",
          "x\u2028y",
          "a".repeat(33),
          "alert`1`",
        ]
      ) {
        const res = await fetch(
          `${server.base}/connect/000/cb${transport}/${transport}?c=${encodeURIComponent(c)}`,
        );
        const text = await res.text();
        assert.equal(res.status, 500, `${transport} ?c=${c}`);
        assert.equal(text, 'invalid "callback" parameter');
        assert.match(res.headers.get("Content-Type") ?? "", /^text\/plain/);
      }
    }
  } finally {
    await server.close();
  }
});

Deno.test("the iframe page writes its script URL as an attribute value, escaped", async () => {
  const sockjs = new SockjsServer({
    prefix: "/x",
    sockjsUrl: `https://cdn.example/s.js?a=1&b="><script>alert(1)</script>`,
  });
  const res = await sockjs.handle(new Request("http://localhost/x/iframe.html"))!;
  const html = await res.text();
  assert.equal(res.status, 200);
  assert.equal((html.match(/<script/g) ?? []).length, 2);
  assert.match(
    html,
    /<script src="https:\/\/cdn\.example\/s\.js\?a=1&#38;b=&#34;&#62;&#60;script&#62;alert\(1\)&#60;\/script&#62;"><\/script>/,
  );
});
