/**
 * Where the Redis broker keeps presence, and the names of its pub/sub channels. Every name part
 * that comes from a client (public key, channel, user id) is percent-encoded, so that no value
 * can run into another key.
 *
 * | Key                     | Type | Field          | Value                                   |
 * | ----------------------- | ---- | -------------- | --------------------------------------- |
 * | `tp:nodes`              | ZSET | node id        | expiry time (ms): the node is alive     |
 * | `tp:{app}:cc:{channel}` | HASH | node           | connections of the node in the channel  |
 * | `tp:{app}:cu:{channel}` | HASH | `node\|user`   | ... of that user                        |
 * | `tp:{app}:uc:{user}`    | HASH | node           | connections of the user on the node     |
 * | `tp:{app}:users`        | HASH | `node\|user`   | connections of the user on the node     |
 * | `tp:n:{node}:keys`      | SET  |                | every hash the node wrote (for cleanup) |
 *
 * @module
 */

const enc = encodeURIComponent;

/** The sorted set of live nodes, scored by the time their registration expires. */
export const NODES_KEY = "tp:nodes";

/** The keys and pub/sub channels of one application. */
export interface AppKeyNames {
  /** Per-node connection counts of a channel. */
  channelCounts(channel: string): string;
  /** Per-node-and-user connection counts of a channel. */
  channelUsers(channel: string): string;
  /** Per-node connection counts of a user. */
  userCounts(user: string): string;
  /** Per-node-and-user connection counts of every user. */
  readonly users: string;
  /** The pub/sub channel of a channel's pushes. */
  channelTopic(channel: string): string;
  /** The pub/sub channel of a user's pushes and logouts. */
  userTopic(user: string): string;
}

/** Key and pub/sub names for one application. */
export function keysFor(publicKey: string): AppKeyNames {
  const app = `tp:${enc(publicKey)}`;
  return {
    /** Per-node connection counts of a channel. */
    channelCounts: (channel: string) => `${app}:cc:${enc(channel)}`,
    /** Per-node-and-user connection counts of a channel. */
    channelUsers: (channel: string) => `${app}:cu:${enc(channel)}`,
    /** Per-node connection counts of a user. */
    userCounts: (user: string) => `${app}:uc:${enc(user)}`,
    /** Per-node-and-user connection counts of every user. */
    users: `${app}:users`,
    /** The pub/sub channel of a channel's pushes. */
    channelTopic: (channel: string) => `${app}:mc:${enc(channel)}`,
    /** The pub/sub channel of a user's pushes and logouts. */
    userTopic: (user: string) => `${app}:mu:${enc(user)}`,
  };
}

/** The set of hash keys a node wrote into. */
export function nodeKeysKey(node: string): string {
  return `tp:n:${node}:keys`;
}

/** The lock a node takes while it removes a dead node's entries. */
export function cleanupLockKey(node: string): string {
  return `tp:n:${node}:cleanup`;
}

/** A `node|user` field. */
export function nodeUserField(node: string, user: string): string {
  return `${node}|${enc(user)}`;
}

/** Splits a `node|user` field. */
export function parseNodeUserField(field: string): { node: string; user: string } {
  const bar = field.indexOf("|");
  return { node: field.slice(0, bar), user: decodeURIComponent(field.slice(bar + 1)) };
}

/** Whether a hash key holds `node|user` fields (else its fields are node ids). */
export function hasNodeUserFields(key: string): boolean {
  return key.endsWith(":users") || key.includes(":cu:");
}
