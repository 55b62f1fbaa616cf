/**
 * API throughput with `wrk` (Debian's package): `POST /channels/x/` to a channel nobody is in,
 * and `GET /users/`, against each server in its own process; the anchor is a bare `Deno.serve`
 * answering the same bytes.
 *
 * @module
 */

import { commandOutput, cpuMicros, spawnChild } from "./proc.ts";
import { KEY, SECRET, startTarget, type Target } from "./targets.ts";

const POST_SCRIPT = new URL("./wrk/post.lua", import.meta.url).pathname;

/** Settings of a wrk run. */
export interface ApiPlan {
  /** Seconds of each measured run (a 1 s warm-up run comes first). */
  readonly seconds: number;
  /** Open connections. */
  readonly connections: number;
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
  /** `POST /channels/x/` with no subscribers. */
  readonly post: ApiFigures | null;
  /** `GET /users/`. */
  readonly users: ApiFigures | null;
  /** Why it did not run, if it did not. */
  readonly error: string | null;
}

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

/** Runs wrk once against `url` (POSTing the bench body when `post`) and parses its output. */
export async function wrk(
  url: string,
  plan: ApiPlan,
  seconds: number,
  post: boolean,
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
  const child = spawnChild("wrk", args, { stdout: "piped", stderr: "piped" });
  const out = await child.output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) throw new Error(`wrk failed: ${new TextDecoder().decode(out.stderr)}`);
  return parseWrk(text);
}

/** Runs wrk against one server (fresh process) and stops it. */
export async function runApi(target: Target, plan: ApiPlan): Promise<ApiResult> {
  let server;
  try {
    server = await startTarget(target);
  } catch (error) {
    return { target: target.id, post: null, users: null, error: (error as Error).message };
  }
  const base = `http://127.0.0.1:${server.port}/api/1.0.0/${KEY}`;
  const measure = async (url: string, post: boolean): Promise<ApiFigures> => {
    await wrk(url, plan, 1, post);
    const cpu0 = cpuMicros(server.pid);
    const figures = await wrk(url, plan, plan.seconds, post);
    const cpu = cpuMicros(server.pid) - cpu0;
    const { requests: _, ...rest } = figures;
    return { ...rest, usPerReq: cpu / figures.requests };
  };
  try {
    const post = await measure(`${base}/channels/x/`, true);
    const users = await measure(`${base}/users/`, false);
    return { target: target.id, post, users, error: null };
  } catch (error) {
    return { target: target.id, post: null, users: null, error: (error as Error).message };
  } finally {
    await server.stop();
  }
}
