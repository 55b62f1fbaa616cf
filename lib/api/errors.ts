/**
 * The HTTP API's answers: JSON written as the original wrote it, with CORS headers; an `HttpError`
 * becomes one here.
 *
 * @module
 */

import type { HttpError } from "../http/errors.ts";
import { pyJson } from "../json.ts";

/** The CORS headers on every API answer (as in the original Thunderpush). */
export const API_CORS_HEADERS: Readonly<Record<string, string>> = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Headers": "X-Thunder-Secret-Key",
  "Access-Control-Allow-Methods": "GET, POST, DELETE",
};

/** Header names and values, in the order they go out. */
export type HeaderPairs = readonly (readonly [string, string])[];

/** The headers of every JSON answer without headers of its own: the content type and CORS. */
const JSON_OBJECT: Readonly<Record<string, string>> = Object.freeze({
  "Content-Type": "application/json; charset=UTF-8",
  ...API_CORS_HEADERS,
});
const JSON_HEADERS: HeaderPairs = Object.freeze(Object.entries(JSON_OBJECT));

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
 * the headers of `jsonResponse`, plus `headers` (which replace those of the same name).
 */
export function jsonTextResponse(
  status: number,
  text: string,
  headers?: Readonly<Record<string, string>>,
): Response {
  const pairs = headers && Object.keys(headers).length > 0
    ? Object.entries({ ...JSON_OBJECT, ...headers })
    : JSON_HEADERS;
  return textResponse(status, text, pairs);
}

/** The response for an `HttpError`: `{"message": "...", "status": N}` + newline. */
export function errorResponse(error: HttpError): Response {
  return jsonResponse(
    error.status,
    { message: error.message, status: error.status },
    error.headers,
  );
}

/** A `Response` for a text body. */
export function textResponse(status: number, text: string, headers: HeaderPairs): Response {
  if (status !== 200) return new Response(text, { status, headers: headers as [string, string][] });
  // A plain 200 whose headers are set afterwards costs Deno a third of one built with them
  // (docs/architecture.md, "API answers").
  const res = new Response(text);
  for (const [name, value] of headers) res.headers.set(name, value);
  return res;
}
