/**
 * Receivers over HTTP responses, shared by the polling and streaming transports: a body that ends
 * after one frame (polling) or the response limit (streaming), and reports an aborted request.
 *
 * @module
 */

import { requestInfo } from "../request_info.ts";
import type { TransportRequest } from "../transport.ts";
import type { Receiver } from "../session.ts";
import { INTERRUPTED, SEND_BUFFER_FULL } from "../close_codes.ts";
import { corsHeaders, NO_CACHE } from "../http.ts";

const encoder = new TextEncoder();

/** How a transport writes frames into its response body. */
interface HttpReceiverShape {
  /** Whether the response stays open for more frames (up to the response limit). */
  readonly streaming: boolean;
  /** The response's `Content-Type`. */
  readonly contentType: string;
  /** Written before the first frame (e.g. the 2 KiB `h` prelude of xhr-streaming). */
  readonly prelude?: string;
  /** Turns a frame into the bytes written for it. */
  readonly format: (frame: string) => string;
  /** Whether the response carries CORS headers (script-tag transports do not). */
  readonly cors: boolean;
  /** Extra response headers. */
  readonly headers?: Record<string, string>;
}

/** The headers every SockJS transport response carries: no caching, CORS, and the cookie. */
export function transportHeaders(
  t: TransportRequest,
  contentType: string,
  cors = true,
): Record<string, string> {
  return {
    "Content-Type": contentType,
    "Cache-Control": NO_CACHE,
    ...(cors ? corsHeaders(t.req) : {}),
    ...cookieHeader(t),
  };
}

/** `Set-Cookie: JSESSIONID=...` when the server needs sticky sessions (`jsessionid`). */
export function cookieHeader(t: TransportRequest): Record<string, string> {
  if (!t.server.options.jsessionid) return {};
  const cookie = t.req.headers.get("Cookie") ?? "";
  const match = /(?:^|;\s*)JSESSIONID=([^;]*)/.exec(cookie);
  return { "Set-Cookie": `JSESSIONID=${match ? match[1] : "dummy"}; path=/` };
}

/**
 * A response body of frames. Runtimes join what is written in one turn into one HTTP chunk; here
 * message frames of one turn share a chunk, and every other frame gets its own.
 */
class ChunkedBody {
  readonly stream: ReadableStream<Uint8Array>;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #pending: { text: string; alone: boolean }[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closing = false;
  #done = false;

  constructor(onCancel: () => void) {
    this.stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = controller;
      },
      cancel: () => {
        this.#stop();
        onCancel();
      },
    }, new ByteLengthQueuingStrategy({ highWaterMark: 0 }));
  }

  /** Bytes written and not yet taken by the runtime (it stops taking when the client stalls). */
  get backlog(): number {
    return this.#done ? 0 : -(this.#controller.desiredSize ?? 0) +
      this.#pending.reduce((n, p) => n + p.text.length, 0);
  }

  /** Whether the body is over (closed or cancelled). */
  get done(): boolean {
    return this.#done || this.#closing;
  }

  /** Writes text; `alone` keeps it out of the chunks of other writes. */
  write(text: string, alone: boolean): void {
    if (this.done) return;
    if (this.#timer !== undefined) {
      this.#pending.push({ text, alone });
      return;
    }
    this.#controller.enqueue(encoder.encode(text));
    this.#timer = setTimeout(() => this.#tick(), 0);
  }

  close(): void {
    if (this.done) return;
    this.#closing = true;
    if (this.#timer === undefined) this.#finish();
  }

  #tick(): void {
    this.#timer = undefined;
    if (this.#done) return;
    if (this.#pending.length > 0) {
      let n = 1;
      if (!this.#pending[0].alone) {
        while (n < this.#pending.length && !this.#pending[n].alone) n++;
      }
      const chunk = this.#pending.splice(0, n).map((p) => p.text).join("");
      this.#controller.enqueue(encoder.encode(chunk));
      this.#timer = setTimeout(() => this.#tick(), 0);
    } else if (this.#closing) {
      this.#finish();
    }
  }

  #finish(): void {
    this.#stop();
    try {
      this.#controller.close();
    } catch { /* cancelled meanwhile */ }
  }

  #stop(): void {
    this.#done = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending = [];
  }
}

/**
 * Answers a receiving request: attaches a receiver to the session (created on first use) and
 * returns the response whose body carries the frames.
 */
export function receive(t: TransportRequest, shape: HttpReceiverShape): Response {
  const transport = t.url.pathname.slice(t.url.pathname.lastIndexOf("/") + 1);
  const session = t.server.session(t.sessionId) ??
    t.server.createSession(t.sessionId, requestInfo(t, transport));
  const { responseLimit: limit, maxBufferedBytes: maxBuffered } = t.server.options;
  let sent = 0;
  const body = new ChunkedBody(() => session.abort(receiver, INTERRUPTED));
  const receiver: Receiver = {
    streaming: shape.streaming,
    send(frame) {
      if (body.done) return;
      const text = shape.format(frame);
      body.write(text, frame[0] !== "a");
      sent += text.length;
      if (body.backlog > maxBuffered) session.close(SEND_BUFFER_FULL);
      else if (shape.streaming && sent >= limit) session.release(receiver);
    },
    close() {
      body.close();
    },
  };
  if (shape.prelude) body.write(shape.prelude, true);
  // The body exists now, so the session may write (and end a poll) at once.
  session.attach(receiver);
  return new Response(body.stream, {
    status: 200,
    headers: { ...transportHeaders(t, shape.contentType, shape.cors), ...shape.headers },
  });
}
