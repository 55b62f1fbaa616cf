/**
 * API throughput with `wrk` (Debian's package): `POST /channels/x/` to a channel nobody is in,
 * and `GET /users/`, against each server in its own process; the anchor is a bare `Deno.serve`
 * answering the same bytes.
 *
 * The servers are measured side by side: all are started once and warmed up, then measured in
 * turn, round after round, the order reversed every round. What other processes on the machine
 * do then weighs on every server alike within a round, and the medians over the rounds, and the
 * median of each round's ratio between two servers, leave the disturbed rounds out.
 *
 * @module
 */

import { commandOutput, cpuMicros, pinToCpu, spawnChild } from "./proc.ts";
import { KEY, SECRET, startTarget, type Target } from "./targets.ts";

const POST_SCRIPT = new URL("./wrk/post.lua", import.meta.url).pathname;

/** Settings of the wrk runs. */
export interface ApiPlan {
  /** Seconds of each measured run (each server is warmed up with a 1 s run first). */
  readonly seconds: number;
  /** Open connections. */
  readonly connections: number;
  /** Measured runs per server and request, one per round. */
  readonly rounds: number;
}

/** One wrk measurement. */
export interface ApiFigures {
  /** Requests per second. */
  readonly rps: number;
  /** Latency percentiles, milliseconds. */
  readonly p50Ms: number;
  /** 99th percentile latency, milliseconds. */
  readonly p99Ms: number;
  /** Server CPU microseconds per request. */
  readonly usPerReq: number;
  /** Answers that were not 2xx/3xx, plus socket errors. */
  readonly errors: number;
}

/** wrk figures for one server. */
export interface ApiResult {
  /** Target id. */
  readonly target: string;
  /** `POST /channels/x/` with no subscribers: the medians over the rounds (errors: the sum). */
  readonly post: ApiFigures | null;
  /** `GET /users/`, likewise. */
  readonly users: ApiFigures | null;
  /** Every round's figures, in round order. */
  readonly rounds: { readonly post: ApiFigures[]; readonly users: ApiFigures[] };
  /** Why it did not run (or stopped), if it did not. */
  readonly error: string | null;
}

/** The two requests measured. */
export type ApiKind = "post" | "users";

/** Whether `wrk` is installed. */
export async function hasWrk(): Promise<boolean> {
  return (await commandOutput("sh", ["-c", "command -v wrk"])) !== "";
}

function toMs(value: string, unit: string): number {
  const n = Number(value);
  return unit === "us" ? n / 1000 : unit === "s" ? n * 1000 : unit === "m" ? n * 60_000 : n;
}

/** Reads requests/s, latency percentiles and errors from wrk's `--latency` output. */
export function parseWrk(output: string): Omit<ApiFigures, "usPerReq"> & { requests: number } {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1] ?? NaN);
  const requests = Number(/(\d+) requests in/.exec(output)?.[1] ?? NaN);
  const pct = (p: string) => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, "m").exec(output);
    return m ? toMs(m[1], m[2]) : NaN;
  };
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(output)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(
    output,
  );
  const socketErrors = socket ? socket.slice(1).reduce((n, v) => n + Number(v), 0) : 0;
  return { rps, requests, p50Ms: pct("50"), p99Ms: pct("99"), errors: non2xx + socketErrors };
}

/**
 * Runs wrk once against `url` (POSTing the bench body when `post`) and parses its output. With
 * `cpu`, wrk runs on that CPU only (`taskset`).
 */
export async function wrk(
  url: string,
  plan: ApiPlan,
  seconds: number,
  post: boolean,
  cpu?: number,
): Promise<ReturnType<typeof parseWrk>> {
  const args = [
    "-t1",
    `-c${plan.connections}`,
    `-d${seconds}s`,
    "--latency",
    "-H",
    `X-Thunder-Secret-Key: ${SECRET}`,
    ...(post ? ["-s", POST_SCRIPT] : []),
    url,
  ];
  const command = cpu === undefined
    ? ["wrk", ...args]
    : ["taskset", "-c", String(cpu), "wrk", ...args];
  const child = spawnChild(command[0], command.slice(1), { stdout: "piped", stderr: "piped" });
  const out = await child.output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) throw new Error(`wrk failed: ${new TextDecoder().decode(out.stderr)}`);
  return parseWrk(text);
}

/** The middle value (the mean of the two middle ones for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The medians of a server's rounds, errors summed; null for no rounds. */
export function medianFigures(rounds: readonly ApiFigures[]): ApiFigures | null {
  if (rounds.length === 0) return null;
  const of = (key: Exclude<keyof ApiFigures, "errors">) => median(rounds.map((f) => f[key]));
  return {
    rps: of("rps"),
    p50Ms: of("p50Ms"),
    p99Ms: of("p99Ms"),
    usPerReq: of("usPerReq"),
    errors: rounds.reduce((n, f) => n + f.errors, 0),
  };
}

/**
 * The median over the rounds both servers ran of `a`'s figure over `b`'s (`key` of `kind`): a
 * ratio measured side by side, round by round. Undefined when they share no round.
 */
export function pairedRatio(
  a: ApiResult | undefined,
  b: ApiResult | undefined,
  kind: ApiKind,
  key: "rps" | "usPerReq",
): number | undefined {
  if (!a || !b) return undefined;
  // Results written before the rounds were kept hold only one figure each.
  const roundsOf = (result: ApiResult) => {
    const figures = result[kind];
    return result.rounds?.[kind] ?? (figures ? [figures] : []);
  };
  const ratios = roundRatios(roundsOf(a).map((f) => f[key]), roundsOf(b).map((f) => f[key]));
  return ratios.length ? median(ratios) : undefined;
}

/**
 * Round r of `xs` over round r of `ys`, for every round both have, leaving out rounds whose
 * figures are not finite or whose divisor is not above 0.
 *
 * @example
 * ```ts
 * import { roundRatios } from "./api.ts";
 * roundRatios([2, 3, 4], [1, 0, 2, 5]); // [2, 2]
 * ```
 */
export function roundRatios(xs: readonly number[], ys: readonly number[]): number[] {
  const ratios: number[] = [];
  for (let r = 0; r < Math.min(xs.length, ys.length); r++) {
    const x = xs[r];
    const y = ys[r];
    if (Number.isFinite(x) && Number.isFinite(y) && y > 0) ratios.push(x / y);
  }
  return ratios;
}

/**
 * Runs wrk against every server side by side: starts them all, warms each up, then measures
 * each in turn for `plan.rounds` rounds (the order reversed every other round), and stops them.
 * A server that fails to start, or whose run fails, keeps the rounds it ran and its error.
 */
export async function runApiSideBySide(
  targets: readonly Target[],
  plan: ApiPlan,
  say: (line: string) => void = () => {},
): Promise<ApiResult[]> {
  interface Entry {
    target: Target;
    server: Awaited<ReturnType<typeof startTarget>> | null;
    post: ApiFigures[];
    users: ApiFigures[];
    error: string | null;
  }
  const entries: Entry[] = [];
  // Every server on CPU 0 and wrk on CPU 1 (when there are two): sharing a core with wrk, a
  // server's CPU per request swung by half from round to round on the 2-core bench machine.
  let wrkCpu: number | undefined = 1;
  for (const target of targets) {
    const entry: Entry = { target, server: null, post: [], users: [], error: null };
    entries.push(entry);
    try {
      entry.server = await startTarget(target);
      if (!(await pinToCpu(entry.server.pid, 0))) wrkCpu = undefined;
    } catch (error) {
      entry.error = (error as Error).message;
    }
  }
  if (wrkCpu === undefined) say("wrk: servers not pinned to a CPU (taskset failed or one CPU)");
  const urls = (entry: Entry) => {
    const base = `http://127.0.0.1:${entry.server!.port}/api/1.0.0/${KEY}`;
    return { post: `${base}/channels/x/`, users: `${base}/users/` };
  };
  const measure = async (entry: Entry, kind: ApiKind): Promise<ApiFigures> => {
    const server = entry.server!;
    const cpu0 = cpuMicros(server.pid);
    const figures = await wrk(urls(entry)[kind], plan, plan.seconds, kind === "post", wrkCpu);
    const cpu = cpuMicros(server.pid) - cpu0;
    const { requests: _, ...rest } = figures;
    return { ...rest, usPerReq: cpu / figures.requests };
  };
  const live = () => entries.filter((e) => e.server !== null && e.error === null);
  try {
    for (const entry of live()) {
      try {
        await wrk(urls(entry).post, plan, 1, true, wrkCpu);
        await wrk(urls(entry).users, plan, 1, false, wrkCpu);
      } catch (error) {
        entry.error = (error as Error).message;
      }
    }
    for (let r = 0; r < plan.rounds; r++) {
      const order = r % 2 === 0 ? live() : live().reverse();
      say(`wrk round ${r + 1} of ${plan.rounds}: ${order.map((e) => e.target.id).join(", ")}`);
      for (const entry of order) {
        try {
          entry.post.push(await measure(entry, "post"));
          entry.users.push(await measure(entry, "users"));
        } catch (error) {
          entry.error = (error as Error).message;
        }
      }
    }
  } finally {
    await Promise.all(entries.map((e) => e.server?.stop()));
  }
  return entries.map((e) => ({
    target: e.target.id,
    post: medianFigures(e.post),
    users: medianFigures(e.users),
    rounds: { post: e.post, users: e.users },
    error: e.error,
  }));
}
