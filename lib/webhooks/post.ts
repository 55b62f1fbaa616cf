/**
 * One webhook request: signed, bounded in time and stoppable; and the waits between retries.
 *
 * @module
 */

import { VERSION } from "../version.ts";

/**
 * Makes a signer for `secret`: the lowercase hex HMAC-SHA256 of a body (WebCrypto, the same on
 * Deno, Node and browsers), the key imported once.
 */
export function signer(secret: string): (body: Uint8Array<ArrayBuffer>) => Promise<string> {
  const key = crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
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

/**
 * POSTs a JSON body once with `headers`; gives undefined on a 2xx answer, else what went wrong
 * (a status, no answer within `timeoutMs`, a network error). `stop` aborts it. The answer's body
 * is not read.
 */
export async function post(
  url: string,
  body: Uint8Array<ArrayBuffer>,
  headers: Record<string, string>,
  timeoutMs: number,
  stop: AbortSignal,
): Promise<string | undefined> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  const stopped = () => abort.abort();
  stop.addEventListener("abort", stopped);
  try {
    const res = await fetch(url, {
      method: "POST",
      body,
      headers: {
        "Content-Type": "application/json",
        "User-Agent": `Thunderpush/${VERSION}`,
        ...headers,
      },
      signal: abort.signal,
    });
    await res.body?.cancel();
    return res.ok ? undefined : `status ${res.status}`;
  } catch (error) {
    return abort.signal.aborted && !stop.aborted
      ? `no answer within ${timeoutMs} ms`
      : String((error as Error)?.message ?? error);
  } finally {
    clearTimeout(timer);
    stop.removeEventListener("abort", stopped);
  }
}

/** Waits `ms` milliseconds, or until `stop` aborts. */
export function sleep(ms: number, stop: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      stop.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    stop.addEventListener("abort", done);
  });
}

/** A URL for a log line: without credentials or query, which may hold secrets. */
export function where(url: string): string {
  const { origin, pathname } = new URL(url);
  return origin + pathname;
}
