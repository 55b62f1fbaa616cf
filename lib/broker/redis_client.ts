/**
 * The Redis broker's connection: `@redis/client` with RESP2, no offline queue, and the broker's
 * and history's scripts defined on it.
 *
 * @module
 */

import { createClient } from "npm:@redis/client@6.3.1";
import { HISTORY_SCRIPTS } from "./redis_history.ts";
import { BROKER_SCRIPTS } from "./redis_scripts.ts";

/** Every script the broker's connections run. */
export const SCRIPTS = { ...BROKER_SCRIPTS, ...HISTORY_SCRIPTS };

type None = Record<string, never>;

/** A broker connection, with the typed commands and `SCRIPTS`. */
export type BrokerClient = ReturnType<typeof createClient<None, None, typeof SCRIPTS, 2>>;

/** Creates (does not connect) a broker connection. */
export function createBrokerClient(url: string, timeout: number, queueLimit: number): BrokerClient {
  return createClient({
    url,
    RESP: 2, // flat array replies, the same from every command
    disableOfflineQueue: true, // refused at once while disconnected, never queued for later
    commandsQueueMaxLength: queueLimit,
    socket: {
      connectTimeout: timeout,
      reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 3_000),
    },
    scripts: SCRIPTS,
  });
}
