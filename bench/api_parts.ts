/**
 * What the API's parts cost when served: each variant is its own `Deno.serve` in this process,
 * loaded in turn by `wrk` with the bench's POST (bench/wrk/post.lua's body to `/channels/x/`), and
 * measured by this process's CPU time per request (this process on one CPU, wrk on another). The ladder goes from the fair anchor's work
 * (`bare-deno-http-read`) to the whole server, one part at a time, so the differences say what
 * each part adds. The variants take turns, round after round, the order reversed every round;
 * each figure is the median over the rounds, and each ratio the median of the rounds' ratios to
 * the anchor (what the machine's other load does weighs on a round's variants alike).
 *
 * Usage: `deno run -A bench/api_parts.ts [--rounds N] [--seconds S] [--connections C]` (default
 * 10 rounds of 2 s, 50 connections). Needs `wrk`. Prints one line per variant.
 *
 * @module
 */

// deno-lint-ignore-file no-console

import { cpuUsage } from "node:process";
import { parseArgs } from "node:util";
import { Thunderpush } from "../lib/server.ts";
import { serve } from "../lib/adapters/serve_deno.ts";
import { hostError, targetUrl } from "../lib/http/request_url.ts";
import { routeOf } from "../lib/api/routes.ts";
import { readUtf8 } from "../lib/http/body.ts";
import { isJsonText } from "../lib/json.ts";
import { jsonTextResponse } from "../lib/api/errors.ts";
import { timingSafeEqual } from "../lib/api/auth.ts";
import { API_HEADERS } from "./servers/_shared.ts";
import { hasWrk, wrk } from "./api.ts";
import { pinToCpu } from "./proc.ts";
import { KEY, SECRET } from "./targets.ts";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "10" },
    seconds: { type: "string", default: "2" },
    connections: { type: "string", default: "50" },
  },
});
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const plan = { seconds, connections: Number(values.connections), rounds };
if (!(rounds >= 1 && seconds >= 1 && plan.connections >= 1)) {
  throw new Error("--rounds, --seconds and --connections take positive numbers");
}
if (!(await hasWrk())) throw new Error("wrk is not installed: `deno task setup` installs it");

const COUNT = '{"count": 0}\n';
const thunder = new Thunderpush({ apps: [{ publicKey: KEY, secret: SECRET }] });

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
  "+ Host check, URL, route": async (req) => {
    checkTarget(req);
    req.headers.get("X-Thunder-Secret-Key");
    JSON.parse(await req.text());
    return new Response(COUNT, { headers: API_HEADERS });
  },
  "+ body as bytes: size limit, strict UTF-8": async (req) => {
    checkTarget(req);
    req.headers.get("X-Thunder-Secret-Key");
    isJsonText((await readUtf8(req, 65_536))!);
    return new Response(COUNT, { headers: API_HEADERS });
  },
  "+ secret check, publish, the project's Response": async (req) => {
    checkTarget(req);
    const app = thunder.hub.app(KEY)!;
    timingSafeEqual(req.headers.get("X-Thunder-Secret-Key")!, app.secret);
    const payload = (await readUtf8(req, 65_536))!;
    isJsonText(payload);
    const count = thunder.broker.publishToChannel(app, "x", payload) as number;
    return jsonTextResponse(200, '{"count": ' + count + "}\n");
  },
};

/** Each variant's address and how to stop it; the whole server goes through the Deno adapter. */
const served = Object.entries(variants).map(([name, handler]) => {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
  return { name, port: server.addr.port, close: () => server.shutdown() };
});
const whole = serve(thunder.handle, { hostname: "127.0.0.1", port: 0 });
served.push({
  name: "whole server (its layers, counters, clock; the Deno adapter)",
  port: whole.addr.port,
  close: () => whole.close(),
});

// This process on CPU 0 and wrk on CPU 1, when there are two.
const wrkCpu = await pinToCpu(Deno.pid, 0) ? 1 : undefined;
const path = `/api/1.0.0/${KEY}/channels/x/`;
const cpuMicros = () => {
  const { user, system } = cpuUsage();
  return user + system;
};
const figures = new Map<string, number[]>(served.map(({ name }) => [name, []]));
for (const { port } of served) await wrk(`http://127.0.0.1:${port}${path}`, plan, 1, true, wrkCpu);
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? served : [...served].reverse();
  for (const { name, port } of order) {
    const before = cpuMicros();
    const run = await wrk(`http://127.0.0.1:${port}${path}`, plan, seconds, true, wrkCpu);
    const micros = cpuMicros() - before;
    if (run.errors > 0) throw new Error(`${name}: ${run.errors} errors`);
    figures.get(name)!.push(micros / run.requests);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const anchor = figures.get(served[0].name)!;
for (const [name, xs] of figures) {
  const ratio = median(xs.map((x, i) => x / anchor[i]));
  console.log(
    `${median(xs).toFixed(2).padStart(6)} µs  ${ratio.toFixed(2)}x  ${name}  ` +
      `(${xs.map((x) => x.toFixed(1)).join(" · ")})`,
  );
}
await thunder.close();
await Promise.all(served.map(({ close }) => close()));
