/**
 * The one place that turns the HTTP API's errors (`HttpError`) into responses.
 *
 * @module
 */

import type { HttpError } from "../http/errors.ts";
import { pyJson } from "../json.ts";
import { type HeaderPairs, textResponse } from "./responses.ts";

/** The CORS headers on every API answer (as in the original Thunderpush). */
export const API_CORS_HEADERS: Readonly<Record<string, string>> = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Headers": "X-Thunder-Secret-Key",
  "Access-Control-Allow-Methods": "GET, POST, DELETE",
};

/** The wrong key or secret: 401. */
export const WRONG_KEY_MESSAGE = "Wrong API key/secret.";
/** A POST body that is not one JSON value: 400. */
export const INVALID_JSON_MESSAGE = "Request body is not valid JSON.";

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
  return textResponse(status, text, headers ? withHeaders(headers) : JSON_HEADERS);
}

/** The JSON headers with `extra` after them (an extra header of the same name replaces one). */
function withHeaders(extra: Readonly<Record<string, string>>): HeaderPairs {
  if (Object.keys(extra).length === 0) return JSON_HEADERS;
  return Object.entries({ ...JSON_OBJECT, ...extra });
}

/** The response for an `HttpError`: `{"message": "...", "status": N}` + newline. */
export function errorResponse(error: HttpError): Response {
  return jsonResponse(
    error.status,
    { message: error.message, status: error.status },
    error.headers,
  );
}
