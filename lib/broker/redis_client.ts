/**
 * Connections to Redis, for the broker and the webhook ledger: `@redis/client` with RESP2, no
 * offline queue, and the caller's scripts defined on them.
 *
 * @module
 */

import { createClient, type RedisClientType, type RedisScripts } from "npm:@redis/client@6.3.1";
import { HISTORY_SCRIPTS } from "./redis_history.ts";
import { BROKER_SCRIPTS } from "./redis_scripts.ts";

type None = Record<string, never>;

/** A connection with the typed commands and the scripts `S`. */
export type RedisConnection<S extends RedisScripts> = RedisClientType<None, None, S, 2>;

/** Every script the broker's connections run. */
export const SCRIPTS = { ...BROKER_SCRIPTS, ...HISTORY_SCRIPTS };

/** A broker connection. */
export type BrokerClient = RedisConnection<typeof SCRIPTS>;

/** Creates (does not connect) a connection; `queueLimit` bounds the commands waiting for Redis. */
export function createRedisClient<S extends RedisScripts>(
  url: string,
  timeout: number,
  scripts: S,
  queueLimit?: number,
): RedisConnection<S> {
  return createClient({
    url,
    RESP: 2, // flat array replies, the same from every command
    disableOfflineQueue: true, // refused at once while disconnected, never queued for later
    commandsQueueMaxLength: queueLimit,
    socket: {
      connectTimeout: timeout,
      reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 3_000),
    },
    scripts,
  });
}

/** Runs `work` and waits for it at most `ms` milliseconds (a hung Redis must not hold a stop). */
export async function within(ms: number, work: () => Promise<unknown>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    work().catch(() => {}), // its failure is ignored
    new Promise((resolve) => timer = setTimeout(resolve, ms)),
  ]);
  clearTimeout(timer);
}

/** A one-line description of a connection error (Node's AggregateError has no message). */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.message) return error.message;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string") return code;
  if (error instanceof AggregateError) {
    return error.errors.map(describeError).join("; ") || error.name;
  }
  return error.name;
}
