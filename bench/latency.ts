/**
 * Publish-to-delivery latency of every delivered message: the load-generator workers put each
 * delivery's latency (its receive time minus the time its POST was sent, carried in the
 * publish's marker) into a log-linear histogram (bench/loadgen/histogram.mjs, buckets 1.6% wide);
 * this module merges the workers' and phases' histograms and reads percentiles from them. The
 * maximum is exact.
 *
 * @module
 */

import { bucketRange } from "./loadgen/histogram.mjs";

/** Deliveries by latency bucket, with the exact largest latency. */
export interface Histogram {
  /** Deliveries counted. */
  readonly count: number;
  /** The largest latency, microseconds. */
  readonly maxUs: number;
  /** `[bucket, deliveries]` pairs, buckets with deliveries only, in bucket order. */
  readonly buckets: readonly (readonly [number, number])[];
}

/** Latency of every delivery of a phase, in milliseconds. */
export interface DeliveryLatency {
  /** Deliveries measured (every delivery of the phase). */
  readonly count: number;
  /** Median. */
  readonly p50Ms: number;
  /** 99th percentile. */
  readonly p99Ms: number;
  /** The largest (exact). */
  readonly maxMs: number;
}

/** An empty histogram. */
export const EMPTY: Histogram = { count: 0, maxUs: 0, buckets: [] };

/** Histograms added up. */
export function mergeHistograms(parts: readonly Histogram[]): Histogram {
  const byBucket = new Map<number, number>();
  for (const part of parts) {
    for (const [i, n] of part.buckets) byBucket.set(i, (byBucket.get(i) ?? 0) + n);
  }
  return {
    count: parts.reduce((n, p) => n + p.count, 0),
    maxUs: Math.max(0, ...parts.map((p) => p.maxUs)),
    buckets: [...byBucket].sort((a, b) => a[0] - b[0]),
  };
}

/**
 * The `q`-quantile (0..1) of a histogram, in microseconds (nearest rank; the middle of its bucket,
 * never above the maximum); NaN when empty.
 *
 * @example
 * ```ts
 * import { histogramQuantile } from "./latency.ts";
 * histogramQuantile({ count: 2, maxUs: 90, buckets: [[10, 1], [90, 1]] }, 0.5); // 10
 * ```
 */
export function histogramQuantile(h: Histogram, q: number): number {
  if (h.count === 0) return NaN;
  const rank = Math.min(h.count, Math.max(1, Math.ceil(q * h.count)));
  let seen = 0;
  for (const [i, n] of h.buckets) {
    seen += n;
    if (seen >= rank) {
      const [lower, upper] = bucketRange(i);
      return Math.min(h.maxUs, (lower + upper) / 2);
    }
  }
  return h.maxUs;
}

/** p50, p99 and max of a histogram, in milliseconds. */
export function summarize(h: Histogram): DeliveryLatency {
  return {
    count: h.count,
    p50Ms: histogramQuantile(h, 0.5) / 1000,
    p99Ms: histogramQuantile(h, 0.99) / 1000,
    maxMs: h.count > 0 ? h.maxUs / 1000 : NaN,
  };
}
