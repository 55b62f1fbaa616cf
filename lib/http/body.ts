/**
 * Reading request bodies with a size limit, through the standard `Request` API.
 *
 * @example
 * ```ts
 * const post = (body: BodyInit) => new Request("http://localhost/", { method: "POST", body });
 * (await readBody(post("hi"), 10)).length; // 2
 * await readUtf8(post(new Uint8Array([0xff])), 10); // null: not UTF-8
 * decodeUtf8(new Uint8Array([0xef, 0xbb, 0xbf, 0x31])); // "\uFEFF1": the BOM kept
 * concatBytes([new Uint8Array([1]), new Uint8Array([2])], 2); // Uint8Array [1, 2]
 * ```
 *
 * @module
 */

import { HttpError } from "./errors.ts";

/** The message of the 413 answer. */
const TOO_LARGE_MESSAGE = "Request body is too large.";

/**
 * Reads a request body up to `maxBytes`. A `Content-Length` over the limit is refused before
 * anything is read (so that the runtime closes the connection rather than read what was
 * declared); a body that grows past the limit while streaming is cut off.
 *
 * @throws {HttpError} 413 when the body is larger than `maxBytes`.
 */
export async function readBody(req: Request, maxBytes: number): Promise<Uint8Array> {
  const length = req.headers.get("Content-Length");
  if (Number(length ?? "0") > maxBytes) throw new HttpError(413, TOO_LARGE_MESSAGE);
  if (length !== null && req.headers.get("Transfer-Encoding") === null) {
    // The server framed the body by its declared length, within the limit: read it whole, which
    // costs far less than a stream reader. The limit still holds should the header lie.
    const bytes = await req.bytes();
    if (bytes.byteLength > maxBytes) throw new HttpError(413, TOO_LARGE_MESSAGE);
    return bytes;
  }
  if (!req.body) return new Uint8Array(0);
  return await readStream(req.body, maxBytes);
}

const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** `readBody` as UTF-8 text (a leading byte order mark kept), or null when it is not UTF-8. */
export async function readUtf8(req: Request, maxBytes: number): Promise<string | null> {
  return decodeUtf8(await readBody(req, maxBytes));
}

/** Bytes as UTF-8 text (a leading byte order mark kept), or null when they are not UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | null {
  // The lenient decoder is the runtimes' fast one; a text with U+FFFD in it, which may stand for
  // bytes that are not UTF-8, is decoded again strictly.
  const text = decoder.decode(bytes);
  if (!text.includes("\uFFFD")) return text;
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return null;
  }
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
  return chunks.length === 1 ? chunks[0] : concatBytes(chunks, size);
}

/** The chunks of a body as one array of `size` bytes (their lengths added up). */
export function concatBytes(
  chunks: readonly Uint8Array[],
  size: number,
): Uint8Array<ArrayBuffer> {
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}
