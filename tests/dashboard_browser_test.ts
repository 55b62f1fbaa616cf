/**
 * The dashboard in headless Chromium against a real server: signing in (Enter in the form), live
 * numbers that follow SockJS clients without a reload, charts drawn, the busiest channels and the
 * nodes, a wrong secret (an error, no numbers), the secret kept in session storage and sent only
 * in its header, behind a reverse proxy's path prefix, and no script errors.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { KEY, SECRET, startServer, type TestServer } from "./helpers/server.ts";
import { SockjsWs } from "./helpers/sockjs_ws.ts";
import { launchBrowser } from "./helpers/browser.ts";

const WAIT = 10_000;

/** A page that records script errors and console errors, and every request's URL and headers. */
async function dashboardPage(browser: Browser, url: string) {
  const page = await browser.newPage();
  const errors: string[] = [];
  const consoleErrors: string[] = [];
  const requests: { url: string; secret: string | undefined }[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (m) => m.type() === "error" && consoleErrors.push(m.text()));
  page.on(
    "request",
    (r) => requests.push({ url: r.url(), secret: r.headers()["x-thunder-secret-key"] }),
  );
  await page.goto(url);
  return { page, errors, consoleErrors, requests };
}

async function signIn(page: Page, key: string, secret: string): Promise<void> {
  await page.fill("input[name=key]", key);
  await page.fill("input[name=secret]", secret);
  await page.press("input[name=secret]", "Enter");
}

function stat(page: Page, name: string): Promise<string> {
  return page.evaluate(`document.querySelector('[data-stat="${name}"]').textContent`) as Promise<
    string
  >;
}

/**
 * Polls `expression` in the page until it is truthy (not `waitForFunction`: it evaluates its
 * predicate with `eval`, which the dashboard's CSP forbids, as it should).
 */
async function pageUntil(page: Page, expression: string): Promise<void> {
  const deadline = Date.now() + WAIT;
  while (!(await page.evaluate(expression))) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${expression}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function statBecomes(page: Page, name: string, value: string): Promise<void> {
  await pageUntil(
    page,
    `document.querySelector('[data-stat="${name}"]').textContent === ${JSON.stringify(value)}`,
  );
}

async function connect(server: TestServer | string, user: string, ...channels: string[]) {
  const c = await SockjsWs.session(typeof server === "string" ? server : server.base);
  c.send(`CONNECT ${user}:${KEY}`, ...channels.map((ch) => `SUBSCRIBE ${ch}`));
  return c;
}

/** Runs `body` with a server and a browser, closing both (and the clients) after. */
async function withDashboard(
  body: (server: TestServer, browser: Browser, clients: SockjsWs[]) => Promise<void>,
): Promise<void> {
  const server = startServer();
  const clients: SockjsWs[] = [];
  let browser: Browser | undefined;
  try {
    browser = await launchBrowser();
    await body(server, browser, clients);
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await browser?.close();
    await server.close();
  }
}

Deno.test("dashboard: sign in with Enter, numbers follow clients live, charts, channels, nodes", async () => {
  await withDashboard(async (server, browser, clients) => {
    const { page, errors, consoleErrors, requests } = await dashboardPage(
      browser,
      `${server.base}/dashboard/`,
    );
    assert.equal(await page.isVisible("#dashboard"), false);
    await signIn(page, KEY, SECRET);
    await statBecomes(page, "connections", "0");
    for (
      const [user, channels] of [["alice", ["news"]], ["alice", ["news", "sport"]], ["bob", [
        "news",
      ]]] as const
    ) {
      clients.push(await connect(server, user, ...channels));
    }
    await statBecomes(page, "connections", "3");
    await statBecomes(page, "users", "2");
    await statBecomes(page, "channels", "2");
    // Pushes for a few seconds: the rate shows, and the charts have lines.
    const started = Date.now();
    while (Date.now() - started < 4_000) {
      await server.api("POST", "/channels/news/", '"tick"');
      await new Promise((r) => setTimeout(r, 50));
    }
    await pageUntil(
      page,
      `Number(document.querySelector('[data-stat="delivered_per_second"]').textContent) > 0`,
    );
    const lines = await page.evaluate(`[...document.querySelectorAll("svg.chart polyline")]
      .map((l) => [l.closest("svg").id, l.getAttribute("class"), l.points.numberOfItems])`) as [
      string,
      string,
      number,
    ][];
    assert.deepEqual(lines.map(([id, cls]) => `${id} ${cls}`), [
      "chart-connections line published",
      "chart-messages line published",
      "chart-messages line delivered",
    ]);
    for (const [, , n] of lines) assert.ok(n >= 2, JSON.stringify(lines));
    assert.equal(await page.textContent("#channels tr:first-child td:first-child"), "news");
    assert.equal(await page.textContent("#channels tr:first-child td:last-child"), "3");
    assert.match(await page.textContent("#nodes tr:first-child td:first-child") ?? "", /^local/);
    // A client leaves: the number follows, without a reload.
    await clients.pop()!.close();
    await statBecomes(page, "connections", "2");
    await statBecomes(page, "users", "1");
    // The secret: in session storage only, in the header only, never in a URL.
    assert.equal(
      await page.evaluate(`sessionStorage.getItem("thunderpush.dashboard.secret")`),
      SECRET,
    );
    assert.equal(await page.evaluate("localStorage.length"), 0);
    assert.equal(await page.evaluate("document.cookie"), "");
    const polls = requests.filter((r) => r.url.includes("/stats/"));
    assert.ok(polls.length >= 3, `${polls.length} polls`);
    for (const r of polls) assert.equal(r.secret, SECRET);
    for (const r of requests) assert.ok(!r.url.includes(SECRET), r.url);
    assert.ok(requests.filter((r) => !r.url.includes("/stats/")).every((r) => !r.secret));
    assert.deepEqual(errors, []);
    assert.deepEqual(consoleErrors, []);
    // Signing out forgets the secret and the numbers.
    await page.click("#signout");
    assert.equal(await page.evaluate(`sessionStorage.length`), 0);
    assert.equal(await stat(page, "connections"), "-");
    assert.equal(await page.isVisible("#login"), true);
  });
});

Deno.test("dashboard: a wrong secret shows the error and no numbers", async () => {
  await withDashboard(async (server, browser, clients) => {
    clients.push(await connect(server, "alice", "news"));
    const { page, errors } = await dashboardPage(browser, `${server.base}/dashboard/`);
    await signIn(page, KEY, "not-the-secret");
    await page.waitForSelector("#error:not([hidden])", { timeout: WAIT });
    assert.equal(await page.textContent("#error"), "Wrong API key/secret.");
    assert.equal(await page.isVisible("#dashboard"), false);
    for (const name of ["connections", "users", "channels"]) {
      assert.equal(await stat(page, name), "-");
    }
    assert.equal(await page.evaluate(`sessionStorage.length`), 0, "the wrong secret is not kept");
    // Then the right one works in the same page.
    await signIn(page, KEY, SECRET);
    await statBecomes(page, "connections", "1");
    assert.equal(await page.isVisible("#error"), false);
    assert.deepEqual(errors, []);
  });
});

Deno.test("dashboard: works behind a reverse proxy's path prefix (relative URLs only)", async () => {
  await withDashboard(async (server, browser, clients) => {
    // A proxy that serves the whole server under /push/.
    const proxy = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (req) => {
      const url = new URL(req.url);
      if (!url.pathname.startsWith("/push/")) return new Response("no", { status: 404 });
      const res = await fetch(`${server.base}${url.pathname.slice(5)}${url.search}`, {
        method: req.method,
        headers: req.headers,
        redirect: "manual",
      });
      return new Response(res.body, { status: res.status, headers: res.headers });
    });
    try {
      const base = `http://127.0.0.1:${proxy.addr.port}`;
      const { page, errors, requests } = await dashboardPage(browser, `${base}/push/dashboard`);
      assert.equal(page.url(), `${base}/push/dashboard/`);
      clients.push(await connect(server, "alice", "news"));
      await signIn(page, KEY, SECRET);
      await statBecomes(page, "connections", "1");
      for (const r of requests) assert.ok(r.url.startsWith(`${base}/push/`), r.url);
      assert.deepEqual(errors, []);
      await page.close();
    } finally {
      await proxy.shutdown();
    }
  });
});
