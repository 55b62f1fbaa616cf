/**
 * Test helpers for clients that must survive a server restart: a test server on a given port,
 * and a restart that brings a new server up on the old one's port.
 *
 * @module
 */

import { Thunderpush, type ThunderpushOptions } from "../../lib/server.ts";
import { serve } from "../../lib/runtime/serve_deno.ts";
import { KEY, SECRET, type TestServer } from "./server.ts";

/** Starts a test server (like `startServer()`) on 127.0.0.1 and the given port. */
export function startServerOn(port: number, options: Partial<ThunderpushOptions> = {}): TestServer {
  const thunder = new Thunderpush({ apps: [{ publicKey: KEY, secret: SECRET }], ...options });
  const server = serve(thunder.fetch, { port, hostname: "127.0.0.1" });
  const base = `http://127.0.0.1:${server.addr.port}`;
  return {
    base,
    port: server.addr.port,
    thunder,
    async api(method, path, body) {
      const res = await fetch(`${base}/api/1.0.0/${KEY}${path}`, {
        method,
        body,
        headers: { "X-Thunder-Secret-Key": SECRET, "Content-Type": "application/json" },
      });
      return { status: res.status, text: await res.text() };
    },
    async close() {
      thunder.close();
      await server.close();
    },
  };
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
