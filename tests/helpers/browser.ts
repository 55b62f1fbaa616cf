/**
 * Browser test helpers: headless Chromium through playwright-core, and a small static server
 * for test pages and the ESM client (TypeScript transpiled on the fly). The SockJS client and
 * thunderpush.js come from the Thunderpush server under test.
 *
 * @module
 */

import assert from "node:assert/strict";
import { type Browser, chromium, type Page } from "playwright-core";
import ts from "typescript";

/** The Chromium binary: `CHROMIUM_PATH`, else Debian's. */
export const CHROMIUM_PATH = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * Launches headless Chromium (with `extraArgs` after the usual flags); fails with the command
 * that installs it when it is missing.
 */
export async function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  try {
    await Deno.stat(CHROMIUM_PATH);
  } catch {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}; the browser tests need it. ` +
        "Install it with: apt-get install -y chromium (or set CHROMIUM_PATH).",
    );
  }
  return await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS, ...extraArgs],
  });
}

/** Opens a page that records uncaught errors in `errors`. */
export async function openPage(
  browser: Browser,
  url: string,
): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(url);
  return { page, errors };
}

const ROOT = new URL("../../", import.meta.url);
const JS = "text/javascript; charset=utf-8";

/** Files the asset server may hand out (the ESM client), by URL path; served transpiled. */
function allowed(path: string): boolean {
  return /^\/client\/[a-z_]+\.ts$/.test(path) || path === "/lib/protocol/close_codes.ts";
}

function transpile(source: string): string {
  return ts.transpileModule(source, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
  }).outputText;
}

/** A static server for test pages and the ESM client. */
export interface AssetServer {
  /** `http://127.0.0.1:PORT`. */
  readonly base: string;
  /** Serves `html` at `path`. */
  page(path: string, html: string): string;
  /** Stops the server. */
  close(): Promise<void>;
}

/** Starts an asset server on a free port. */
export function serveAssets(): AssetServer {
  const pages = new Map<string, string>();
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, async (req) => {
    const path = new URL(req.url).pathname;
    const html = pages.get(path);
    if (html !== undefined) {
      return new Response(html, { headers: { "Content-Type": "text/html; charset=utf-8" } });
    }
    if (!allowed(path)) return new Response("Not found.\n", { status: 404 });
    const source = await Deno.readTextFile(new URL(path.slice(1), ROOT));
    return new Response(transpile(source), { headers: { "Content-Type": JS } });
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  return {
    base,
    page(path, html) {
      pages.set(path, html);
      return base + path;
    },
    close: () => server.shutdown(),
  };
}

/** Where a page loads the SockJS client and thunderpush.js from. */
export interface ClientScripts {
  /** URL of the SockJS browser build. */
  readonly sockjs: string;
  /** URL of thunderpush.js. */
  readonly thunderpush: string;
}

async function checkServed(url: string, file: string): Promise<void> {
  const res = await fetch(url);
  const body = await res.text();
  assert.equal(res.status, 200, `GET ${url}`);
  assert.match(res.headers.get("Content-Type") ?? "", /^(application|text)\/javascript/);
  assert.ok(
    body === await Deno.readTextFile(new URL(file, ROOT)),
    `${url} differs from ${file}: run \`deno task assets\``,
  );
}

/**
 * The URLs the Thunderpush server at `thunderBase` serves the browser scripts at, checked to
 * answer with the current files: `/connect/sockjs.min.js` and `/thunderpush.js`.
 */
export async function clientScripts(thunderBase: string): Promise<ClientScripts> {
  const scripts = {
    sockjs: `${thunderBase}/connect/sockjs.min.js`,
    thunderpush: `${thunderBase}/thunderpush.js`,
  };
  await checkServed(scripts.sockjs, "client/vendor/sockjs.min.js");
  await checkServed(scripts.thunderpush, "client/thunderpush.js");
  return scripts;
}
