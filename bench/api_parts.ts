/**
 * What the API's parts cost in process, without sockets: each variant answers the bench's POST
 * (bench/wrk/post.lua's body to `/channels/x/`) for ready-made `Request`s, one after another; the
 * variants take turns, a round each, and each figure is the median over the rounds. The ladder
 * goes from the fair anchor's work (`bare-deno-http-read`) to the whole server, one part at a
 * time, so the differences say what each part adds.
 *
 * In process a `Request` holds its body as a string, which `text()` gets back for little: reading
 * it as bytes costs more here than when served, where both read a stream (see BENCHMARKS.md).
 *
 * Usage: `deno run -A bench/api_parts.ts [--requests N] [--rounds N]` (default 20,000 and 7).
 * Prints one line per variant: the median µs per request, then each round's figure.
 *
 * @module
 */

// deno-lint-ignore-file no-console

import { parseArgs } from "node:util";
import { Thunderpush } from "../lib/server.ts";
import { hostError, targetUrl } from "../lib/http/request_url.ts";
import { routeOf } from "../lib/api/routes.ts";
import { readUtf8 } from "../lib/http/body.ts";
import { isJsonText } from "../lib/json.ts";
import { jsonTextResponse } from "../lib/api/errors.ts";
import { API_HEADERS } from "./servers/_shared.ts";

const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "20000" },
    rounds: { type: "string", default: "7" },
  },
});
const requests = Number(values.requests);
const rounds = Number(values.rounds);

const url = "http://127.0.0.1:8080/api/1.0.0/k/channels/x/";
const body = '{"id":"#0#","text":"Hello from the Thunderpush benchmark"}';
const headers = {
  "Host": "127.0.0.1:8080",
  "X-Thunder-Secret-Key": "s",
  "Content-Type": "application/json",
  "Content-Length": String(body.length),
};
const thunder = new Thunderpush({ apps: [{ publicKey: "k", secret: "s" }] });
const COUNT = '{"count": 0}\n';

/** The server's checks before the body: the `Host` header, the request target, the route. */
function checkTarget(req: Request): void {
  hostError(req);
  routeOf((targetUrl(req.url) as URL).pathname);
}

/** The variants, each doing what the one before does and one part more. */
const variants: Record<string, (req: Request) => Promise<Response>> = {
  "fair anchor (bare-deno-http-read)": async (req) => {
    req.headers.get("X-Thunder-Secret-Key");
    JSON.parse(await req.text());
    return new Response(COUNT, { headers: API_HEADERS });
  },
  "+ the project's Response (headers set after)": async (req) => {
    req.headers.get("X-Thunder-Secret-Key");
    JSON.parse(await req.text());
    return jsonTextResponse(200, COUNT);
  },
  "+ Host check, URL, route": async (req) => {
    checkTarget(req);
    req.headers.get("X-Thunder-Secret-Key");
    JSON.parse(await req.text());
    return jsonTextResponse(200, COUNT);
  },
  "+ body as bytes, strict UTF-8, size limit": async (req) => {
    checkTarget(req);
    req.headers.get("X-Thunder-Secret-Key");
    isJsonText((await readUtf8(req, 65_536))!);
    return jsonTextResponse(200, COUNT);
  },
  "whole server (+ secret check, publish, counters, clock)": (req) => thunder.fetch(req),
};

const figures = new Map<string, number[]>();
for (let round = 0; round < rounds; round++) {
  for (const [name, answer] of Object.entries(variants)) {
    const batch = Array.from(
      { length: requests },
      () => new Request(url, { method: "POST", headers, body }),
    );
    const started = performance.now();
    for (const req of batch) {
      const res = await answer(req);
      if (res.status !== 200) throw new Error(`${name}: status ${res.status}`);
    }
    const perRequest = (performance.now() - started) * 1000 / requests;
    figures.set(name, [...figures.get(name) ?? [], perRequest]);
  }
}
for (const [name, xs] of figures) {
  const median = [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const each = xs.map((x) => x.toFixed(1)).join(" · ");
  console.log(`${median.toFixed(2).padStart(6)} µs  ${name}  (${each})`);
}
await thunder.close();
