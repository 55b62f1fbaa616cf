/**
 * The client-to-server half of the HTTP transports: `xhr_send` and `jsonp_send` hand the
 * messages in their body to the session.
 *
 * @module
 */

import type { TransportRequest } from "../transport.ts";
import { notFound, textResponse } from "../http.ts";
import { readBody } from "../../http/body.ts";
import { HttpError } from "../../http/errors.ts";
import { transportHeaders } from "./http_receiver.ts";

const decoder = new TextDecoder();

/**
 * Reads a send request's body (bounded by `maxMessageSize`), hands its messages to the session and
 * answers `status` with `answer`; or the error response: a broken body before an unknown session,
 * as the reference server does.
 */
async function deliver(
  t: TransportRequest,
  extract: (body: string) => string,
  status: number,
  answer: string,
): Promise<Response> {
  const headers = transportHeaders(t, "text/plain; charset=UTF-8");
  let body: string;
  try {
    body = decoder.decode(await readBody(t.req, t.server.options.maxMessageSize));
  } catch (error) {
    if (error instanceof HttpError) {
      return textResponse(error.status, "Payload too large.", headers);
    }
    throw error;
  }
  const text = extract(body);
  let messages: unknown;
  try {
    messages = text === "" ? undefined : JSON.parse(text);
  } catch {
    return textResponse(500, "Broken JSON encoding.", headers);
  }
  if (!Array.isArray(messages)) return textResponse(500, "Payload expected.", headers);
  const session = t.server.session(t.sessionId);
  if (!session) return notFound(headers);
  for (const message of messages) if (typeof message === "string") session.receive(message);
  return textResponse(status, answer, headers);
}

/** `POST /{server}/{session}/xhr_send`: 204 once the messages are handed over. */
export function xhrSend(t: TransportRequest): Promise<Response> {
  return deliver(t, (body) => body, 204, "");
}

/** `POST /{server}/{session}/jsonp_send`: a form field `d` or a raw body; answers `ok`. */
export function jsonpSend(t: TransportRequest): Promise<Response> {
  const form = (t.req.headers.get("Content-Type") ?? "").toLowerCase()
    .startsWith("application/x-www-form-urlencoded");
  const extract = (body: string) => form ? new URLSearchParams(body).get("d") ?? "" : body;
  return deliver(t, extract, 200, "ok");
}
