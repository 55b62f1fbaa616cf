/**
 * One webhook request, bounded in time and stoppable, and the waits between retries.
 *
 * @module
 */

import { VERSION } from "../version.ts";

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
