/**
 * Reading request bodies with a size limit.
 *
 * @module
 */

import { HttpError } from "./errors.ts";

/** The message of the 413 answer. */
export const TOO_LARGE_MESSAGE = "Request body is too large.";

/**
 * Reads a request body up to `maxBytes`. A `Content-Length` over the limit is refused before
 * anything is read; a body that grows past it while streaming is cut off.
 *
 * @throws {HttpError} 413 when the body is larger than `maxBytes`.
 */
export async function readBody(req: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(req.headers.get("Content-Length") ?? "0");
  if (declared > maxBytes) throw new HttpError(413, TOO_LARGE_MESSAGE);
  if (!req.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = req.body.getReader();
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
