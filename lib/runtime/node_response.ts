/**
 * Web to Node, outbound: writes a WHATWG `Response` to a `node:http` response with the framing
 * `Deno.serve` uses, so both runtimes put the same bytes on the wire:
 *
 * - the response's own headers, then `content-length` when the body's size is known (strings,
 *   bytes, `null`) or `transfer-encoding: chunked` for streams, then `date`;
 * - no `Connection`/`Keep-Alive` headers when the connection does what its HTTP version implies
 *   (HTTP/1.1 stays open, HTTP/1.0 closes), `connection: close` or `keep-alive` after `date`
 *   otherwise;
 * - no framing headers and no body for 1xx, 204 and 304; headers without a body for `HEAD`;
 * - stream chunks are written as they come, with backpressure; when the client goes away the
 *   body stream is cancelled.
 *
 * Header names keep the case the code wrote and the order it wrote them in, as on Deno.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import type { ServerResponse } from "node:http";
import { realOf, type TextParts, untouchedText } from "./node_text_response.ts";

let dateSecond = -1;
let dateText = "";

/** The `Date` header value, computed once a second. */
export function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(now).toUTCString();
  }
  return dateText;
}

interface ExtractedBody {
  readonly source: unknown;
  readonly length: number | null;
}

interface HeaderEntry {
  readonly name: string;
  readonly value: string;
}

interface ResponseState {
  readonly body?: ExtractedBody | null;
  readonly headersList?: Record<symbol, unknown> & { readonly cookies?: string[] | null };
}

/**
 * Where Node's `fetch` (undici) keeps what a `Response` was built from, found by probing one:
 * the body's source and byte length (known for strings and bytes), and the header names as
 * written, in the order written. Without it (another runtime, a changed undici) bodies are
 * streamed with chunked encoding and header names go out as `Headers` lists them: lower case,
 * sorted. Both are valid HTTP; only the bytes differ from Deno's.
 */
const UNDICI = (() => {
  const headers = { "X-B": "1", "Content-Type": "a/b", "Set-Cookie": "c=3" };
  const probe = new Response("é", { headers });
  const state = Object.getOwnPropertySymbols(probe).find((s) => s.description === "state");
  if (!state) return undefined;
  const internal = (probe as unknown as Record<symbol, ResponseState>)[state];
  const list = internal?.headersList;
  const map = list &&
    Object.getOwnPropertySymbols(list).find((s) => s.description === "headers map");
  const entries = map && list[map] instanceof Map
    ? [...(list[map] as Map<string, HeaderEntry>).values()]
    : [];
  const bodyOk = internal?.body?.source === "é" && internal.body.length === 2;
  const headersOk =
    entries.map((e) => `${e.name}=${e.value}`).join() === "X-B=1,Content-Type=a/b,Set-Cookie=c=3" &&
    list?.cookies?.join() === "c=3";
  return bodyOk ? { state, map: headersOk ? map : undefined } : undefined;
})();

function stateOf(response: Response): ResponseState | undefined {
  return UNDICI ? (response as unknown as Record<symbol, ResponseState>)[UNDICI.state] : undefined;
}

/** The header lines of a response as flat `[name, value, ...]`, names as the code wrote them. */
function headerLines(response: Response): string[] {
  const lines: string[] = [];
  const list = UNDICI?.map ? stateOf(response)?.headersList : undefined;
  const map = list?.[UNDICI!.map!];
  if (map instanceof Map) {
    for (const { name, value } of (map as Map<string, HeaderEntry>).values()) {
      if (name.toLowerCase() === "set-cookie" && list!.cookies) {
        for (const cookie of list!.cookies) lines.push(name, cookie);
      } else {
        lines.push(name, value);
      }
    }
  } else {
    for (const [name, value] of response.headers) lines.push(name, value);
  }
  return lines;
}

/** The body as a string or bytes when it was built from one, with its length in bytes. */
function staticBody(response: Response): { data: string | Uint8Array; length: number } | null {
  if (response.bodyUsed) return null;
  const body = stateOf(response)?.body;
  if (!body || typeof body.length !== "number") return null;
  const source = body.source;
  if (typeof source === "string") return { data: source, length: body.length };
  if (source instanceof Uint8Array) return { data: source, length: body.length };
  if (source instanceof ArrayBuffer) return { data: new Uint8Array(source), length: body.length };
  return null;
}

/** Resolves once `res` can take more data, or is closed. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

/** How to write one response. */
export interface WriteOptions {
  /** The request method (`HEAD` gets no body). */
  readonly method: string;
  /** Whether the request was HTTP/1.0 (no chunked encoding: the body ends with the connection). */
  readonly http10: boolean;
  /** Close the connection after this response whatever the client asked for. */
  readonly close: boolean;
  /** Told about a body stream that failed; the connection is then cut. */
  readonly onError: (error: unknown) => void;
}

/** Writes `response` to `res` and resolves once it is written (or the client is gone). */
export async function writeResponse(
  res: ServerResponse,
  response: Response,
  options: WriteOptions,
): Promise<void> {
  const parts = untouchedText(response);
  if (parts) {
    const sized = parts.headers.some(([name]) =>
      name.length === 14 && name.toLowerCase() === "content-length"
    );
    return writeHead(res, parts.status, textHead(parts), textBody(parts), sized, options);
  }
  response = realOf(response);
  const status = response.status;
  const head = headerLines(response);
  const noBody = bodiless(status);
  const fixed = noBody
    ? null
    : response.body === null
    ? { data: "", length: 0 }
    : staticBody(response);
  const sized = response.headers.has("content-length");
  if (fixed && response.body) lowerLoneContentType(status, head);
  if (noBody || options.method === "HEAD" || fixed) {
    if (!fixed) await response.body?.cancel().catch(() => {});
    return writeHead(res, status, head, noBody ? null : fixed, sized, options);
  }
  writeHead(res, status, head, null, sized, options);
  const reader = response.body!.getReader();
  let gone = false;
  const onClose = () => {
    if (res.writableFinished) return;
    gone = true;
    reader.cancel().catch(() => {});
  };
  res.on("close", onClose);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || gone) break;
      if (!res.write(value)) await drained(res);
    }
    if (!gone) res.end();
  } catch (error) {
    options.onError(error);
    res.destroy();
  } finally {
    res.off("close", onClose);
  }
}

/** The header lines of a lazy text response, as `headerLines` gives them for the real one. */
function textHead(parts: TextParts): string[] {
  const head: string[] = [];
  for (const [name, value] of parts.headers) head.push(name, value);
  lowerLoneContentType(parts.status, head);
  return head;
}

/** Whether a status has no body (1xx, 204, 304): no framing headers, nothing written after. */
function bodiless(status: number): boolean {
  return status < 200 || status === 204 || status === 304;
}

/**
 * Deno answers a 200 with a string or bytes body and no header but `Content-Type` through a fast
 * path that writes that name in lower case; `head` (of such a body) gets the same, for identical
 * bytes.
 */
function lowerLoneContentType(status: number, head: string[]): void {
  if (status === 200 && head.length === 2 && /^content-type$/i.test(head[0])) {
    head[0] = "content-type";
  }
}

/** The body of a lazy text response with its length in bytes. */
function textBody(parts: TextParts): { data: string; length: number } {
  return { data: parts.text, length: Buffer.byteLength(parts.text, "utf8") };
}

/**
 * Writes the status line and the headers, with the framing and `date` headers as `Deno.serve`
 * writes them (`sized`: the response has its own `content-length`). Then, for a body known in
 * full (`fixed`), a status without a body (1xx, 204, 304) or a `HEAD`, it writes the body if one
 * goes out and ends the response; otherwise (`fixed` null) the caller writes a stream.
 */
function writeHead(
  res: ServerResponse,
  status: number,
  head: string[],
  fixed: { data: string | Uint8Array; length: number } | null,
  sized: boolean,
  options: WriteOptions,
): void {
  const noBody = bodiless(status);
  if (!noBody && !sized) {
    if (fixed) head.push("content-length", String(fixed.length));
    else if (!options.http10) head.push("transfer-encoding", "chunked");
  }
  res.sendDate = false;
  head.push("date", httpDate());
  // As Deno: say nothing when the connection does what its HTTP version implies (HTTP/1.1 stays
  // open, HTTP/1.0 closes), and say `close` or `keep-alive` otherwise.
  const keepAlive = res.shouldKeepAlive && !options.close;
  if (keepAlive === options.http10) head.push("connection", keepAlive ? "keep-alive" : "close");
  else if (options.close) head.push("connection", "close");
  else res.removeHeader("connection");
  res.writeHead(status, head);
  if (fixed || noBody || options.method === "HEAD") {
    res.end(fixed && options.method !== "HEAD" && !noBody ? fixed.data : undefined);
  }
}
