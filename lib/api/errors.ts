/**
 * One error type for the HTTP API and the one place that turns errors into responses.
 *
 * @module
 */

import { pyJson } from "./json.ts";

/** The CORS headers on every API answer (as in the original Thunderpush). */
export const API_CORS_HEADERS: Readonly<Record<string, string>> = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Headers": "X-Thunder-Secret-Key",
  "Access-Control-Allow-Methods": "GET, POST, DELETE",
};

/** An error with the HTTP status and message the client gets. */
export class HttpError extends Error {
  /** The HTTP status code. */
  readonly status: number;
  /** Extra response headers (e.g. `Allow` on 405). */
  readonly headers: Readonly<Record<string, string>>;

  /** Creates an error answered with `status` and `{"message": message, "status": status}`. */
  constructor(status: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = "HttpError";
    this.status = status;
    this.headers = headers;
  }
}

/** The wrong key or secret: 401. */
export const WRONG_KEY_MESSAGE = "Wrong API key/secret.";
/** A POST body that is not one JSON value: 400. */
export const INVALID_JSON_MESSAGE = "Request body is not valid JSON.";

/** The headers of every JSON answer without headers of its own: the content type and CORS. */
const JSON_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "Content-Type": "application/json; charset=UTF-8",
  ...API_CORS_HEADERS,
});

const JSON_HEADER_ENTRIES: readonly (readonly [string, string])[] = Object.entries(JSON_HEADERS);

/** A JSON answer in the original's style: Python spacing, trailing newline, CORS headers. */
export function jsonResponse(
  status: number,
  body: Parameters<typeof pyJson>[0],
  headers?: Readonly<Record<string, string>>,
): Response {
  return jsonTextResponse(status, pyJson(body) + "\n", headers);
}

/**
 * A JSON answer whose text (newline included) is already written in the original's style, with
 * the headers of `jsonResponse`.
 */
export function jsonTextResponse(
  status: number,
  text: string,
  headers?: Readonly<Record<string, string>>,
): Response {
  if (status === 200 && headers === undefined) {
    // The hot path (every publish and presence answer). Deno 2.9 builds a native copy of every
    // Response given two or more headers (and registers it for finalization): a plain 200 made
    // first and its headers set afterwards costs a third of that (1.2 against 3.2 µs), and Deno
    // then writes it with its ordinary text-with-headers op.
    const res = new Response(text);
    const set = res.headers;
    for (const [name, value] of JSON_HEADER_ENTRIES) set.set(name, value);
    return res;
  }
  // The Response copies its headers, so one frozen object serves every answer.
  const all = headers && Object.keys(headers).length > 0
    ? { ...JSON_HEADERS, ...headers }
    : JSON_HEADERS;
  return new Response(text, { status, headers: all });
}

/** The response for an `HttpError`: `{"message": "...", "status": N}` + newline. */
export function errorResponse(error: HttpError): Response {
  return jsonResponse(
    error.status,
    { message: error.message, status: error.status },
    error.headers,
  );
}
