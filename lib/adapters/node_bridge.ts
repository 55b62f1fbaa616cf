/**
 * Node's request and response objects seen as WHATWG ones, through `srvx`, with the URL as sent
 * and Deno's framing of answers (docs/runtimes.md, "The Node adapter").
 *
 * @module
 */

import { type IncomingMessage, type ServerResponse, STATUS_CODES } from "node:http";
import { setImmediate } from "node:timers";
import { FastResponse, NodeRequest, sendNodeResponse } from "npm:srvx@1.0.8/node";
import { concatBytes } from "../http/body.ts";
import { displayHost } from "./serve.ts";

/** The client's IP address, IPv4-mapped IPv6 addresses written as IPv4 (as Deno does). */
export function remoteAddress(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? "";
  return address.startsWith("::ffff:") ? address.slice(7) : address;
}

/**
 * The request URL as `Deno.serve` writes it: `http(s)://` + `Host` + the request target, as
 * sent; a target that is no path (absolute-form, or `*`) as it is. Nothing is checked or resolved
 * here: the handler refuses what is malformed (`lib/request_url.ts`).
 */
function targetUrl(req: IncomingMessage): string {
  const target = req.url ?? "/";
  if (!target.startsWith("/")) return target;
  const host = req.headers.host ||
    `${displayHost(req.socket.localAddress ?? "localhost")}:${req.socket.localPort}`;
  const scheme = (req.socket as { encrypted?: boolean }).encrypted ? "https" : "http";
  return `${scheme}://${host}${target}`;
}

/**
 * The `Request` for a Node request: `srvx`'s, with the URL as sent (see `targetUrl`) and a cheaper
 * `bytes()`. Its signal aborts when `res` closes before it is finished (for an upgrade
 * request, `res` is the response that would answer it if not upgraded).
 */
export class TargetRequest extends NodeRequest {
  readonly #url: string;

  constructor(req: IncomingMessage, res: ServerResponse) {
    super({ req, res });
    this.#url = targetUrl(req);
  }

  /** The body's bytes, from srvx's body stream (srvx would build a whole undici `Request`). */
  override bytes(): Promise<Uint8Array<ArrayBuffer>> {
    if (this.bodyUsed) {
      return Promise.reject(new TypeError("Body is unusable: Body has already been read"));
    }
    return new Response(this.body).bytes();
  }

  /** `bytes()` as an `ArrayBuffer`. */
  override async arrayBuffer(): Promise<ArrayBuffer> {
    return (await this.bytes()).buffer;
  }

  /** A copy; refused once the body was read, as undici's `Request` refuses it. */
  override clone(): Request {
    if (this.bodyUsed) throw new TypeError("unusable");
    return super.clone();
  }

  // @ts-ignore: `Request` declares `url` a property; an accessor reads the same.
  override get url(): string {
    return this.#url;
  }
}

/** Bytes of a body. */
type Bytes = Uint8Array<ArrayBuffer>;

/** Statuses whose answers have no body and no framing headers. */
const NO_BODY = new Set([101, 204, 205, 304]);
/** How much of a body `whole` keeps in memory before it calls the body a stream. */
const WHOLE_LIMIT = 1 << 20;

/**
 * A response body read whole if it all arrives before the event loop turns (a string or bytes,
 * whose stream yields everything in microtasks), else the same bytes as a stream.
 */
async function whole(body: ReadableStream<Bytes>): Promise<Bytes | ReadableStream<Bytes>> {
  const reader = body.getReader();
  const turn = new Promise<undefined>((resolve) => setImmediate(resolve, undefined));
  const chunks: Bytes[] = [];
  let size = 0;
  let next: Promise<ReadableStreamReadResult<Bytes>> | null = reader.read();
  while (size <= WHOLE_LIMIT) {
    const result = await Promise.race([next, turn]);
    if (result === undefined) break;
    if (result.done) return chunks.length === 1 ? chunks[0] : concatBytes(chunks, size);
    chunks.push(result.value);
    size += result.value.byteLength;
    next = reader.read();
  }
  return new ReadableStream<Bytes>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
    },
    async pull(controller) {
      const { done, value } = await (next ?? reader.read());
      next = null;
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

/**
 * Writes `response` to `res`; `close` ends the connection after it. Resolves once it is sent (or
 * the client went away); rejects when Node refuses it (a header value, say) before anything went
 * out.
 */
export async function sendResponse(
  res: ServerResponse,
  response: Response,
  close: boolean,
): Promise<void> {
  if (res.destroyed) return void (await response.body?.cancel().catch(() => {}));
  const { status } = response;
  const body = response.body === null
    ? (NO_BODY.has(status) ? null : new Uint8Array(0))
    : await whole(response.body);
  const headers: [string, string][] = [...response.headers];
  if (close) headers.push(["connection", "close"]);
  const statusText = response.statusText || STATUS_CODES[status] || "";
  await sendNodeResponse(res, new FastResponse(body, { status, statusText, headers }));
}
