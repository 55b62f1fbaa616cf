/**
 * Node to Web, inbound: a `node:http` request seen as a WHATWG `Request`.
 *
 * Building a real `Request` costs more than answering most API calls (and one with an abort
 * signal twice that), while the handler usually reads only `method`, `url` and `headers`. So the
 * handler gets a lazy request: an object whose prototype chain includes `Request.prototype`
 * (`instanceof Request` holds) that answers `method`, `url`, `headers`, `body` and `signal`
 * itself, each made on first use, and builds the real `Request` around the same body stream and
 * signal on first use of anything else (`text()`, `clone()`, ...). The signal aborts when the
 * client goes away before its response is finished.
 *
 * @module
 */

import type { IncomingMessage } from "node:http";
import { lazyHeaders, realHeaders } from "./node_headers.ts";
import { lazyPrototype } from "./node_lazy.ts";

/** A Web `Request` for a Node request, and the way to abort its signal. */
export interface BridgedRequest {
  /** The request the handler sees. */
  readonly request: Request;
  /** Aborts `request.signal` (the client went away), if anyone asked for it. */
  abort(): void;
}

/** The client's IP address, IPv4-mapped IPv6 addresses written as IPv4 (as Deno does). */
export function remoteAddress(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? "";
  return address.startsWith("::ffff:") ? address.slice(7) : address;
}

/**
 * The request URL as `Deno.serve` writes it: `http://` + `Host` + the request target, as sent.
 * A target that is no path (absolute-form `GET http://host/path HTTP/1.1`, or `*`) is given as
 * it is. Nothing is checked or resolved here: the handler checks the `Host` and the target, and
 * refuses what is malformed (`lib/request_url.ts`).
 */
function requestUrl(req: IncomingMessage): string {
  const target = req.url ?? "/";
  if (!target.startsWith("/")) return target;
  let host = req.headers.host;
  if (!host) {
    const local = req.socket.localAddress ?? "localhost";
    host = `${local.includes(":") ? `[${local}]` : local}:${req.socket.localPort}`;
  }
  return `http://${host}${target}`;
}

/** The request body as a byte stream that pauses the socket while the reader is behind. */
function bodyStream(req: IncomingMessage): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      req.on("data", (chunk: Uint8Array) => {
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if ((controller.desiredSize ?? 0) <= 0) req.pause();
      });
      req.once("end", () => controller.close());
      req.once("close", () => {
        if (!req.complete) controller.error(new Error("The client closed the request early."));
      });
      req.once("error", (error) => controller.error(error));
    },
    pull() {
      req.resume();
    },
    cancel() {
      // Drop the rest, so the response can still be written on this connection.
      req.removeAllListeners("data");
      req.resume();
    },
  }, { highWaterMark: 1 });
}

const INCOMING = Symbol("incoming");
const STATE = Symbol("state");

interface LazyState {
  url?: string;
  readonly withBody: boolean;
  headers?: Headers;
  body?: ReadableStream<Uint8Array> | null;
  /** Whether `arrayBuffer()` read the body directly (so `body` is never made). */
  read?: boolean;
  controller?: AbortController;
  real?: Request;
}

interface LazyRequest {
  readonly [INCOMING]: IncomingMessage;
  readonly [STATE]: LazyState;
}

/**
 * The request URL, as sent (see `requestUrl`), so that the handler sees dot segments and a
 * malformed `Host` as on Deno; the real `Request`, if one is built, parses it.
 */
function urlOf(req: IncomingMessage, state: LazyState): string {
  return state.url ??= requestUrl(req);
}

function headersOf(req: IncomingMessage, state: LazyState): Headers {
  return state.headers ??= lazyHeaders(req.rawHeaders);
}

/** Whether the request has a body the handler may read. */
function hasBody(req: IncomingMessage, state: LazyState): boolean {
  const method = req.method ?? "GET";
  return state.withBody && method !== "GET" && method !== "HEAD" &&
    (req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"]) > 0);
}

/** The body stream, made on first use; null for requests without a body. */
function bodyOf(req: IncomingMessage, state: LazyState): ReadableStream<Uint8Array> | null {
  if (state.body !== undefined) return state.body;
  return state.body = hasBody(req, state) ? bodyStream(req) : null;
}

/** Reads the whole body from the Node request, with the errors the body stream would give. */
function readWhole(req: IncomingMessage): Promise<ArrayBuffer> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    const onData = (chunk: Uint8Array) => {
      chunks.push(chunk);
      size += chunk.byteLength;
    };
    const onEnd = () => {
      done();
      // A fresh buffer: Node's chunks may be views of a shared pool.
      const body = new Uint8Array(size);
      let offset = 0;
      for (const chunk of chunks) {
        body.set(chunk, offset);
        offset += chunk.byteLength;
      }
      resolve(body.buffer);
    };
    const onClose = () => {
      if (req.complete) return;
      done();
      reject(new Error("The client closed the request early."));
    };
    const onError = (error: Error) => {
      done();
      reject(error);
    };
    const done = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("close", onClose);
      req.off("error", onError);
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("close", onClose);
    req.on("error", onError);
  });
}

/** A body stream that is empty and closed, for a real `Request` whose body was read directly. */
function readStream(): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.close();
    },
  });
}

function signalOf(state: LazyState): AbortSignal {
  return (state.controller ??= new AbortController()).signal;
}

/** The real `Request`, built on first need, around the same body stream and signal. */
function realRequest(lazy: LazyRequest): Request {
  const state = lazy[STATE];
  if (state.real) return state.real;
  const req = lazy[INCOMING];
  const body = state.read ? readStream() : bodyOf(req, state);
  const init: RequestInit & { duplex?: "half" } = {
    method: req.method ?? "GET",
    headers: realHeaders(headersOf(req, state)),
    signal: signalOf(state),
    ...(body ? { body, duplex: "half" } : {}),
  };
  const real = state.real = new Request(urlOf(req, state), init);
  // Its body was read: reading this one (at once, synchronously) makes it used and locked.
  if (state.read) real.arrayBuffer().catch(() => {});
  return real;
}

/** `Request.prototype` with `method`, `url` and `headers` answered without a real request. */
const LAZY_PROTOTYPE: object = (() => {
  const own: PropertyDescriptorMap = {
    method: {
      get(this: LazyRequest) {
        return this[STATE].real?.method ?? this[INCOMING].method ?? "GET";
      },
    },
    url: {
      get(this: LazyRequest) {
        return urlOf(this[INCOMING], this[STATE]);
      },
    },
    headers: {
      get(this: LazyRequest) {
        return this[STATE].real?.headers ?? headersOf(this[INCOMING], this[STATE]);
      },
    },
    body: {
      get(this: LazyRequest) {
        const state = this[STATE];
        if (state.read) return realRequest(this).body;
        return state.real?.body ?? bodyOf(this[INCOMING], state);
      },
    },
    bodyUsed: {
      get(this: LazyRequest) {
        const state = this[STATE];
        if (state.real) return state.real.bodyUsed;
        if (state.read) return true;
        // Untouched: not used. A stream handed out may have been read: the real request knows.
        return state.body === undefined ? false : realRequest(this).bodyUsed;
      },
    },
    arrayBuffer: {
      value(this: LazyRequest): Promise<ArrayBuffer> {
        const state = this[STATE];
        const req = this[INCOMING];
        // Once a stream or a real request exists, or the body was read, the real one answers.
        if (state.real || state.body !== undefined || state.read) {
          return realRequest(this).arrayBuffer();
        }
        if (!hasBody(req, state)) return Promise.resolve(new ArrayBuffer(0));
        state.read = true;
        return readWhole(req);
      },
    },
    signal: {
      get(this: LazyRequest) {
        return this[STATE].real?.signal ?? signalOf(this[STATE]);
      },
    },
  };
  return lazyPrototype(Request.prototype, own, (self) => realRequest(self as LazyRequest));
})();

/**
 * The `Request` for a Node request. Request bodies are read only when `withBody` is set (not for
 * upgrade requests, whose socket belongs to the WebSocket). `url` is the URL as sent (see
 * `requestUrl`); a URL or header that a `Request` refuses throws a `TypeError` once the real
 * `Request` is built, or (a header) where it is first read.
 */
export function toRequest(req: IncomingMessage, withBody: boolean): BridgedRequest {
  const state: LazyState = { withBody };
  const lazy = Object.create(LAZY_PROTOTYPE) as { [INCOMING]: IncomingMessage; [STATE]: LazyState };
  lazy[INCOMING] = req;
  lazy[STATE] = state;
  return {
    request: lazy as unknown as Request,
    abort: () => state.controller?.abort(),
  };
}
