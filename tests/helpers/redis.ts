/**
 * A real `redis-server` (Debian's) for tests, on a free port, with no persistence.
 *
 * @module
 */

import { freePort } from "./inspector.ts";

/** A running redis-server. */
export interface RedisServer {
  /** `redis://127.0.0.1:PORT`. */
  readonly url: string;
  /** The port. */
  readonly port: number;
  /** Stops the server (SIGTERM) and waits for it. */
  stop(): Promise<void>;
  /** Starts it again on the same port (empty: nothing was persisted). */
  restart(): Promise<void>;
}

async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      await conn.write(new TextEncoder().encode("PING\r\n"));
      const buf = new Uint8Array(16);
      const n = await conn.read(buf);
      conn.close();
      if (n && new TextDecoder().decode(buf.subarray(0, n)).startsWith("+PONG")) return;
    } catch { /* not yet */ }
    if (Date.now() > deadline) throw new Error(`redis-server did not start on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts `redis-server` on a free loopback port. */
export async function startRedis(): Promise<RedisServer> {
  const port = freePort();
  let child: Deno.ChildProcess | null = null;
  const spawn = async () => {
    child = new Deno.Command("redis-server", {
      args: ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      stdout: "null",
      stderr: "null",
    }).spawn();
    await waitForPort(port);
  };
  const stop = async () => {
    const running = child;
    child = null;
    if (!running) return;
    try {
      running.kill("SIGTERM");
    } catch { /* gone */ }
    await running.status;
  };
  await spawn();
  return { url: `redis://127.0.0.1:${port}`, port, stop, restart: spawn };
}
