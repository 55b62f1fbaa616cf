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
 * @example
 * ```ts
 * import { Hub } from "../hub/hub.ts";
 * import {
 *   type ApiHandler,
 *   type ApiOptions,
 *   type ApiResponder,
 *   createApiHandler,
 *   createApiResponder,
 *   notFound,
 * } from "./handler.ts";
 * import { routeOf } from "./routes.ts";
 * const hub = new Hub([{ publicKey: "key", secret: "secret" }]);
 * const options: ApiOptions = { maxMessageSize: 1024 };
 * const headers = { "X-Thunder-Secret-Key": "secret" };
 * const req = new Request("http://localhost/api/1.0.0/key/users/", { headers });
 * const api: ApiHandler = createApiHandler(hub, options);
 * await (await api(req)).text(); // '{"count": 0}\n'
 * // For a caller that matches the route itself:
 * const respond: ApiResponder = createApiResponder(hub, options);
 * await (await respond(req, routeOf("/api/1.0.0/key/users/"))).text(); // '{"count": 0}\n'
 * notFound().status; // 404
 * ```
 *
 * @module
 */

import type { App, Hub } from "../hub/hub.ts";
import type { Broker } from "../broker/broker.ts";
import { BrokerUnavailableError } from "../broker/broker.ts";
import { MemoryBroker } from "../broker/memory.ts";
import { timingSafeEqual } from "./auth.ts";
import { decodeUtf8, readBody } from "../http/body.ts";
import { HttpError } from "../http/errors.ts";
import { requestUrl } from "../http/request_url.ts";
import { API_CORS_HEADERS, errorResponse, jsonResponse, jsonTextResponse } from "./errors.ts";
import { isJsonText, pyJson, type PyJsonValue } from "../json.ts";
import { ALLOWED_METHODS, type ApiRoute, isAllowedMethod, routeOf } from "./routes.ts";
import { historyAnswer } from "./history.ts";
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
 * (no endpoint) gets 404, an `HttpError` (a path that is not UTF-8) its own answer.
 */
export type ApiResponder = (
  req: Request,
  route: ApiRoute | HttpError | undefined,
) => Promise<Response>;

/** The 404 answer for paths that name no endpoint. */
export function notFound(): Response {
  return errorResponse(new HttpError(404, "Not found."));
}

/** Creates the API handler over a hub. Paths that name no endpoint get 404. */
export function createApiHandler(hub: Hub, options: ApiOptions = {}): ApiHandler {
  const respond = createApiResponder(hub, options);
  return async (req) => {
    const url = requestUrl(req);
    if (url instanceof HttpError) return errorResponse(url);
    return await respond(req, routeOf(url.pathname));
  };
}

/**
 * Creates the API over a hub for a caller that matches routes itself (the server, which counts
 * requests by endpoint). Its promise rejects only with errors the API does not expect.
 */
export function createApiResponder(hub: Hub, options: ApiOptions = {}): ApiResponder {
  const api: Api = {
    hub,
    broker: options.broker ?? new MemoryBroker(),
    stats: options.stats,
    maxMessageSize: options.maxMessageSize ?? 65_536,
  };
  return async (req, route) => {
    try {
      return await answer(api, req, route);
    } catch (error) {
      // The errors the API expects are answered (an unavailable broker: 503); others go on.
      if (error instanceof HttpError) return errorResponse(error);
      if (!(error instanceof BrokerUnavailableError)) throw error;
      return errorResponse(new HttpError(503, error.message));
    }
  };
}

/** What the endpoints answer from. */
interface Api {
  readonly hub: Hub;
  readonly broker: Broker;
  readonly stats: ApiStats | undefined;
  readonly maxMessageSize: number;
}

/** The answer to a request for `route`; throws an `HttpError` or the broker's errors. */
async function answer(
  api: Api,
  req: Request,
  route: ApiRoute | HttpError | undefined,
): Promise<Response> {
  if (route === undefined) return notFound();
  if (route instanceof HttpError) return errorResponse(route);
  if (route.kind === "stats" && !api.stats) return notFound();
  if (!isAllowedMethod(route.kind, req.method)) {
    throw new HttpError(405, "Method not allowed.", { Allow: ALLOWED_METHODS[route.kind] });
  }
  if (req.method === "OPTIONS") {
    return new Response(null, { status: 200, headers: API_CORS_HEADERS });
  }
  const app = authorizedApp(api.hub, route.publicKey, req);
  switch (route.kind) {
    case "users":
      return await usersAnswer(api, req, app);
    case "stats":
      return body(await api.stats!.read(app));
    case "user":
      return await userAnswer(api, req, app, route.userId);
    case "channel":
      return await channelAnswer(api, req, app, route.channel);
  }
}

/** The application with this public key, when the request carries its secret; else 401. */
function authorizedApp(hub: Hub, publicKey: string, req: Request): App {
  const app = hub.app(publicKey);
  const given = req.headers.get("X-Thunder-Secret-Key");
  if (!app || given === null || !timingSafeEqual(given, app.secret)) {
    throw new HttpError(401, "Wrong API key/secret.");
  }
  return app;
}

/** `GET .../users/`: the count of online users, or a page of them when the query asks one. */
async function usersAnswer(api: Api, req: Request, app: App): Promise<Response> {
  const page = api.stats && pageQuery(req.url);
  if (page) return body(pageBody(await api.stats!.users(app, page.after, page.limit)));
  return countResponse(await api.broker.userCount(app));
}

/** `.../users/{user}/`: whether the user is online, a logout or a publish to the user. */
async function userAnswer(api: Api, req: Request, app: App, userId: string): Promise<Response> {
  if (req.method === "GET") {
    const online = await api.broker.isOnline(app, userId);
    return jsonTextResponse(200, '{"online": ' + pyJson(online) + "}\n");
  }
  if (req.method === "DELETE") {
    await api.broker.logout(app, userId);
    return new Response(null, { status: 204, headers: API_CORS_HEADERS });
  }
  const payload = await readPayload(req, api.maxMessageSize);
  return countResponse(await api.broker.publishToUser(app, userId, payload));
}

/** `.../channels/{channel}/`: its users, its history, or a publish to it. */
async function channelAnswer(
  api: Api,
  req: Request,
  app: App,
  channel: string,
): Promise<Response> {
  if (req.method === "GET") {
    return await historyAnswer(req, api.broker, app, channel) ??
      jsonResponse(200, { users: await api.broker.channelUsers(app, channel) });
  }
  const payload = await readPayload(req, api.maxMessageSize);
  return countResponse(await api.broker.publishToChannel(app, channel, payload));
}

/** A POST body as the payload of a publish: one JSON value in UTF-8, else 400 (413: too big). */
async function readPayload(req: Request, maxMessageSize: number): Promise<string> {
  const text = decodeUtf8(await readBody(req, maxMessageSize));
  if (text === null || !isJsonText(text)) {
    throw new HttpError(400, "Request body is not valid JSON.");
  }
  return text;
}

/** `{"count": n}`, as `jsonResponse(200, { count })` writes it, without the object. */
function countResponse(count: number): Response {
  // A count is a whole number, which JSON and Python write as `String` does.
  return jsonTextResponse(200, '{"count": ' + String(count) + "}\n");
}

/** A JSON body that must not be cached (live figures). */
function body(value: PyJsonValue): Response {
  return jsonResponse(200, value, { "Cache-Control": "no-store" });
}
