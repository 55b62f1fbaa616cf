/**
 * The one error type of the HTTP layer: the status and message the client gets (as JSON from the
 * API, as plain text from SockJS).
 *
 * @module
 */

/** An error with the HTTP status and message the client gets. */
export class HttpError extends Error {
  /** The HTTP status code. */
  readonly status: number;
  /** Extra response headers (e.g. `Allow` on 405). */
  readonly headers: Readonly<Record<string, string>>;

  /** Creates an error answered with `status` and `message` (and `headers`). */
  constructor(status: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = "HttpError";
    this.status = status;
    this.headers = headers;
  }
}
