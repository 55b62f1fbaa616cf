/**
 * Constant-time comparison of secrets.
 *
 * @module
 */

const encoder = new TextEncoder();

/**
 * Compares two strings in time that depends only on the length of `given`, not on where they
 * differ, so that response timing does not reveal a secret one character at a time. Strings are
 * compared as their UTF-8 bytes.
 *
 * @example
 * ```ts
 * import { timingSafeEqual } from "./auth.ts";
 * timingSafeEqual("secret", "secret"); // true
 * ```
 */
export function timingSafeEqual(given: string, expected: string): boolean {
  // An ASCII `given` (every header value a client sends as ASCII) is its own UTF-8: compare the
  // code units, which equals comparing the bytes, without encoding either string. A non-ASCII
  // `expected` cannot match it: some unit of `expected` is then at least 0x80, and all its units
  // are compared whenever the lengths agree.
  const length = given.length;
  const size = expected.length || 1;
  let diff = length ^ expected.length;
  let high = 0;
  for (let i = 0; i < length; i++) {
    const unit = given.charCodeAt(i);
    high |= unit;
    diff |= unit ^ (expected.charCodeAt(i % size) | 0);
  }
  if (high < 0x80) return diff === 0;
  return bytesEqual(encoder.encode(given), encoder.encode(expected));
}

/** Compares UTF-8 bytes in time that depends only on the length of `a`. */
function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ (b[i % (b.length || 1)] ?? 0);
  return diff === 0 && b.length === a.length;
}
