/**
 * The history policy of each application, from the server's default and each application's own.
 *
 * @module
 */

import type { HistoryPolicies, HistoryPolicy } from "./history.ts";

/** Seconds a channel's pushes are kept after its last push, unless told otherwise. */
const DEFAULT_HISTORY_TTL = 300;

/** Most pushes kept per channel. */
export const MAX_HISTORY_SIZE = 100_000;

/** Longest time a channel's pushes may be kept after its last push, in seconds (30 days). */
export const MAX_HISTORY_TTL = 30 * 24 * 60 * 60;

/**
 * The policies of the applications that keep history (size above 0): each application's own
 * settings over the server's `defaults` (size 0, ttl `DEFAULT_HISTORY_TTL`).
 */
export function historyPolicies(
  apps: readonly { publicKey: string; history?: Partial<HistoryPolicy> }[],
  defaults: Partial<HistoryPolicy> = {},
): HistoryPolicies {
  const policies = new Map<string, HistoryPolicy>();
  for (const app of apps) {
    const size = app.history?.size ?? defaults.size ?? 0;
    const ttl = app.history?.ttl ?? defaults.ttl ?? DEFAULT_HISTORY_TTL;
    if (size > 0) policies.set(app.publicKey, { size, ttl });
  }
  return policies;
}
