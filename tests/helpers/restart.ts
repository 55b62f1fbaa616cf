/**
 * Test helpers for clients that must survive a server restart: a test server on a given port,
 * and a restart that brings a new server up on the old one's port.
 *
 * @module
 */

import type { ThunderpushOptions } from "../../lib/server.ts";
import { startServer, type TestServer } from "./server.ts";

/** Starts a test server (like `startServer()`) on 127.0.0.1 and the given port. */
export function startServerOn(port: number, options: Partial<ThunderpushOptions> = {}): TestServer {
  return startServer(options, port);
}

/**
 * Stops `server` (its sessions get 1001, so clients reconnect) and starts a new, empty one on
 * the same port.
 */
export async function restartServer(
  server: TestServer,
  options: Partial<ThunderpushOptions> = {},
): Promise<TestServer> {
  await server.close();
  return startServerOn(server.port, options);
}
