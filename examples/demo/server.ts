/**
 * The demo backend: serves the demo page and sends messages through the Thunderpush HTTP API.
 * The secret stays here; the page only ever sees the public key, and loads the SockJS client
 * and thunderpush.js from the Thunderpush server.
 *
 * ```sh
 * deno run -A main.ts -p 8080 demokey demosecret            # the Thunderpush server
 * deno run -A examples/demo/server.ts --thunder http://localhost:8080 \
 *   --key demokey --secret demosecret --port 8000             # then open http://localhost:8000/
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";

/** Where the demo finds Thunderpush. */
export interface DemoOptions {
  /** Base URL of the Thunderpush server as browsers reach it, e.g. `http://localhost:8080`. */
  readonly thunder: string;
  /** Base URL the backend itself uses for the API (default: `thunder`). */
  readonly api?: string;
  /** The public key. */
  readonly publicKey: string;
  /** The secret, sent as `X-Thunder-Secret-Key`; never sent to the browser. */
  readonly secret: string;
}

const PAGE = new URL("./index.html", import.meta.url);

function json(status: number, value: unknown): Response {
  return new Response(JSON.stringify(value) + "\n", {
    status,
    headers: { "Content-Type": "application/json; charset=utf-8" },
  });
}

/** Sends `{ channel | user, message }` through the API and answers with the API's answer. */
async function send(req: Request, options: DemoOptions): Promise<Response> {
  let body: { channel?: string; user?: string; message?: string };
  try {
    body = await req.json();
  } catch {
    return json(400, { message: "Cannot parse request body: expected a JSON object" });
  }
  const target = body.channel
    ? `channels/${encodeURIComponent(body.channel)}`
    : body.user
    ? `users/${encodeURIComponent(body.user)}`
    : null;
  if (!target || typeof body.message !== "string") {
    return json(400, { message: "Expected a channel or a user, and a message" });
  }
  const base = (options.api ?? options.thunder).replace(/\/+$/, "");
  const res = await fetch(`${base}/api/1.0.0/${options.publicKey}/${target}/`, {
    method: "POST",
    headers: { "X-Thunder-Secret-Key": options.secret, "Content-Type": "application/json" },
    body: body.message,
  });
  return new Response(res.body, { status: res.status, headers: res.headers });
}

/** The demo's request handler. */
export function createDemoHandler(options: DemoOptions): (req: Request) => Promise<Response> {
  const thunder = options.thunder.replace(/\/+$/, "");
  const config = { thunder, publicKey: options.publicKey };
  return async (req) => {
    const path = new URL(req.url).pathname;
    if (req.method === "POST" && path === "/send") return await send(req, options);
    if (req.method !== "GET") return json(405, { message: "Method not allowed" });
    if (path === "/config.json") return json(200, config);
    if (path !== "/") return json(404, { message: "Not found" });
    // The page loads sockjs.min.js and thunderpush.js from the Thunderpush server itself.
    const page = (await Deno.readTextFile(PAGE)).replaceAll("{{THUNDER}}", thunder);
    return new Response(page, { headers: { "Content-Type": "text/html; charset=utf-8" } });
  };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      thunder: { type: "string", default: "http://localhost:8080" },
      key: { type: "string", default: "demokey" },
      secret: { type: "string", default: "demosecret" },
      port: { type: "string", default: "8000" },
    },
  });
  const handler = createDemoHandler({
    thunder: values.thunder,
    publicKey: values.key,
    secret: values.secret,
  });
  Deno.serve({ port: Number(values.port) }, handler);
}
