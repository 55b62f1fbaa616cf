/**
 * Reading request bodies with a size limit.
 *
 * @module
 */

import { HttpError } from "./errors.ts";
import { requestHeader } from "./request_header.ts";

/** The message of the 413 answer. */
export const TOO_LARGE_MESSAGE = "Request body is too large.";

/**
 * Hands over, at once, a request body of at most `maxBytes` that the runtime already holds in
 * full, and marks it read (as `arrayBuffer()` would); undefined, leaving the body untouched, when
 * it holds none (a body still arriving, or a runtime that cannot tell) or a larger one: the body is
 * then read, or refused, as it would be without a taker.
 */
export type HeldBodyTaker = (req: Request, maxBytes: number) => Uint8Array | undefined;

const holdsNone: HeldBodyTaker = () => undefined;
let takeHeld: HeldBodyTaker = holdsNone;

/**
 * Installs the way every later `readBody` takes a body the runtime holds in full, for the whole
 * process (the Deno adapter installs one); null puts back the default, which takes none.
 */
export function useHeldBodyTaker(next: HeldBodyTaker | null): void {
  takeHeld = next ?? holdsNone;
}

/**
 * Reads a request body up to `maxBytes`: at once, without a promise, when the runtime holds it
 * in full already (see `useHeldBodyTaker`), else as a promise. A `Content-Length` over the limit
 * is refused before anything is read; a body that grows past it while streaming is cut off.
 * Errors always come as a rejected promise.
 *
 * @returns The bytes, or a promise of them that rejects with an `HttpError` 413 when the body
 * is larger than `maxBytes`.
 */
export function readBody(req: Request, maxBytes: number): Uint8Array | Promise<Uint8Array> {
  const length = requestHeader(req, "Content-Length");
  const declared = Number(length ?? "0");
  // Refused before the body is touched, so that the runtime closes the connection rather than
  // read what was declared.
  if (declared > maxBytes) return Promise.reject(new HttpError(413, TOO_LARGE_MESSAGE));
  // A body that came whole with its request (nearly every API call) costs no promise round and
  // no more header lookups. One over the limit is left unread, and refused below as any other.
  const held = takeHeld(req, maxBytes);
  if (held !== undefined) return held;
  if (length !== null && requestHeader(req, "Transfer-Encoding") === null) {
    // The server framed the body by its declared length, within the limit: read it whole, which
    // costs far less than a stream reader (and than `req.body`, which makes one). The limit
    // still holds should the header lie.
    return req.arrayBuffer().then((buffer) => {
      if (buffer.byteLength > maxBytes) throw new HttpError(413, TOO_LARGE_MESSAGE);
      return new Uint8Array(buffer);
    });
  }
  if (!req.body) return Promise.resolve(new Uint8Array(0));
  return readStream(req.body, maxBytes);
}

/** Reads a body stream chunk by chunk, cut off (and cancelled) once it passes `maxBytes`. */
async function readStream(
  stream: ReadableStream<Uint8Array>,
  maxBytes: number,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > maxBytes) throw new HttpError(413, TOO_LARGE_MESSAGE);
      chunks.push(value);
    }
  } finally {
    if (size > maxBytes) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
  if (chunks.length === 1) return chunks[0];
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.length;
  }
  return body;
}
