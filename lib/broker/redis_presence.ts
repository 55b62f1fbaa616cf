/**
 * Writing and removing one node's presence entries in Redis (see `redis_keys.ts`), given a
 * function that runs one command.
 *
 * @module
 */

import type { Hub } from "../hub/hub.ts";
import { hasNodeUserFields, keysFor, nodeKeysKey, nodeUserField } from "./redis_keys.ts";

/** Runs one Redis command and gives its (RESP2) reply. */
export type RunCommand = (args: string[]) => Promise<unknown>;

/** Commands sent at once by `writeSnapshot`: far below the client's queue limit. */
export const SNAPSHOT_BATCH = 1_000;

/**
 * Writes the whole presence of `node` from its hub: per user and per channel, the counts of its
 * connections. Returns the pub/sub channels the node must listen to.
 */
export async function writeSnapshot(run: RunCommand, hub: Hub, node: string): Promise<Set<string>> {
  const nodeKeys = nodeKeysKey(node);
  const topics = new Set<string>();
  const writes: string[][] = [];
  for (const app of hub.apps()) {
    const keys = keysFor(app.publicKey);
    for (const user of app.users()) {
      const count = String(app.connectionCountOf(user));
      writes.push(["HSET", keys.userCounts(user), node, count]);
      writes.push(["HSET", keys.users, nodeUserField(node, user), count]);
      writes.push(["SADD", nodeKeys, keys.userCounts(user), keys.users]);
      topics.add(keys.userTopic(user));
    }
    for (const channel of app.channels()) {
      const perUser = new Map<string, number>();
      for (const conn of app.channelConnections(channel)) {
        perUser.set(conn.userId, (perUser.get(conn.userId) ?? 0) + 1);
      }
      writes.push(["HSET", keys.channelCounts(channel), node, String(app.channelSize(channel))]);
      for (const [user, count] of perUser) {
        writes.push(["HSET", keys.channelUsers(channel), nodeUserField(node, user), String(count)]);
      }
      writes.push([
        "HSET",
        keys.channels,
        nodeUserField(node, channel),
        String(app.channelSize(channel)),
      ]);
      writes.push([
        "SADD",
        nodeKeys,
        keys.channelCounts(channel),
        keys.channelUsers(channel),
        keys.channels,
      ]);
      topics.add(keys.channelTopic(channel));
    }
  }
  // In batches: a node with many users must not fill the queue of commands waiting for Redis.
  for (let i = 0; i < writes.length; i += SNAPSHOT_BATCH) {
    await Promise.all(writes.slice(i, i + SNAPSHOT_BATCH).map((args) => run(args)));
  }
  return topics;
}

/** Deletes every presence entry `node` wrote (a dead node's, or its own before a rewrite). */
export async function removeNodeEntries(run: RunCommand, node: string): Promise<void> {
  const keys = await run(["SMEMBERS", nodeKeysKey(node)]) as string[];
  for (const key of keys) {
    if (!hasNodeUserFields(key)) {
      await run(["HDEL", key, node]);
      continue;
    }
    let cursor = "0";
    do {
      const [next, flat] = await run(
        ["HSCAN", key, cursor, "MATCH", `${node}|*`, "COUNT", "500"],
      ) as [string, string[]];
      const fields = flat.filter((_, i) => i % 2 === 0);
      if (fields.length > 0) await run(["HDEL", key, ...fields]);
      cursor = next;
    } while (cursor !== "0");
  }
  await run(["DEL", nodeKeysKey(node)]);
}
