/**
 * The Node adapter: `node:http` (or `node:https`), `srvx` for Request and Response
 * (`node_bridge.ts`), `ws` for WebSockets (`node_websocket.ts`). Listening is asynchronous on
 * Node, so `serve` returns a promise (`await serve(...)` reads the same on both runtimes).
 *
 * @example
 * ```ts ignore
 * import { Thunderpush } from "thunderpush";
 * import { serve } from "thunderpush"; // the Node adapter in the npm package
 * const thunder = new Thunderpush({ apps: [{ publicKey: "key", secret: "secret" }] });
 * const server = await serve(thunder.handle, { port: 8080 });
 * console.log(`listening on ${server.url}`);
 * ```
 *
 * @module
 */

import type { Buffer } from "node:buffer";
import { createServer, type IncomingMessage, type Server, ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { RequestContext, UpgradeWebSocket } from "../http/context.ts";
import {
  describeAddress,
  type RunningServer,
  type ServeHandler,
  type ServeOptions,
} from "./serve.ts";
import { remoteAddress, sendResponse, TargetRequest } from "./node_bridge.ts";
import { checkHandshake, createHandshaker, NodeWebSocket } from "./node_websocket.ts";
import { watchAccepts } from "./node_accept_watchdog.ts";
import process from "node:process";

export type { RunningServer, ServeHandler, ServeOptions } from "./serve.ts";

const INTERNAL_ERROR = "Internal server error.\n";

/** A socket's reset while the handler runs is not an error of ours (one function for all). */
function ignoreSocketError(): void {}

/** The refusal `Deno.upgradeWebSocket` gives a request that asked for no upgrade. */
const notAnUpgrade: UpgradeWebSocket = (r) => {
  checkHandshake(r);
  throw new TypeError("Invalid Header: 'upgrade' header must contain 'websocket'");
};

/**
 * The `node:http` (or `node:https`) server: a connection without complete request headers within
 * `headerTimeout`, or idle that long after a response, is closed (checked a few times per timeout).
 */
function createNodeServer(
  options: ServeOptions,
  listener: (req: IncomingMessage, res: ServerResponse) => void,
): Server {
  const headerTimeout = options.headerTimeout ?? 10_000;
  const serverOptions = {
    noDelay: true,
    requireHostHeader: false,
    headersTimeout: headerTimeout,
    requestTimeout: Math.max(300_000, headerTimeout), // Node's default; never under headers'
    connectionsCheckingInterval: Math.min(30_000, Math.max(100, Math.ceil(headerTimeout / 4))),
  };
  const server = options.tls
    ? createHttpsServer(
      { ...serverOptions, cert: options.tls.cert, key: options.tls.key },
      listener,
    )
    : createServer(serverOptions, listener);
  server.keepAliveTimeout = headerTimeout;
  return server;
}

/**
 * How both request paths answer: `call` calls the handler (a throw becomes a 500, as with
 * `Deno.serve`), `write` writes its answer (`close`, or a closing server, ends the connection).
 */
function answerer(
  handler: ServeHandler,
  onError: (error: unknown) => void,
  closing: () => boolean,
) {
  return {
    async call(request: Request, ctx: RequestContext): Promise<Response> {
      try {
        return await handler(request, ctx);
      } catch (error) {
        onError(error);
        return new Response(INTERNAL_ERROR, { status: 500 });
      }
    },
    async write(req: IncomingMessage, res: ServerResponse, response: Response, close: boolean) {
      // As Deno: a request whose body has not all arrived ends its connection.
      const last = close || closing() || !req.complete;
      try {
        await sendResponse(res, response, last);
      } catch (error) { // e.g. a header value Node refuses to write
        onError(error);
        if (res.headersSent) return void res.destroy();
        await sendResponse(res, new Response(INTERNAL_ERROR, { status: 500 }), last);
      }
    },
  };
}

/** The `upgrade` listener: a handshake done by `ws`, or an answer written and a close. */
function upgradeListener(
  answers: ReturnType<typeof answerer>,
  options: ServeOptions,
  onError: (error: unknown) => void,
): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  const handshake = createHandshaker(options.maxMessageSize);
  const upgradeRequest = async (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    let upgrade: { socket: NodeWebSocket; response: Response } | undefined;
    const upgradeWebSocket: UpgradeWebSocket = (r) => {
      if (upgrade) throw new TypeError("The request was already upgraded.");
      checkHandshake(r);
      const response = new Response(null, { status: 200 });
      Object.defineProperty(response, "status", { value: 101 }); // a `Response` cannot say 101
      upgrade = { socket: new NodeWebSocket(options.idleTimeout ?? 30_000), response };
      return upgrade;
    };
    const ctx: RequestContext = { remoteAddress: remoteAddress(req), upgradeWebSocket };
    // The response that answers if there is no upgrade; its close aborts the request's signal.
    const res = new ServerResponse(req);
    const response = await answers.call(new TargetRequest(req, res), ctx);
    if (upgrade && response === upgrade.response) {
      handshake(req, socket, head, upgrade.socket);
      // `ws` listens for the socket's errors from now on; ours kept would make a list of two.
      if (!socket.destroyed) socket.off("error", ignoreSocketError);
      return;
    }
    upgrade?.socket.fail();
    res.assignSocket(socket as Socket);
    res.once("finish", () => {
      res.detachSocket(socket as Socket);
      socket.end();
    });
    await answers.write(req, res, response, true);
  };
  return (req, socket, head) => {
    socket.on("error", ignoreSocketError);
    upgradeRequest(req, socket, head).catch((error) => {
      onError(error);
      socket.destroy();
    });
  };
}

/** Serves `handler` with `node:http`, `srvx` and `ws`. Resolves once the server listens. */
export function serve(handler: ServeHandler, options: ServeOptions = {}): Promise<RunningServer> {
  let inFlight = 0;
  let closing = false;
  let whenIdle: (() => void) | null = null;
  const onError = (error: unknown) => options.onError?.(error);
  const answers = answerer(handler, onError, () => closing);

  const server = createNodeServer(options, (req, res) => {
    inFlight++;
    res.once("close", () => {
      inFlight--;
      if (inFlight === 0) whenIdle?.();
    });
    const ctx: RequestContext = {
      remoteAddress: remoteAddress(req),
      upgradeWebSocket: notAnUpgrade,
    };
    answers.call(new TargetRequest(req, res), ctx)
      .then((response) => answers.write(req, res, response, false))
      .catch((error) => {
        onError(error);
        res.destroy();
      });
  });
  server.on("upgrade", upgradeListener(answers, options, onError));

  let stopWatchdog: (() => void) | undefined;
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> =>
    closed ??= new Promise<void>((resolve) => {
      closing = true;
      stopWatchdog?.();
      server.close();
      server.closeIdleConnections();
      whenIdle = () => {
        whenIdle = null;
        server.closeIdleConnections();
        resolve();
      };
      if (inFlight === 0) whenIdle();
    });

  return new Promise((resolve, reject) => {
    server.once("error", reject);
    const host = options.hostname ?? "";
    const listen = { port: options.port ?? 8080, ...(host === "" ? {} : { host }) };
    server.listen(listen, () => {
      server.off("error", reject);
      server.on("error", onError); // e.g. EMFILE while accepting: told, not fatal
      const address = server.address() as AddressInfo;
      // Inside Deno, whose node:net stops accepting at the first EMFILE (node_accept_watchdog.ts).
      if (process.versions.deno) {
        const again = { ...listen, port: address.port };
        stopWatchdog = watchAccepts(server, again, address.address, address.port, onError);
      }
      resolve({ ...describeAddress(address.address, address.port, !!options.tls), close });
    });
  });
}
