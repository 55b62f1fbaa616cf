/**
 * Where the Redis broker keeps presence, and the names of its pub/sub channels. Every name part
 * that comes from a client or a configuration (public key, channel, user id) is percent-encoded
 * with `encodeKeyPart`, so that no value can run into another key, whatever string it is.
 *
 * | Key                     | Type | Field          | Value                                   |
 * | ----------------------- | ---- | -------------- | --------------------------------------- |
 * | `tp:nodes`              | ZSET | node id        | expiry time (ms): the node is alive     |
 * | `tp:{app}:cc:{channel}` | HASH | node           | connections of the node in the channel  |
 * | `tp:{app}:cu:{channel}` | HASH | `node\|user`   | ... of that user                        |
 * | `tp:{app}:uc:{user}`    | HASH | node           | connections of the user on the node     |
 * | `tp:{app}:users`        | HASH | `node\|user`   | connections of the user on the node     |
 * | `tp:{app}:channels`     | HASH | `node\|channel`| connections of the node in the channel  |
 * | `tp:n:{node}:keys`      | SET  |                | every hash the node wrote (for cleanup) |
 *
 * @module
 */

/**
 * Percent-encodes a key part, for every string: as `encodeURIComponent` for a well-formed one
 * (`a:b|c` is `a%3Ab%7Cc`, as earlier versions wrote it), and a lone surrogate, which that
 * function refuses, as its WTF-8 bytes (`q\ud800` is `q%ED%A0%80`), which UTF-8 never holds.
 */
export function encodeKeyPart(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    let out = ""; // the slow way: a string with a lone surrogate
    for (const char of text) { // a pair comes whole, a lone surrogate alone
      const unit = char.charCodeAt(0);
      out += char.length === 1 && unit >= 0xd800 && unit <= 0xdfff
        ? `%ED${hexByte(0x80 | ((unit >> 6) & 0x3f))}${hexByte(0x80 | (unit & 0x3f))}`
        : encodeURIComponent(char);
    }
    return out;
  }
}

function hexByte(byte: number): string {
  return "%" + byte.toString(16).toUpperCase();
}

/** A lone surrogate as `encodeKeyPart` writes it (each `%` there starts a byte). */
const LONE_SURROGATE = /(%ED%[AB][0-9A-F]%[89AB][0-9A-F])/;

/**
 * The string `encodeKeyPart` made `encoded` from; undefined when something else wrote it (`%E0`).
 * Never throws: no two strings share a key.
 */
export function decodeKeyPart(encoded: string): string | undefined {
  try {
    return decodeURIComponent(encoded);
  } catch {
    // Not UTF-8: maybe WTF-8, lone surrogates among well-formed runs.
  }
  const parts = encoded.split(LONE_SURROGATE);
  let out = "";
  try {
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i];
      out += i % 2 === 0 ? decodeURIComponent(part) : String.fromCharCode(
        0xd000 | ((parseInt(part.slice(4, 6), 16) & 0x3f) << 6) |
          (parseInt(part.slice(7, 9), 16) & 0x3f),
      );
    }
  } catch {
    return undefined;
  }
  // What two lone halves in a row would decode to is a pair, which `encodeKeyPart` never writes so.
  return encodeKeyPart(out) === encoded ? out : undefined;
}

const enc = encodeKeyPart;

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
  /** Per-node-and-channel connection counts of every channel (`node|channel` fields). */
  readonly channels: string;
  /** The pub/sub channel of a channel's pushes. */
  channelTopic(channel: string): string;
  /** The pub/sub channel of a user's pushes and logouts. */
  userTopic(user: string): string;
}

/** Key and pub/sub names for one application. */
export function keysFor(publicKey: string): AppKeyNames {
  const app = `tp:${enc(publicKey)}`;
  return {
    channelCounts: (channel: string) => `${app}:cc:${enc(channel)}`,
    channelUsers: (channel: string) => `${app}:cu:${enc(channel)}`,
    userCounts: (user: string) => `${app}:uc:${enc(user)}`,
    users: `${app}:users`,
    channels: `${app}:channels`,
    channelTopic: (channel: string) => `${app}:mc:${enc(channel)}`,
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

/**
 * Splits a `node|user` field; `user` is undefined when the field was not written by
 * `nodeUserField` (see `decodeKeyPart`).
 */
export function parseNodeUserField(field: string): { node: string; user: string | undefined } {
  const bar = field.indexOf("|");
  return { node: field.slice(0, bar), user: decodeKeyPart(field.slice(bar + 1)) };
}

/** Whether a hash key holds `node|user` (or `node|channel`) fields (else its fields are node ids). */
export function hasNodeUserFields(key: string): boolean {
  return key.endsWith(":users") || key.endsWith(":channels") || key.includes(":cu:");
}
