/**
 * What a session keeps of the request that opened it: transport, address, URL and the headers in
 * `KEPT_HEADERS` (as sockjs-node; the rest would cost memory for hours), shared where equal.
 *
 * @example
 * ```ts
 * const kept = new KeptHeaders();
 * const a = kept.of(new Headers({ Host: "h", Cookie: "c" })); // { host: "h" }
 * a === kept.of(new Headers({ host: "h" })) && KEPT_HEADERS.includes("host"); // true
 * requestInfo({ req: new Request("http://h/x"), ctx: {} }, "xhr"); // { protocol: "xhr", ... }
 * ```
 *
 * @module
 */

import type { TransportRequest } from "./transport.ts";
import type { SessionRequestInfo } from "./session.ts";

/** The request headers a session keeps, lower case: sockjs-node's list (client and proxies). */
export const KEPT_HEADERS: readonly string[] = [
  "referer",
  "x-client-ip",
  "x-forwarded-for",
  "x-cluster-client-ip",
  "via",
  "x-real-ip",
  "x-forwarded-proto",
  "x-ssl",
  "dnt",
  "host",
  "user-agent",
  "accept-language",
];

/**
 * The kept headers of requests, shared: sessions with the same kept headers share one frozen
 * object, and a value seen before (a `Host`, a `User-Agent`) is kept once. At most `capacity` sets
 * and as many values are remembered; once full, each starts over.
 */
export class KeptHeaders {
  readonly #sets = new Map<string, Readonly<Record<string, string>>>();
  readonly #values = new Map<string, string>();
  readonly #capacity: number;

  /** An empty pool remembering up to `capacity` header sets and as many values. */
  constructor(capacity = 4_096) {
    this.#capacity = capacity;
  }

  /** The kept headers of `headers` that are present, by lower-case name, frozen and shared. */
  of(headers: Headers): Readonly<Record<string, string>> {
    // Header values hold no line breaks: "name: value" lines name one set of headers.
    let key = "";
    const present: [string, string][] = [];
    for (const name of KEPT_HEADERS) {
      const value = headers.get(name);
      if (value === null) continue;
      key += `${name}: ${value}\n`;
      present.push([name, value]);
    }
    const known = this.#sets.get(key);
    if (known !== undefined) return known;
    const kept: Record<string, string> = {};
    for (const [name, value] of present) kept[name] = this.shared(value);
    Object.freeze(kept);
    if (this.#sets.size >= this.#capacity) this.#sets.clear();
    this.#sets.set(key, kept);
    return kept;
  }

  /** How many header sets are remembered. */
  get size(): number {
    return this.#sets.size;
  }

  /** One copy of a string for every session that carries it (a header value, an address). */
  shared(value: string): string {
    const known = this.#values.get(value);
    if (known !== undefined) return known;
    if (this.#values.size >= this.#capacity) this.#values.clear();
    this.#values.set(value, value);
    return value;
  }
}

/** The pool every session's kept headers come from. */
const keptHeaders = new KeptHeaders();

/** The information a session created by this request keeps, for the given transport. */
export function requestInfo(
  t: Pick<TransportRequest, "req" | "ctx">,
  protocol: string,
): SessionRequestInfo {
  return {
    protocol,
    remoteAddress: keptHeaders.shared(t.ctx.remoteAddress ?? ""),
    url: t.req.url,
    headers: keptHeaders.of(t.req.headers),
  };
}
