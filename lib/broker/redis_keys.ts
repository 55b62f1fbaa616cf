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
 * Percent-encodes a key part, for every string: what `encodeURIComponent` gives for a well-formed
 * one (so keys stay those earlier versions wrote), and a lone surrogate, which that function
 * refuses with a `URIError`, as the three bytes WTF-8 gives it (U+D800 is `%ED%A0%80`), bytes that
 * UTF-8 never holds. Never throws, and `decodeKeyPart` inverts it, so no two strings share a key.
 *
 * @example
 * ```ts
 * import { encodeKeyPart } from "./redis_keys.ts";
 * encodeKeyPart("a:b|c"); // "a%3Ab%7Cc"
 * encodeKeyPart("q\ud800"); // "q%ED%A0%80"
 * ```
 */
export function encodeKeyPart(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return encodeIllFormed(text);
  }
}

// The slow way, for a string with at least one lone surrogate: the runs between lone surrogates
// are well-formed (a pair is skipped whole), so `encodeURIComponent` takes them.
function encodeIllFormed(text: string): string {
  let out = "";
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0xd800 || unit > 0xdfff) continue;
    if (unit < 0xdc00 && isLowSurrogate(text.charCodeAt(i + 1))) {
      i++;
      continue;
    }
    out += encodeURIComponent(text.slice(start, i)) + "%ED" + hexByte(0x80 | ((unit >> 6) & 0x3f)) +
      hexByte(0x80 | (unit & 0x3f));
    start = i + 1;
  }
  return out + encodeURIComponent(text.slice(start));
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

function hexByte(byte: number): string {
  return "%" + byte.toString(16).toUpperCase();
}

/** A lone surrogate as `encodeKeyPart` writes it (each `%` there starts a byte). */
const LONE_SURROGATE = /(%ED%[AB][0-9A-F]%[89AB][0-9A-F])/;

/**
 * The string `encodeKeyPart` made `encoded` from; undefined when `encoded` is neither percent-encoded
 * UTF-8 nor the WTF-8 of a string with lone surrogates (something else wrote it). Never throws.
 *
 * @example
 * ```ts
 * import { decodeKeyPart } from "./redis_keys.ts";
 * decodeKeyPart("q%ED%A0%80"); // "q\ud800"
 * decodeKeyPart("%E0"); // undefined
 * ```
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
    /** Per-node connection counts of a channel. */
    channelCounts: (channel: string) => `${app}:cc:${enc(channel)}`,
    /** Per-node-and-user connection counts of a channel. */
    channelUsers: (channel: string) => `${app}:cu:${enc(channel)}`,
    /** Per-node connection counts of a user. */
    userCounts: (user: string) => `${app}:uc:${enc(user)}`,
    /** Per-node-and-user connection counts of every user. */
    users: `${app}:users`,
    /** Per-node-and-channel connection counts of every channel. */
    channels: `${app}:channels`,
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
