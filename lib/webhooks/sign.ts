/**
 * The webhook signature: hex HMAC-SHA256 of the raw body with the application's secret, with
 * WebCrypto (the same on Deno, Node and browsers).
 *
 * @module
 */

const encoder = new TextEncoder();

/**
 * Makes a signer for `secret`: a function giving the lowercase hex HMAC-SHA256 of a body. The key
 * is imported once.
 *
 * @example
 * ```ts
 * import { signer } from "./sign.ts";
 * const sign = signer("secretkey");
 * await sign(new TextEncoder().encode('{"time_ms":1,"events":[]}')); // 64 hex digits
 * ```
 */
export function signer(secret: string): (body: Uint8Array<ArrayBuffer>) => Promise<string> {
  const key = crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return async (body) => {
    const mac = new Uint8Array(await crypto.subtle.sign("HMAC", await key, body));
    let hex = "";
    for (const byte of mac) hex += byte.toString(16).padStart(2, "0");
    return hex;
  };
}
