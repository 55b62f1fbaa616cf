/**
 * A small raw HTTP/1.x client on top of `Deno.connect`, for the SockJS protocol suite.
 *
 * `fetch` hides exactly what the protocol suite needs to see (HTTP/1.0 requests, hop-by-hop
 * headers, chunk boundaries, the moment a connection is closed), so the suite speaks HTTP itself.
 * Every connection is an `AsyncDisposable`: use `await using` so sockets and pending reads are
 * released even when an assertion throws.
 *
 * @module
 */

/** Default time to wait for any single network read, in milliseconds. */
export const DEFAULT_TIMEOUT_MS = 2000;

/**
 * How soon the server must have closed a connection it is done with, in milliseconds: the
 * Python suite's `closed()` waits 0.1 s for the end of the stream.
 */
export const CLOSED_TIMEOUT_MS = 100;

const encoder = new TextEncoder();

/** Decodes UTF-8 exactly: keeps a leading BOM, replaces invalid sequences with U+FFFD. */
export function decodeUtf8(bytes: Uint8Array): string {
  return new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);
}

/** Raised when a network read does not complete in time. */
export class TimeoutError extends Error {
  /** Creates the error; `what` says what was being waited for. */
  constructor(what: string, ms: number) {
    super(`timed out after ${ms} ms waiting for ${what}`);
    this.name = "TimeoutError";
  }
}

/**
 * Races `promise` against a timer (always cleared). On timeout the promise is left running: the
 * caller owns it and must settle it (e.g. by closing the resource it reads from).
 */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  // Created up front so that its stack shows the caller, not the timer.
  const error = new TimeoutError(what, ms);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(error), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Python's `int(s)` on a decimal string: optional surrounding whitespace and sign, then digits;
 * anything else (`"1e7"`, `"1.5"`, `"0x10"`, `""`) throws, as `int()` raises `ValueError`.
 */
export function pyInt(s: string): number {
  if (!/^\s*[+-]?[0-9]+\s*$/.test(s)) {
    throw new Error(`invalid literal for int() with base 10: ${JSON.stringify(s)}`);
  }
  return Number(s.trim());
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Response headers: the raw list as received plus case-insensitive access. */
export class HttpHeaders {
  /** Header lines in order of arrival, name as sent by the server, value trimmed. */
  readonly raw: ReadonlyArray<readonly [string, string]>;

  /** Wraps a list of `[name, value]` pairs. */
  constructor(raw: ReadonlyArray<readonly [string, string]>) {
    this.raw = raw;
  }

  /** The value of `name` (case-insensitive); the last one wins if repeated; `undefined` if absent. */
  get(name: string): string | undefined {
    const lower = name.toLowerCase();
    let found: string | undefined;
    for (const [k, v] of this.raw) if (k.toLowerCase() === lower) found = v;
    return found;
  }

  /** Every value of `name` (case-insensitive), in order. */
  getAll(name: string): string[] {
    const lower = name.toLowerCase();
    return this.raw.filter(([k]) => k.toLowerCase() === lower).map(([, v]) => v);
  }

  /** Whether a header `name` is present (even with an empty value). */
  has(name: string): boolean {
    return this.getAll(name).length > 0;
  }

  /**
   * Comma-separated tokens of `name`, lower-cased (e.g. for `Connection`). Like the Python
   * suite (`r.get('Connection', '').lower().split(',')`), only the last `name` header counts.
   */
  tokens(name: string): string[] {
    return (this.get(name) ?? "").split(",").map((t) => t.trim().toLowerCase())
      .filter((t) => t !== "");
  }
}

/** Status line and headers of a response. */
export interface ResponseHead {
  /** HTTP version of the status line, e.g. `"1.1"`. */
  http: string;
  /** Status code. */
  status: number;
  /** Reason phrase. */
  reason: string;
  /** Response headers. */
  headers: HttpHeaders;
}

/** Request headers: a record or an ordered list of pairs. */
export type HeaderInput = Record<string, string> | ReadonlyArray<readonly [string, string]>;

/** Options of a single request. */
export interface RequestOptions {
  /** Extra request headers. `Host` and `Content-Length` are added unless given here. */
  headers?: HeaderInput;
  /** Request body; POST requests always get a (possibly empty) body, like the Python suite. */
  body?: string | Uint8Array;
  /** HTTP version written in the request line (default `"1.1"`). */
  http?: "1.0" | "1.1";
  /** Do not add `Content-Length` (to send a POST without one). */
  omitContentLength?: boolean;
}

function headerPairs(input: HeaderInput | undefined): Array<[string, string]> {
  if (!input) return [];
  if (Array.isArray(input)) return input.map(([k, v]) => [k, v]);
  return Object.entries(input as Record<string, string>);
}

/** One TCP connection speaking HTTP/1.x. */
export class RawHttpConnection implements AsyncDisposable {
  readonly #conn: Deno.TcpConn;
  readonly #hostHeader: string;
  #buf: Uint8Array = new Uint8Array(0);
  #eof = false;
  #closed = false;
  #pending: Promise<Uint8Array | null> | null = null;
  /** Timeout of each read, in milliseconds. */
  timeoutMs: number;

  private constructor(conn: Deno.TcpConn, hostHeader: string, timeoutMs: number) {
    this.#conn = conn;
    this.#hostHeader = hostHeader;
    this.timeoutMs = timeoutMs;
  }

  /** Opens a connection to the host and port of `url` (an `http:` URL). */
  static async open(url: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<RawHttpConnection> {
    const u = new URL(url);
    if (u.protocol !== "http:") throw new Error(`unsupported scheme in ${url}`);
    const port = u.port === "" ? 80 : Number(u.port);
    const hostname = u.hostname.replace(/^\[(.*)\]$/, "$1");
    const conn = await Deno.connect({ hostname, port, transport: "tcp" });
    return new RawHttpConnection(
      conn,
      u.port === "" ? u.hostname : `${u.hostname}:${port}`,
      timeoutMs,
    );
  }

  /** Writes all of `data`. */
  async send(data: string | Uint8Array): Promise<void> {
    let bytes = typeof data === "string" ? encoder.encode(data) : data;
    while (bytes.length > 0) {
      const n = await this.#conn.write(bytes);
      bytes = bytes.subarray(n);
    }
  }

  /**
   * Writes a request for `url` (only its path and query are used) and returns nothing: use
   * {@linkcode readHead} to read the response.
   */
  async sendRequest(method: string, url: string, opts: RequestOptions = {}): Promise<void> {
    // The request target is sent verbatim (no dot-segment or percent normalisation).
    const target = url.replace(/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*/, "") || "/";
    let body: Uint8Array | undefined;
    if (typeof opts.body === "string") body = encoder.encode(opts.body);
    else if (opts.body) body = opts.body;
    if (body === undefined && method === "POST") body = new Uint8Array(0);

    const given = headerPairs(opts.headers);
    const has = (name: string) => given.some(([k]) => k.toLowerCase() === name.toLowerCase());
    const lines = [`${method} ${target} HTTP/${opts.http ?? "1.1"}`];
    if (!has("host")) lines.push(`Host: ${this.#hostHeader}`);
    for (const [k, v] of given) lines.push(`${k}: ${v}`);
    if (body !== undefined && !opts.omitContentLength && !has("content-length")) {
      lines.push(`Content-Length: ${body.length}`);
    }
    await this.send(lines.join("\r\n") + "\r\n\r\n");
    if (body !== undefined && body.length > 0) await this.send(body);
  }

  /** Sends a request and reads the response status line and headers. */
  async request(method: string, url: string, opts: RequestOptions = {}): Promise<ResponseHead> {
    await this.sendRequest(method, url, opts);
    return await this.readHead();
  }

  /** Pulls more bytes into the buffer; returns `false` at end of stream. */
  async #fill(timeoutMs: number): Promise<boolean> {
    if (this.#eof) return false;
    if (this.#closed) throw new Error("connection already closed");
    if (!this.#pending) this.#pending = this.#readOnce();
    const data = await withTimeout(this.#pending, timeoutMs, "data from the server");
    this.#pending = null;
    if (data === null) {
      this.#eof = true;
      return false;
    }
    const merged = new Uint8Array(this.#buf.length + data.length);
    merged.set(this.#buf);
    merged.set(data, this.#buf.length);
    this.#buf = merged;
    return true;
  }

  // A reset by the peer is an error, not the end of the stream: the Python suite's `recv`
  // raises on it, so "closed by the server" means a clean close (FIN).
  async #readOnce(): Promise<Uint8Array | null> {
    const chunk = new Uint8Array(64 * 1024);
    const n = await this.#conn.read(chunk);
    return n === null ? null : chunk.subarray(0, n);
  }

  #take(n: number): Uint8Array {
    const out = this.#buf.subarray(0, n);
    this.#buf = this.#buf.subarray(n);
    return out;
  }

  /** Reads one line including its `\n` (ASCII/latin1 decoded); throws at end of stream. */
  async readLine(): Promise<string> {
    while (true) {
      const i = this.#buf.indexOf(0x0a);
      if (i >= 0) return String.fromCharCode(...this.#take(i + 1));
      if (!(await this.#fill(this.timeoutMs))) {
        throw new Error("connection closed while reading a line");
      }
    }
  }

  /** Reads the status line and headers of a response. */
  async readHead(): Promise<ResponseHead> {
    const statusLine = await this.readLine();
    const m = /^HTTP\/(\S+) (\d{3})(?: (.*))?\r?\n$/.exec(statusLine);
    if (!m) throw new Error(`malformed status line: ${JSON.stringify(statusLine)}`);
    const raw: Array<[string, string]> = [];
    while (true) {
      const line = await this.readLine();
      if (line === "\r\n" || line === "\n") break;
      const colon = line.indexOf(":");
      if (colon < 0) throw new Error(`malformed header line: ${JSON.stringify(line)}`);
      // As the Python suite: `v.lstrip().rstrip('\r\n')` (trailing spaces are kept).
      raw.push([line.slice(0, colon), line.slice(colon + 1).replace(/[\r\n]+$/, "").trimStart()]);
    }
    return { http: m[1], status: Number(m[2]), reason: m[3] ?? "", headers: new HttpHeaders(raw) };
  }

  /** Reads exactly `n` bytes; throws if the stream ends first. */
  async readExact(n: number): Promise<Uint8Array> {
    while (this.#buf.length < n) {
      if (!(await this.#fill(this.timeoutMs))) {
        throw new Error(`connection closed after ${this.#buf.length} of ${n} expected bytes`);
      }
    }
    return this.#take(n);
  }

  /** Whatever arrives next (a single read); empty at end of stream. */
  async readSome(): Promise<Uint8Array> {
    if (this.#buf.length === 0 && !(await this.#fill(this.timeoutMs))) return new Uint8Array(0);
    return this.#take(this.#buf.length);
  }

  /** Everything until the server closes the connection. */
  async readToEof(): Promise<Uint8Array> {
    while (await this.#fill(this.timeoutMs)) { /* keep reading */ }
    return this.#take(this.#buf.length);
  }

  /**
   * Reads one chunk of a chunked body and returns its data (empty for the last chunk, whose
   * trailer section must be empty). The size line is a bare hex number, as the Python suite's
   * `int(line, 16)` requires (no chunk extensions).
   */
  async readChunk(): Promise<Uint8Array> {
    const line = await this.readLine();
    const m = /^\s*([0-9a-fA-F]+)\s*$/.exec(line);
    if (!m) throw new Error(`malformed chunk size line: ${JSON.stringify(line)}`);
    const size = parseInt(m[1], 16);
    const data = await this.readExact(size + 2);
    const crlf = decodeUtf8(data.subarray(size));
    if (crlf !== "\r\n") throw new Error(`chunk not followed by CRLF: ${JSON.stringify(crlf)}`);
    return data.subarray(0, size);
  }

  /**
   * Whether the server has closed the connection: `true` when the stream ends within
   * `timeoutMs` (100 ms, the Python suite's `closed()`); throws if data arrives instead, the
   * connection is reset, or nothing happens in time.
   */
  async isClosedByPeer(timeoutMs = CLOSED_TIMEOUT_MS): Promise<boolean> {
    if (this.#buf.length > 0) {
      throw new Error(`connection not closed: ${this.#buf.length} unread bytes`);
    }
    try {
      if (await this.#fill(timeoutMs)) {
        throw new Error(`connection not closed: received ${JSON.stringify(decodeUtf8(this.#buf))}`);
      }
      return true;
    } catch (err) {
      if (err instanceof TimeoutError) {
        throw new Error(`connection not closed by the server within ${timeoutMs} ms`);
      }
      throw err;
    }
  }

  /** Closes the socket and settles any read still in flight. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch (err) {
      if (!(err instanceof Deno.errors.BadResource)) throw err;
    }
    const pending = this.#pending;
    this.#pending = null;
    if (pending) await pending.catch(() => null);
  }

  /** Same as {@linkcode close}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** A complete response, read the way the Python suite's `SynchronousHttpRequest` does. */
export interface HttpResponse extends ResponseHead {
  /** Body decoded as UTF-8 (de-chunked). */
  body: string;
  /** Raw body bytes (de-chunked). */
  bodyBytes: Uint8Array;
  /** Whether the body came with `Transfer-Encoding: chunked`. */
  chunked: boolean;
}

// As the Python suite: `r.get('Transfer-Encoding', '').lower() == 'chunked'`.
function isChunked(head: ResponseHead): boolean {
  return (head.headers.get("transfer-encoding") ?? "").toLowerCase() === "chunked";
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Sends one request on a fresh connection and reads the whole response. The body must be
 * delimited by chunked encoding, `Content-Length` or `Connection: close`; only 101, 204, 304 and
 * 200-to-OPTIONS may come without any of them (then the body is empty). Anything else is a
 * protocol error and throws.
 */
export async function httpRequest(
  method: string,
  url: string,
  opts: RequestOptions = {},
): Promise<HttpResponse> {
  await using c = await RawHttpConnection.open(url);
  const head = await c.request(method, url, opts);
  const chunked = isChunked(head);
  let bodyBytes: Uint8Array;
  const contentLength = head.headers.get("content-length");
  if (chunked) {
    const parts: Uint8Array[] = [];
    while (true) {
      const chunk = await c.readChunk();
      if (chunk.length === 0) break;
      parts.push(chunk);
    }
    bodyBytes = concat(parts);
  } else if (contentLength) {
    bodyBytes = await c.readExact(pyInt(contentLength));
  } else if (head.headers.tokens("connection").includes("close")) {
    bodyBytes = await c.readToEof();
  } else if (
    [101, 204, 304].includes(head.status) || (head.status === 200 && method === "OPTIONS")
  ) {
    bodyBytes = new Uint8Array(0);
  } else {
    throw new Error(
      `${method} ${url}: ${head.status} response with neither Transfer-Encoding: chunked nor ` +
        `Content-Length nor Connection: close (${JSON.stringify(head.headers.raw)})`,
    );
  }
  return { ...head, body: decodeUtf8(bodyBytes), bodyBytes, chunked };
}

/** `GET` with {@linkcode httpRequest}. */
export function GET(url: string, opts: RequestOptions = {}): Promise<HttpResponse> {
  return httpRequest("GET", url, opts);
}

/** `POST` with {@linkcode httpRequest}. */
export function POST(url: string, opts: RequestOptions = {}): Promise<HttpResponse> {
  return httpRequest("POST", url, opts);
}

/** `OPTIONS` with {@linkcode httpRequest}. */
export function OPTIONS(url: string, opts: RequestOptions = {}): Promise<HttpResponse> {
  return httpRequest("OPTIONS", url, opts);
}

/**
 * A response whose body is read piece by piece (the Python suite's `AsynchronousHttpRequest`):
 * `read()` returns the next chunk of a chunked body, the whole body of a `Content-Length` one, or
 * the next piece received for a close-delimited one (or a 101); `""` at the end.
 */
export class StreamingResponse implements AsyncDisposable {
  /** Status line and headers. */
  readonly head: ResponseHead;
  /** The underlying connection. */
  readonly conn: RawHttpConnection;
  /** Whether the body is chunked. */
  readonly chunked: boolean;
  #remaining: number | undefined;
  #done = false;

  /** Wraps a connection whose response head was read already. */
  constructor(conn: RawHttpConnection, head: ResponseHead) {
    this.conn = conn;
    this.head = head;
    this.chunked = isChunked(head);
    const contentLength = head.headers.get("content-length");
    if (this.chunked) {
      this.#remaining = undefined;
    } else if (contentLength) {
      this.#remaining = pyInt(contentLength);
    } else if (!(head.headers.tokens("connection").includes("close") || head.status === 101)) {
      throw new Error(
        `${head.status} response with neither Transfer-Encoding: chunked nor Content-Length nor ` +
          `Connection: close (${JSON.stringify(head.headers.raw)})`,
      );
    }
  }

  /** Status code. */
  get status(): number {
    return this.head.status;
  }

  /** Response headers. */
  get headers(): HttpHeaders {
    return this.head.headers;
  }

  /** The next piece of the body as raw bytes (empty at the end). */
  async readBytes(): Promise<Uint8Array> {
    if (this.#done) return new Uint8Array(0);
    let data: Uint8Array;
    if (this.chunked) {
      data = await this.conn.readChunk();
    } else if (this.#remaining !== undefined) {
      data = await this.conn.readExact(this.#remaining);
      this.#remaining = 0;
    } else {
      data = await this.conn.readSome();
    }
    if (data.length === 0) this.#done = true;
    return data;
  }

  /** The next piece of the body decoded as UTF-8 (`""` at the end). */
  async read(): Promise<string> {
    return decodeUtf8(await this.readBytes());
  }

  /** Closes the connection (aborting the request if it is still going). */
  async close(): Promise<void> {
    await this.conn.close();
  }

  /** Same as {@linkcode close}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Sends a request on a fresh connection and returns once the response head has arrived. */
export async function httpRequestStreaming(
  method: string,
  url: string,
  opts: RequestOptions = {},
): Promise<StreamingResponse> {
  const c = await RawHttpConnection.open(url);
  try {
    const head = await c.request(method, url, opts);
    return new StreamingResponse(c, head);
  } catch (err) {
    await c.close();
    throw err;
  }
}

/** Streaming `GET` (see {@linkcode httpRequestStreaming}). */
export function GET_async(url: string, opts: RequestOptions = {}): Promise<StreamingResponse> {
  return httpRequestStreaming("GET", url, opts);
}

/** Streaming `POST` (see {@linkcode httpRequestStreaming}). */
export function POST_async(url: string, opts: RequestOptions = {}): Promise<StreamingResponse> {
  return httpRequestStreaming("POST", url, opts);
}

/**
 * Sends a request and does not read anything (the Python suite's `old_POST_async(load=False)`):
 * the returned connection keeps the request pending until it is closed.
 */
export async function sendOnly(
  method: string,
  url: string,
  opts: RequestOptions = {},
): Promise<RawHttpConnection> {
  const c = await RawHttpConnection.open(url);
  try {
    await c.sendRequest(method, url, opts);
    return c;
  } catch (err) {
    await c.close();
    throw err;
  }
}
