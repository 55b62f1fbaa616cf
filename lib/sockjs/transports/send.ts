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
import { findSession, parseSendBody, transportHeaders } from "./http_receiver.ts";

const decoder = new TextDecoder();

/**
 * Reads a send request's body (bounded by `maxMessageSize`) and hands its messages to the
 * session. Returns null when done, or the error response: a broken body before an unknown
 * session, as the reference server does.
 */
async function deliver(
  t: TransportRequest,
  extract: (body: string) => string,
): Promise<Response | null> {
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
  const messages = parseSendBody(extract(body));
  if (messages instanceof Response) {
    for (const [name, value] of Object.entries(headers)) messages.headers.set(name, value);
    return messages;
  }
  const session = findSession(t, false);
  if (!session) return notFound(headers);
  for (const message of messages) session.receive(message);
  return null;
}

/** `POST /{server}/{session}/xhr_send`: 204 once the messages are handed over. */
export async function xhrSend(t: TransportRequest): Promise<Response> {
  const error = await deliver(t, (body) => body);
  return error ?? textResponse(204, "", transportHeaders(t, "text/plain; charset=UTF-8"));
}

/** `POST /{server}/{session}/jsonp_send`: a form field `d` or a raw body; answers `ok`. */
export async function jsonpSend(t: TransportRequest): Promise<Response> {
  const form = (t.req.headers.get("Content-Type") ?? "").toLowerCase()
    .startsWith("application/x-www-form-urlencoded");
  const error = await deliver(t, (body) => form ? new URLSearchParams(body).get("d") ?? "" : body);
  return error ?? textResponse(200, "ok", transportHeaders(t, "text/plain; charset=UTF-8"));
}
