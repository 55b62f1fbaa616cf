/**
 * Reading one header of a request through one replaceable reader.
 *
 * The standard reader asks the request's `Headers`. A runtime adapter that can read a header
 * for less (on Deno, making a request's `Headers` makes Deno copy every header of the request
 * when the answer goes out) installs a reader of its own with `useRequestHeaderReader`. What
 * such a reader answers must be what `req.headers.get(name)` answers.
 *
 * @module
 */

/** Reads one header of a request: its value (repeated headers joined by ", "), or null. */
export type RequestHeaderReader = (req: Request, name: string) => string | null;

/** The standard reader: `req.headers.get(name)`. */
export function standardRequestHeader(req: Request, name: string): string | null {
  return req.headers.get(name);
}

let reader: RequestHeaderReader = standardRequestHeader;

/**
 * One header of a request, read by the installed reader: what `req.headers.get(name)` answers.
 * `name` must be a valid header name.
 *
 * @example
 * ```ts
 * import { requestHeader } from "./request_header.ts";
 * const req = new Request("http://localhost/", { headers: { "X-Thunder-Secret-Key": "s" } });
 * requestHeader(req, "X-Thunder-Secret-Key"); // "s"
 * ```
 */
export function requestHeader(req: Request, name: string): string | null {
  return reader(req, name);
}

/**
 * Installs the reader every later `requestHeader` uses, for the whole process; null puts the
 * standard one back.
 */
export function useRequestHeaderReader(next: RequestHeaderReader | null): void {
  reader = next ?? standardRequestHeader;
}
