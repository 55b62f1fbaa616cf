/**
 * The bench's latency histograms (bench/loadgen/histogram.mjs, bench/latency.ts): every value
 * lands in a bucket that holds it, buckets are at most 1.6% wide, and percentiles, the max and
 * merged histograms come out as the deliveries put in.
 *
 * @module
 */

import assert from "node:assert/strict";
import { bucketOf, bucketRange, BUCKETS } from "../bench/loadgen/histogram.mjs";
import { type Histogram, histogramQuantile, mergeHistograms, summarize } from "../bench/latency.ts";

/** A histogram of `values` (µs), as a worker makes it. */
function histogramOf(values: number[]): Histogram {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(bucketOf(v), (counts.get(bucketOf(v)) ?? 0) + 1);
  return {
    count: values.length,
    maxUs: Math.max(0, ...values),
    buckets: [...counts].sort((a, b) => a[0] - b[0]),
  };
}

Deno.test("bucketOf: every value in a bucket that holds it, in order, at most 1.6% wide", () => {
  let previous = -1;
  for (let v = 0; v < 2 ** 31; v = v < 5_000 ? v + 1 : Math.floor(v * 1.003) + 1) {
    const b = bucketOf(v);
    const [lower, upper] = bucketRange(b);
    assert(lower <= v && v <= upper, `${v} in bucket ${b} [${lower}, ${upper}]`);
    assert(b >= previous && b < BUCKETS, `bucket ${b} after ${previous}`);
    assert(upper - lower <= Math.max(0, lower / 64), `bucket ${b} is ${upper - lower} wide`);
    previous = b;
  }
  assert.equal(bucketOf(-5), 0);
  assert.equal(bucketOf(1e15), BUCKETS - 1);
});

Deno.test("summarize: p50 and p99 within a bucket of the true ones, the max exact", () => {
  // 1,000 deliveries at 1..1000 ms, one late one at 4.321 s.
  const values = [...Array.from({ length: 1_000 }, (_, i) => (i + 1) * 1_000), 4_321_000];
  const s = summarize(histogramOf(values));
  assert.equal(s.count, 1_001);
  assert(Math.abs(s.p50Ms - 501) / 501 < 0.016, `p50 ${s.p50Ms}`);
  assert(Math.abs(s.p99Ms - 991) / 991 < 0.016, `p99 ${s.p99Ms}`);
  assert.equal(s.maxMs, 4_321);
  assert(Number.isNaN(summarize(mergeHistograms([])).p99Ms));
});

Deno.test("mergeHistograms: the same as one histogram of every value", () => {
  const a = [5, 70, 900, 12_000];
  const b = [6, 900, 250_000];
  const merged = mergeHistograms([histogramOf(a), histogramOf(b)]);
  assert.deepEqual(merged, histogramOf([...a, ...b]));
  assert.equal(histogramQuantile(merged, 1), 250_000);
  assert.equal(histogramQuantile(merged, 0), 5);
});
