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
 * Hands over, at once, as text, a request body that the runtime already holds in full, and marks
 * it read (as `text()` would); undefined, leaving the body untouched, when it holds none (a body
 * still arriving, or a runtime that cannot tell). The text is the body decoded as UTF-8 with a
 * leading byte order mark kept, each maximal run of bytes that are not UTF-8 (one to three bytes)
 * replaced by one U+FFFD, as `new TextDecoder("utf-8", { ignoreBOM: true })` decodes.
 */
export type HeldTextTaker = (req: Request) => string | undefined;

const holdsNoText: HeldTextTaker = () => undefined;
let takeHeldText: HeldTextTaker = holdsNoText;

/**
 * Installs the way every later `readUtf8` takes, as text, a body the runtime holds in full, for
 * the whole process (the Deno adapter installs one); null puts back the default, which takes
 * none.
 */
export function useHeldTextTaker(next: HeldTextTaker | null): void {
  takeHeldText = next ?? holdsNoText;
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
  return readBodyOf(req, maxBytes, requestHeader(req, "Content-Length"));
}

/**
 * Reads a request body of at most `maxBytes` that must be UTF-8, as text: at once, without a
 * promise, when the runtime holds it in full already (see `useHeldTextTaker`, then
 * `useHeldBodyTaker`), else as a promise. A leading byte order mark is kept. Limits and errors
 * as `readBody`.
 *
 * A body taken as text (Deno's, framed by its `Content-Length`) comes decoded with U+FFFD in
 * place of bytes that are not UTF-8, and is checked against its declared length (see
 * `checkedUtf8`). One kind of such bytes cannot be told that way from a U+FFFD the sender wrote,
 * and is taken as one: the first three bytes of a four-byte character, cut off there.
 *
 * @returns The text, or null when the body is not UTF-8; or a promise of either.
 */
export function readUtf8(req: Request, maxBytes: number): string | null | Promise<string | null> {
  const length = requestHeader(req, "Content-Length");
  if (length !== null) {
    const declared = Number(length);
    if (declared <= maxBytes) {
      const text = takeHeldText(req);
      if (text !== undefined) return checkedUtf8(text, declared);
    }
  }
  const body = readBodyOf(req, maxBytes, length);
  if (body instanceof Uint8Array) return strictUtf8(body);
  return body.then(strictUtf8);
}

const REPLACEMENT = "\uFFFD";
const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** `bytes` as UTF-8 text (a leading byte order mark kept), or null when they are not UTF-8. */
function strictUtf8(bytes: Uint8Array): string | null {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return null;
  }
}

/**
 * `text`, a body of `declared` bytes decoded with U+FFFD in place of bytes that are not UTF-8,
 * when those bytes were UTF-8; else null. Text without U+FFFD was. A maximal run of one or two
 * bytes that are not UTF-8 becomes the three bytes of U+FFFD, so the text's UTF-8 length then
 * exceeds `declared`, where a U+FFFD the sender wrote keeps it. A run of three (the start of a
 * four-byte character cut off) keeps it too: that one is taken as a U+FFFD written.
 */
export function checkedUtf8(text: string, declared: number): string | null {
  // Every byte one code unit: only ASCII bytes and lone bytes that are not UTF-8 decode so.
  if (text.length === declared) return text.includes(REPLACEMENT) ? null : text;
  if (!text.includes(REPLACEMENT)) return text;
  return utf8Length(text) === declared ? text : null;
}

/** The length in UTF-8 of well-formed text. */
function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    // Past ASCII: two bytes up to U+07FF, three up to U+FFFF, four for a surrogate pair.
    if (unit >= 0x80) bytes += unit < 0x800 || (unit >= 0xd800 && unit <= 0xdfff) ? 1 : 2;
  }
  return bytes;
}

/** `readBody`, given the request's `Content-Length` (null when it has none). */
function readBodyOf(
  req: Request,
  maxBytes: number,
  length: string | null,
): Uint8Array | Promise<Uint8Array> {
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
