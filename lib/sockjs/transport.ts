/**
 * What every transport shares: its request, its handler's type, and what it needs of the server.
 * Transports import this file, never `server.ts`, so `sockjs/` has no cycle.
 *
 * @module
 */

import type { ResolvedSockjsOptions } from "./options.ts";
import type { Session, SessionRequestInfo, SockjsConnection } from "./session.ts";
import type { RequestContext } from "../http/context.ts";

/** What a transport needs of the server that routed a request to it. */
export interface TransportServer {
  /** The resolved settings. */
  readonly options: ResolvedSockjsOptions;
  /** The named session with this id, if it is still around. */
  session(id: string): Session | undefined;
  /** Creates a session: kept by id when `id` is given, unnamed (WebSocket) when null. */
  createSession(id: string | null, info: SessionRequestInfo): Session;
  /** Tells the listeners about a connection that just opened (the raw WebSocket's). */
  opened(conn: SockjsConnection): void;
  /** Forgets a connection that ended (the raw WebSocket's). */
  ended(conn: SockjsConnection): void;
}

/** A request on its way to a transport. */
export interface TransportRequest {
  /** The request. */
  readonly req: Request;
  /** Its parsed URL. */
  readonly url: URL;
  /** What the runtime adapter says about it. */
  readonly ctx: RequestContext;
  /** The server that routed it. */
  readonly server: TransportServer;
  /** The session id from the path; empty for endpoints without one. */
  readonly sessionId: string;
}

/** A transport's handler for one method. */
export type TransportHandler = (t: TransportRequest) => Response | Promise<Response>;
