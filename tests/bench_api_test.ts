/**
 * How the bench sums up its side-by-side wrk rounds (bench/api.ts): medians over the rounds, and
 * ratios taken round by round.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  type ApiFigures,
  type ApiResult,
  median,
  medianFigures,
  pairedRatio,
  roundRatios,
} from "../bench/api.ts";

const figures = (rps: number, usPerReq: number, errors = 0): ApiFigures => ({
  rps,
  p50Ms: 1000 / rps,
  p99Ms: 2000 / rps,
  usPerReq,
  errors,
});

const result = (target: string, post: ApiFigures[]): ApiResult => ({
  target,
  post: medianFigures(post),
  users: null,
  rounds: { post, users: [] },
  error: null,
});

Deno.test("median: the middle value, the mean of the middle two, NaN for none", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
});

Deno.test("medianFigures: each figure's median over the rounds, errors summed", () => {
  assert.deepEqual(
    medianFigures([figures(100, 10, 1), figures(300, 30), figures(200, 20, 2)]),
    { rps: 200, p50Ms: 5, p99Ms: 10, usPerReq: 20, errors: 3 },
  );
  assert.equal(medianFigures([]), null);
});

Deno.test("pairedRatio: the median of the rounds' ratios, not the ratio of the medians", () => {
  // The anchor's third round was disturbed; round by round the project runs at 0.8x of it.
  const anchor = result("anchor", [figures(100, 10), figures(200, 5), figures(50, 20)]);
  const project = result("project", [figures(80, 12.5), figures(160, 6.25), figures(40, 25)]);
  assert.equal(pairedRatio(project, anchor, "post", "rps"), 0.8);
  assert.equal(pairedRatio(project, anchor, "post", "usPerReq"), 1.25);
  // Only the rounds both ran count; no shared round, no ratio.
  const short = result("short", [figures(90, 11)]);
  assert.equal(pairedRatio(short, anchor, "post", "rps"), 0.9);
  assert.equal(pairedRatio(project, anchor, "users", "rps"), undefined);
  assert.equal(pairedRatio(undefined, anchor, "post", "rps"), undefined);
});

Deno.test("pairedRatio reads results written before the rounds were kept", () => {
  const old = (target: string, rps: number) =>
    ({ target, post: figures(rps, 1e6 / rps), users: null, error: null }) as unknown as ApiResult;
  assert.equal(pairedRatio(old("a", 60), old("b", 80), "post", "rps"), 0.75);
});

Deno.test("roundRatios: round by round, over the rounds both have, unusable rounds left out", () => {
  assert.deepEqual(roundRatios([2, 3, 4], [1, 0, 2, 5]), [2, 2]);
  assert.deepEqual(roundRatios([NaN, 6, Infinity], [1, 3, 1]), [2]);
  assert.deepEqual(roundRatios([], [1]), []);
});
