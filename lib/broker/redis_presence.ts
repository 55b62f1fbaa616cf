/**
 * Writing and removing one node's presence entries in Redis (see `redis_keys.ts`), over the
 * broker's connection.
 *
 * @module
 */

import type { App, Hub } from "../hub/hub.ts";
import type { BrokerClient } from "./redis_client.ts";
import { hasNodeUserFields, keysFor, nodeKeysKey, nodeUserField } from "./redis_keys.ts";

/** Commands sent at once by `writeSnapshot`: far below the client's queue limit. */
const SNAPSHOT_BATCH = 1_000;

/** Where a pub/sub channel's messages go: a channel or a user of an application. */
export type Target =
  & { readonly app: App }
  & ({ readonly channel: string } | { readonly user: string });

/**
 * Writes the whole presence of `node` from its hub: per user and per channel, the counts of its
 * connections. Returns the pub/sub channels the node must listen to, and their targets.
 */
export async function writeSnapshot(
  client: BrokerClient,
  hub: Hub,
  node: string,
): Promise<Map<string, Target>> {
  const nodeKeys = nodeKeysKey(node);
  const topics = new Map<string, Target>();
  const writes: (() => Promise<unknown>)[] = [];
  const hSet = (key: string, field: string, count: number) =>
    writes.push(() => client.hSet(key, field, count));
  for (const app of hub.apps()) {
    const keys = keysFor(app.publicKey);
    for (const user of app.users()) {
      const count = app.connectionCountOf(user);
      hSet(keys.userCounts(user), node, count);
      hSet(keys.users, nodeUserField(node, user), count);
      writes.push(() => client.sAdd(nodeKeys, [keys.userCounts(user), keys.users]));
      topics.set(keys.userTopic(user), { app, user });
    }
    for (const channel of app.channels()) {
      const perUser = new Map<string, number>();
      for (const conn of app.channelConnections(channel)) {
        perUser.set(conn.userId, (perUser.get(conn.userId) ?? 0) + 1);
      }
      const size = app.channelSize(channel);
      hSet(keys.channelCounts(channel), node, size);
      for (const [user, count] of perUser) {
        hSet(keys.channelUsers(channel), nodeUserField(node, user), count);
      }
      hSet(keys.channels, nodeUserField(node, channel), size);
      const written = [keys.channelCounts(channel), keys.channelUsers(channel), keys.channels];
      writes.push(() => client.sAdd(nodeKeys, written));
      topics.set(keys.channelTopic(channel), { app, channel });
    }
  }
  // In batches: a node with many users must not fill the queue of commands waiting for Redis.
  for (let i = 0; i < writes.length; i += SNAPSHOT_BATCH) {
    await Promise.all(writes.slice(i, i + SNAPSHOT_BATCH).map((write) => write()));
  }
  return topics;
}

/** Deletes every presence entry `node` wrote (a dead node's, or its own before a rewrite). */
export async function removeNodeEntries(client: BrokerClient, node: string): Promise<void> {
  for (const key of await client.sMembers(nodeKeysKey(node))) {
    if (!hasNodeUserFields(key)) {
      await client.hDel(key, node);
      continue;
    }
    let cursor = "0";
    do {
      const page = await client.hScan(key, cursor, { MATCH: `${node}|*`, COUNT: 500 });
      if (page.entries.length > 0) await client.hDel(key, page.entries.map((e) => e.field));
      cursor = page.cursor;
    } while (cursor !== "0");
  }
  await client.del(nodeKeysKey(node));
}
