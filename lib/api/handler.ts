/**
 * The HTTP API: a plain `(req: Request) => Promise<Response>` over the hub.
 *
 * | Method and path                            | Answer                      |
 * | ------------------------------------------ | --------------------------- |
 * | `GET /api/1.0.0/{key}/users/`              | `{"count": N}` distinct ids |
 * | `GET /api/1.0.0/{key}/users/{user}/`       | `{"online": bool}`          |
 * | `POST /api/1.0.0/{key}/users/{user}/`      | `{"count": N}` connections  |
 * | `DELETE /api/1.0.0/{key}/users/{user}/`    | 204, closes with 9002       |
 * | `GET /api/1.0.0/{key}/channels/{channel}/` | `{"users": [...]}`          |
 * | `POST /api/1.0.0/{key}/channels/{channel}/`| `{"count": N}` connections  |
 * | `GET .../channels/{channel}/history/`      | kept pushes (`history.ts`)  |
 * | `GET /api/1.0.0/{key}/users/?limit=&cursor=`| a page of online users      |
 * | `GET /api/1.0.0/{key}/stats/`              | live figures (`lib/stats/`) |
 *
 * @module
 */

import type { Hub } from "../hub/hub.ts";
import type { Broker } from "../broker/broker.ts";
import { BrokerUnavailableError } from "../broker/broker.ts";
import { MemoryBroker } from "../broker/memory.ts";
import { timingSafeEqual } from "./auth.ts";
import { readUtf8 } from "../http/body.ts";
import { HttpError } from "../http/errors.ts";
import { requestUrl } from "../http/request_url.ts";
import {
  API_CORS_HEADERS,
  errorResponse,
  INVALID_JSON_MESSAGE,
  jsonResponse,
  jsonTextResponse,
  WRONG_KEY_MESSAGE,
} from "./errors.ts";
import { isJsonText, pyJson, type PyJsonValue } from "../json.ts";
import { ALLOWED_METHODS, type ApiRoute, isAllowedMethod, routeOf } from "./routes.ts";
import { HISTORY_SUFFIX, historyAnswer, historyResponse } from "./history.ts";
import { type ApiStats, pageBody, pageQuery } from "./stats.ts";

/** Settings of the HTTP API. */
export interface ApiOptions {
  /** Largest POST body in bytes; larger bodies get 413 (default 65,536). */
  readonly maxMessageSize?: number;
  /** Carries publishes and answers presence (default: the in-memory broker). */
  readonly broker?: Broker;
  /** The stats endpoint's figures and the users list (without: both answer 404). */
  readonly stats?: ApiStats;
}

/** A fetch-style handler. */
export type ApiHandler = (req: Request) => Promise<Response>;

/**
 * Answers an API request whose path the caller has matched already, with `routeOf`: undefined
 * (no endpoint) gets 404, an `HttpError` (a path that is not UTF-8) its own answer. The answer
 * comes at once when nothing needs waiting for (no body to read, a broker that answers at once),
 * else as a promise.
 */
export type ApiResponder = (
  req: Request,
  route: ApiRoute | HttpError | undefined,
) => Response | Promise<Response>;

/** The 404 answer for paths that name no endpoint. */
export function notFound(): Response {
  return errorResponse(new HttpError(404, "Not found."));
}

/**
 * Creates the API handler over a hub. Paths that name no endpoint get 404.
 *
 * @example
 * ```ts
 * import { Hub } from "../hub/hub.ts";
 * import { createApiHandler } from "./handler.ts";
 * const api = createApiHandler(new Hub([{ publicKey: "key", secret: "secret" }]));
 * const res = await api(new Request("http://localhost/api/1.0.0/key/users/", {
 *   headers: { "X-Thunder-Secret-Key": "secret" },
 * }));
 * await res.text(); // '{"count": 0}\n'
 * ```
 */
export function createApiHandler(hub: Hub, options: ApiOptions = {}): ApiHandler {
  const respond = createApiResponder(hub, options);
  return async (req) => {
    const url = requestUrl(req);
    if (url instanceof HttpError) return errorResponse(url);
    return await respond(req, routeOf(url.pathname));
  };
}

/**
 * Creates the API over a hub for a caller that matches routes itself (the server, which also
 * counts requests by endpoint).
 *
 * @example
 * ```ts
 * import { Hub } from "../hub/hub.ts";
 * import { createApiResponder } from "./handler.ts";
 * import { routeOf } from "./routes.ts";
 * const respond = createApiResponder(new Hub([{ publicKey: "key", secret: "secret" }]));
 * const req = new Request("http://localhost/api/1.0.0/key/users/", {
 *   headers: { "X-Thunder-Secret-Key": "secret" },
 * });
 * await (await respond(req, routeOf("/api/1.0.0/key/users/"))).text(); // '{"count": 0}\n'
 * ```
 */
export function createApiResponder(hub: Hub, options: ApiOptions = {}): ApiResponder {
  const maxMessageSize = options.maxMessageSize ?? 65_536;
  const broker = options.broker ?? new MemoryBroker();
  const stats = options.stats;

  /**
   * The answer, or a promise of it. Throws the errors it meets at once (the caller answers them);
   * a promise answers its own, and rejects only with errors the API does not expect.
   */
  function answer(req: Request, route: ApiRoute | HttpError | undefined) {
    if (route === undefined) return notFound();
    if (route instanceof HttpError) return errorResponse(route);
    if (route.kind === "stats" && !stats) return notFound();
    const method = req.method;
    if (!isAllowedMethod(route.kind, method)) {
      throw new HttpError(405, "Method not allowed.", { Allow: ALLOWED_METHODS[route.kind] });
    }
    if (method === "OPTIONS") {
      return new Response(null, { status: 200, headers: API_CORS_HEADERS });
    }
    const app = hub.app(route.publicKey);
    const given = req.headers.get("X-Thunder-Secret-Key");
    if (!app || given === null || !timingSafeEqual(given, app.secret)) {
      throw new HttpError(401, WRONG_KEY_MESSAGE);
    }
    switch (route.kind) {
      case "users": {
        const page = stats && pageQuery(req.url);
        if (page) return then(stats.users(app, page.after, page.limit), (p) => body(pageBody(p)));
        return then(broker.userCount(app), countResponse);
      }
      case "stats":
        return then(stats!.read(app), body);
      case "user": {
        const userId = route.userId;
        if (method === "GET") return then(broker.isOnline(app, userId), onlineResponse);
        if (method === "DELETE") return then(broker.logout(app, userId), noContent);
        return publish(req, (payload) => broker.publishToUser(app, userId, payload));
      }
      case "channel": {
        const channel = route.channel;
        if (method === "GET") {
          const history = historyAnswer(req, broker, app, channel);
          if (history === undefined) return then(broker.channelUsers(app, channel), usersResponse);
          if (history instanceof HttpError) return errorResponse(history);
          const base = channel.slice(0, -HISTORY_SUFFIX.length);
          return then(history, (read) => historyResponse(base, read));
        }
        return publish(req, (payload) => broker.publishToChannel(app, channel, payload));
      }
    }
  }

  /** Reads the payload, publishes it and answers the count, errors answered too. */
  function publish(
    req: Request,
    send: (payload: string) => number | Promise<number>,
  ): Promise<Response> {
    // A payload refused, a broker that throws or one that answers at once are all answered in
    // the one promise job after the body is read.
    return readUtf8(req, maxMessageSize).then((text) => published(text, send), errorAnswer);
  }

  /** Publishes a payload read (null: not UTF-8) and answers the count, or the error met. */
  function published(
    text: string | null,
    send: (payload: string) => number | Promise<number>,
  ): Response | Promise<Response> {
    try {
      return then(send(jsonPayload(text)), countResponse);
    } catch (error) {
      return errorAnswer(error);
    }
  }

  return (req, route) => {
    try {
      return answer(req, route);
    } catch (error) {
      return errorAnswer(error);
    }
  };
}

/**
 * The answer for an error the API expects: its own for an `HttpError`, 503 when the broker is
 * unavailable. Anything else is thrown again.
 */
function errorAnswer(error: unknown): Response {
  if (error instanceof HttpError) return errorResponse(error);
  if (error instanceof BrokerUnavailableError) {
    return errorResponse(new HttpError(503, error.message));
  }
  throw error;
}

/**
 * `make(value)`, once `value` is there: at once, or when its promise resolves. A promise that
 * rejects gets `errorAnswer`'s answer.
 */
function then<T>(
  value: T | PromiseLike<T>,
  make: (value: T) => Response,
): Response | Promise<Response> {
  if (value instanceof Promise) return value.then(make, errorAnswer);
  if (isThenable(value)) return Promise.resolve(value).then(make, errorAnswer);
  return make(value);
}

function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return (typeof value === "object" || typeof value === "function") && value !== null &&
    typeof (value as { then?: unknown }).then === "function";
}

/** `{"count": n}`, as `jsonResponse(200, { count })` writes it, without the object. */
function countResponse(count: number): Response {
  // A count is a whole number, which JSON and Python write as `String` does.
  return jsonTextResponse(200, '{"count": ' + String(count) + "}\n");
}

/** `{"online": bool}`, as `jsonResponse(200, { online })` writes it. */
function onlineResponse(online: boolean): Response {
  return jsonTextResponse(200, '{"online": ' + pyJson(online) + "}\n");
}

/** `{"users": [...]}`. */
function usersResponse(users: string[]): Response {
  return jsonResponse(200, { users });
}

/** A JSON body that must not be cached (live figures). */
function body(value: PyJsonValue): Response {
  return jsonResponse(200, value, { "Cache-Control": "no-store" });
}

/** The 204 answer of a logout. */
function noContent(): Response {
  return new Response(null, { status: 204, headers: API_CORS_HEADERS });
}

/** A body's text (null: not UTF-8) as the payload of a publish: one JSON value, else 400. */
function jsonPayload(text: string | null): string {
  if (text === null || !isJsonText(text)) throw new HttpError(400, INVALID_JSON_MESSAGE);
  return text;
}
