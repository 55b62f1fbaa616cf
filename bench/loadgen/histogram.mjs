// Latency histogram buckets shared by the load-generator workers (worker.mjs, under Node) and
// the bench (fleet.ts, under Deno): log-linear, 64 buckets per power of two, so a bucket is at
// most 1/64 (1.6%) of its value wide; values are whole microseconds, exact below 128 µs, and
// anything from 2^31 µs (36 minutes) up lands in the last bucket.

/** Buckets per power of two, as a bit count. */
const SUB_BITS = 6;
const SUB = 1 << SUB_BITS;

/** Number of buckets. */
export const BUCKETS = (30 - SUB_BITS) * SUB + 2 * SUB;

/**
 * The bucket of a latency of `us` microseconds (negative values count as 0).
 * @param {number} us
 * @returns {number}
 */
// deno-lint-ignore explicit-module-boundary-types -- typed by the JSDoc above (plain JS for Node)
export function bucketOf(us) {
  const v = Math.min(2 ** 31 - 1, Math.max(0, Math.round(us)));
  if (v < 2 * SUB) return v;
  const shift = 31 - Math.clz32(v) - SUB_BITS;
  return (shift << SUB_BITS) + (v >>> shift);
}

/**
 * The smallest and the largest value (µs) of bucket `index`.
 * @param {number} index
 * @returns {[number, number]}
 */
// deno-lint-ignore explicit-module-boundary-types -- typed by the JSDoc above (plain JS for Node)
export function bucketRange(index) {
  if (index < 2 * SUB) return [index, index];
  const shift = (index >>> SUB_BITS) - 1;
  const lower = ((index & (SUB - 1)) + SUB) * 2 ** shift;
  return [lower, lower + 2 ** shift - 1];
}
