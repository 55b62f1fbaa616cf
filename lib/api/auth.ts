/**
 * Constant-time comparison of secrets.
 *
 * @module
 */

const encoder = new TextEncoder();

/**
 * Compares two strings in time that depends only on the length of `given`, not on where they
 * differ, so that response timing does not reveal a secret one character at a time.
 *
 * @example
 * ```ts
 * import { timingSafeEqual } from "./auth.ts";
 * timingSafeEqual("secret", "secret"); // true
 * ```
 */
export function timingSafeEqual(given: string, expected: string): boolean {
  const a = encoder.encode(given);
  const b = encoder.encode(expected);
  let diff = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ (b[i % (b.length || 1)] ?? 0);
  return diff === 0 && b.length === a.length;
}
