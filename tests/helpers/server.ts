/**
 * Test helpers: a real Thunderpush server on a free port, and an API client for it.
 *
 * @module
 */

import { Thunderpush, type ThunderpushOptions } from "../../lib/server.ts";
import { serve } from "../../lib/adapters/serve_deno.ts";

/** The key pair every test server uses. */
export const KEY = "pubkey";
/** The secret every test server uses. */
export const SECRET = "secretkey";

/** A running test server. */
export interface TestServer {
  /** `http://127.0.0.1:PORT` (no trailing slash). */
  readonly base: string;
  /** The port. */
  readonly port: number;
  /** The server object, for looking into the hub. */
  readonly thunder: Thunderpush;
  /** Calls the API: `path` below `/api/1.0.0/pubkey`. */
  api(method: string, path: string, body?: string): Promise<{ status: number; text: string }>;
  /** Closes every session and stops the server. */
  close(): Promise<void>;
}

/** Starts a server on 127.0.0.1 and `port` (0, the default: a free one). */
export function startServer(options: Partial<ThunderpushOptions> = {}, port = 0): TestServer {
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
      await thunder.close();
      await server.close();
    },
  };
}

/** Waits until `check` returns true, polling every 10 ms, up to `timeoutMs`. */
export async function until(check: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("Timed out waiting for a condition");
    await new Promise((r) => setTimeout(r, 10));
  }
}
