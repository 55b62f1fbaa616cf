/**
 * The servers of one scenario: a single process, or a cluster (`Target.nodes` processes of the
 * same command on one `redis-server` that the bench starts on a free port, with no persistence).
 * Every process is a registered child (bench/proc.ts), so it is killed when the bench exits,
 * however it exits; `stop` ends them all, and a cluster that cannot start stops what did start.
 *
 * @module
 */

import { cpuMicros, sleep, spawnChild, stopChild } from "./proc.ts";
import { type RunningTarget, startTarget, type Target } from "./targets.ts";

/** A running `redis-server`. */
export interface RunningRedis {
  /** Its process id (measured like the servers). */
  readonly pid: number;
  /** Its port on 127.0.0.1. */
  readonly port: number;
  /** `redis://127.0.0.1:PORT`. */
  readonly url: string;
  /** Whether it ended before `stop`. */
  readonly crashed: () => boolean;
  /** SIGTERM, then SIGKILL after a grace period. */
  stop(): Promise<void>;
}

/** The server processes of one scenario. */
export interface RunningServers {
  /** The server (node) process ids, in node order. */
  readonly pids: readonly number[];
  /** Their ports on 127.0.0.1, in the same order. */
  readonly ports: readonly number[];
  /** The Redis of a cluster, or null. */
  readonly redis: RunningRedis | null;
  /** Error and warning lines the servers wrote (prefixed with the node in a cluster). */
  complaints(): string[];
  /** Whether a server (or the Redis) ended before `stop`. */
  crashed(): boolean;
  /** Stops every process. */
  stop(): Promise<void>;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Whether a Redis answers PING on `port`. */
async function pong(port: number): Promise<boolean> {
  let conn: Deno.TcpConn | undefined;
  try {
    conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await conn.write(new TextEncoder().encode("PING\r\n"));
    const buf = new Uint8Array(16);
    const n = await conn.read(buf);
    return n !== null && new TextDecoder().decode(buf.subarray(0, n)).startsWith("+PONG");
  } catch {
    return false;
  } finally {
    conn?.close();
  }
}

/** Starts `redis-server` on a free loopback port; rejects after `timeoutMs`. */
export async function startRedis(timeoutMs = 10_000): Promise<RunningRedis> {
  let lastError = "";
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = freePort();
    const child = spawnChild(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      { stdin: "null", stdout: "null", stderr: "null" },
    );
    let exited = false;
    let stopping = false;
    child.status.then(() => exited = true);
    const deadline = Date.now() + timeoutMs;
    while (!exited && Date.now() < deadline && !(await pong(port))) await sleep(50);
    if (!exited && Date.now() < deadline) {
      return {
        pid: child.pid,
        port,
        url: `redis://127.0.0.1:${port}`,
        crashed: () => exited && !stopping,
        async stop() {
          stopping = true;
          await stopChild(child);
        },
      };
    }
    lastError = exited
      ? `redis-server exited on port ${port} (taken?)`
      : `redis-server did not answer on port ${port} within ${timeoutMs} ms`;
    await stopChild(child, 500);
  }
  throw new Error(lastError);
}

/**
 * Starts a target: one process, or for a cluster target a Redis and `target.nodes` processes
 * on it (started side by side). Resolves once every one listens; rejects, having stopped every
 * process it started, when one does not.
 */
export async function startServers(
  target: Target,
  options: { runtimeArgs?: string[]; onStderr?: ((line: string) => void) | undefined } = {},
): Promise<RunningServers> {
  if (!target.nodes) {
    const server = await startTarget(target, options);
    return {
      pids: [server.pid],
      ports: [server.port],
      redis: null,
      complaints: () => server.complaints,
      crashed: () => server.crashed(),
      stop: () => server.stop(),
    };
  }
  const redis = await startRedis();
  const started = await Promise.allSettled(
    Array.from({ length: target.nodes }, (_, i) =>
      startTarget(target, {
        ...options,
        redisUrl: redis.url,
        onStderr: options.onStderr && ((line) => options.onStderr?.(`[node ${i + 1}] ${line}`)),
      })),
  );
  const nodes = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  if (nodes.length < target.nodes) {
    await Promise.all(nodes.map((n) => n.stop()));
    await redis.stop();
    const reasons = started.flatMap((s, i) =>
      s.status === "rejected" ? [`node ${i + 1}: ${(s.reason as Error).message}`] : []
    );
    throw new Error(reasons.join("; "));
  }
  return {
    pids: nodes.map((n) => n.pid),
    ports: nodes.map((n) => n.port),
    redis,
    complaints: () => [
      ...nodes.flatMap((n: RunningTarget, i) => n.complaints.map((c) => `node ${i + 1}: ${c}`)),
      ...(redis.crashed() ? ["redis-server exited"] : []),
    ],
    crashed: () => nodes.some((n) => n.crashed()) || redis.crashed(),
    async stop() {
      await Promise.all(nodes.map((n) => n.stop()));
      await redis.stop();
    },
  };
}

/** CPU time (µs) of each process in `pids`, 0 for one that is gone. */
export function cpuOf(pids: readonly number[]): number[] {
  return pids.map((pid) => {
    try {
      return cpuMicros(pid);
    } catch {
      return 0;
    }
  });
}
