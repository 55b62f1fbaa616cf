/**
 * Node's text answers: the builder the Node adapter installs for the API's text responses
 * (`useTextResponseBuilder`). Building an undici `Response` costs 15–20 µs on Node 20, most of it
 * the `ReadableStream` made for its body, which is more than the rest of an API call; the bridge
 * then writes only the status, the headers and the text. So the handler gets a lazy response:
 * an object whose prototype chain includes `Response.prototype` (`instanceof Response` holds),
 * that answers `status`, `ok`, `statusText`, `type`, `url`, `redirected` and `bodyUsed` itself,
 * and builds the real `Response` from the same parts on first use of anything else (`headers`,
 * `body`, `text()`, `clone()`, ...), which from then on answers everything. The bridge writes an
 * untouched one straight from its parts (`untouchedText`), the same bytes as the real one.
 *
 * @module
 */

import { type HeaderPairs, standardTextResponse } from "../api/responses.ts";
import { lazyPrototype } from "./node_lazy.ts";

const STATE = Symbol("text response");

/** What a lazy text response is made of, and the real `Response` once one was needed. */
export interface TextParts {
  /** The status code. */
  readonly status: number;
  /** The body. */
  readonly text: string;
  /** The headers, in order. */
  readonly headers: HeaderPairs;
  /** The real `Response`, once something asked for more than the parts. */
  real?: Response;
}

interface LazyResponse {
  readonly [STATE]: TextParts;
}

/** The real `Response` behind a lazy one, built on first need. */
function realResponse(lazy: LazyResponse): Response {
  const parts = lazy[STATE];
  return parts.real ??= new Response(parts.text, {
    status: parts.status,
    headers: parts.headers as [string, string][],
  });
}

const LAZY_PROTOTYPE: Response = lazyPrototype(Response.prototype, {
  status: {
    get(this: LazyResponse) {
      return this[STATE].status;
    },
  },
  ok: {
    get(this: LazyResponse) {
      const status = this[STATE].status;
      return status >= 200 && status <= 299;
    },
  },
  statusText: {
    get(this: LazyResponse) {
      return this[STATE].real?.statusText ?? "";
    },
  },
  type: {
    get(this: LazyResponse) {
      return this[STATE].real?.type ?? "default";
    },
  },
  url: {
    get(this: LazyResponse) {
      return this[STATE].real?.url ?? "";
    },
  },
  redirected: {
    get(this: LazyResponse) {
      return this[STATE].real?.redirected ?? false;
    },
  },
  bodyUsed: {
    get(this: LazyResponse) {
      return this[STATE].real?.bodyUsed ?? false;
    },
  },
}, (self) => realResponse(self as LazyResponse));

/**
 * A `Response` with `status`, the body `text` and `headers` (a `TextResponseBuilder`), lazy as
 * described above. Throws what `new Response` would for a status it refuses.
 */
export function lazyTextResponse(status: number, text: string, headers: HeaderPairs): Response {
  if (
    !Number.isInteger(status) || status < 200 || status > 599 || status === 204 ||
    status === 205 || status === 304
  ) {
    return standardTextResponse(status, text, headers); // throws the error `Response` throws
  }
  const lazy = Object.create(LAZY_PROTOTYPE) as { [STATE]: TextParts };
  lazy[STATE] = { status, text, headers };
  return lazy as unknown as Response;
}

/**
 * The parts of a lazy text response that nothing turned into a real `Response` (so they are
 * still all there is to it); undefined for any other response.
 */
export function untouchedText(response: Response): TextParts | undefined {
  const parts = (response as unknown as Partial<LazyResponse>)[STATE];
  return parts && !parts.real ? parts : undefined;
}

/** The real `Response` behind a lazy text response, or `response` itself for any other. */
export function realOf(response: Response): Response {
  return STATE in response ? realResponse(response as unknown as LazyResponse) : response;
}
