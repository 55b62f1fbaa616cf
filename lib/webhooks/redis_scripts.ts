/**
 * Where a cluster keeps presence for webhooks, and the Lua scripts that change it (see
 * docs/webhooks.md). A script runs atomically, so each transition (a user's first node, its last
 * node gone, a pending removal falling due) is seen by exactly one caller: that node sends the
 * event. Times are Redis's own clock.
 *
 * Per application, under `tp:{app}:wh:` (`{app}` percent-encoded, see `encodeKeyPart`):
 *
 * | Key            | Type | Members                                | Score              |
 * | -------------- | ---- | -------------------------------------- | ------------------ |
 * | `nodes`        | ZSET | node ids with webhooks on              | expiry (ms)        |
 * | `u:{user}`     | SET  | nodes where the user has a connection  |                    |
 * | `c:{channel}`  | SET  | nodes where the channel has subscribers|                    |
 * | `n:{node}`     | SET  | `u:{user}` and `c:{channel}` of a node |                    |
 * | `due`          | ZSET | `u:{user}` / `c:{channel}` gone        | when it is an event |
 *
 * A member (`u:{user}`) is also the suffix of its set's key, so that a sweep can find the set.
 *
 * @module
 */

import { type CommandParser, defineScript } from "npm:@redis/client@6.3.1";
import { decodeKeyPart, encodeKeyPart } from "../broker/redis_keys.ts";
import { REDIS_NOW, toNumber } from "../broker/redis_scripts.ts";
import type { PresenceKind } from "./events.ts";

/** The member naming a user or a channel (`u:...`, `c:...`). */
export function memberOf(kind: PresenceKind, key: string): string {
  return `${kind === "user" ? "u" : "c"}:${encodeKeyPart(key)}`;
}

/** The user or channel a member names; undefined when something else wrote it. */
export function parseMember(member: string): { kind: PresenceKind; key: string } | undefined {
  const key = decodeKeyPart(member.slice(2));
  return key === undefined ? undefined : { kind: member[0] === "u" ? "user" : "channel", key };
}

/**
 * A node's user or channel appeared (ARGV[3] = "1") or is gone ("0"). KEYS: the member's set,
 * the node's set, `due`; ARGV: node, member, "1"/"0", grace (ms). Returns 1 for an addition that
 * is an event (the first node, and no removal pending: a pending one is cancelled instead), -1
 * when a removal was scheduled, else 0. Idempotent: a change already made returns 0.
 */
const CHANGE_SCRIPT = `if ARGV[3] == '1' then
  if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
  redis.call('SADD', KEYS[2], ARGV[2])
  if redis.call('SCARD', KEYS[1]) > 1 then return 0 end
  if redis.call('ZREM', KEYS[3], ARGV[2]) == 1 then return 0 end
  return 1
end
if redis.call('SREM', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('SREM', KEYS[2], ARGV[2])
if redis.call('SCARD', KEYS[1]) > 0 then return 0 end
${REDIS_NOW}redis.call('ZADD', KEYS[3], now + tonumber(ARGV[4]), ARGV[2])
return -1`;

/**
 * Renews a node (KEYS[1] = `nodes`; ARGV: node, ttl ms). Returns 1 when it was not registered or
 * had expired (others may have swept its entries: it must write them again), else 0.
 */
const BEAT_SCRIPT = `${REDIS_NOW}local old = redis.call('ZSCORE', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
if (not old) or tonumber(old) < now then return 1 end
return 0`;

/**
 * Sweeps (KEYS: `nodes`, `due`; ARGV: prefix, this node, limit): takes up to `limit` entries of
 * expired nodes (each removal that empties a set falls due at once: the node's expiry was its
 * grace), then claims up to `limit` removals that fell due and returns them. Each entry is
 * popped, and each due removal claimed, by one caller only.
 */
const SWEEP_SCRIPT = `${REDIS_NOW}local budget = tonumber(ARGV[3])
local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, 10)
for _, node in ipairs(dead) do
  if node ~= ARGV[2] and budget > 0 then
    local set = ARGV[1] .. 'n:' .. node
    local members = redis.call('SPOP', set, budget)
    budget = budget - #members
    for _, m in ipairs(members) do
      local key = ARGV[1] .. m
      if redis.call('SREM', key, node) == 1 and redis.call('SCARD', key) == 0 then
        redis.call('ZADD', KEYS[2], now, m)
      end
    end
    if redis.call('SCARD', set) == 0 then redis.call('ZREM', KEYS[1], node) end
  end
end
local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))
for _, m in ipairs(due) do redis.call('ZREM', KEYS[2], m) end
return due`;

/** Leaves (KEYS: `nodes`, the node's set; ARGV: node): unregisters a node that holds nothing. */
const LEAVE_SCRIPT = `if redis.call('SCARD', KEYS[2]) == 0 then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 1
end
return 0`;

/** The keys of an application's webhook presence that the scripts take. */
export interface WebhookKeys {
  /** `nodes`. */
  readonly nodes: string;
  /** `due`. */
  readonly due: string;
  /** The prefix itself (a sweep finds the sets under it). */
  readonly prefix: string;
}

/** The keys of an application's webhook presence. */
export function webhookKeys(publicKey: string): WebhookKeys {
  const prefix = `tp:${encodeKeyPart(publicKey)}:wh:`;
  return { nodes: `${prefix}nodes`, due: `${prefix}due`, prefix };
}

/** The set of a node's members. */
export function nodeSetKey(keys: WebhookKeys, node: string): string {
  return `${keys.prefix}n:${node}`;
}

/** The scripts, for `createClient({ scripts: WEBHOOK_SCRIPTS })`. */
export const WEBHOOK_SCRIPTS = {
  /** A node's member appeared or is gone: 1 an addition to send, -1 a removal scheduled, 0. */
  presenceChange: defineScript({
    SCRIPT: CHANGE_SCRIPT,
    NUMBER_OF_KEYS: 3,
    parseCommand(
      parser: CommandParser,
      keys: WebhookKeys,
      node: string,
      member: string,
      present: boolean,
      graceMs: number,
    ) {
      parser.pushKey(keys.prefix + member);
      parser.pushKey(nodeSetKey(keys, node));
      parser.pushKey(keys.due);
      parser.push(node, member, present ? "1" : "0", String(graceMs));
    },
    transformReply: toNumber,
  }),
  /** Renews a node: 1 when it must write its entries again. */
  presenceBeat: defineScript({
    SCRIPT: BEAT_SCRIPT,
    NUMBER_OF_KEYS: 1,
    parseCommand(parser: CommandParser, keys: WebhookKeys, node: string, ttlMs: number) {
      parser.pushKey(keys.nodes);
      parser.push(node, String(ttlMs));
    },
    transformReply: toNumber,
  }),
  /** Takes dead nodes' entries and claims the removals that fell due (the members). */
  presenceSweep: defineScript({
    SCRIPT: SWEEP_SCRIPT,
    NUMBER_OF_KEYS: 2,
    parseCommand(parser: CommandParser, keys: WebhookKeys, node: string, limit: number) {
      parser.pushKey(keys.nodes);
      parser.pushKey(keys.due);
      parser.push(keys.prefix, node, String(limit));
    },
    transformReply(reply: unknown): string[] {
      return reply as string[];
    },
  }),
  /** Unregisters a node that holds nothing. */
  presenceLeave: defineScript({
    SCRIPT: LEAVE_SCRIPT,
    NUMBER_OF_KEYS: 2,
    parseCommand(parser: CommandParser, keys: WebhookKeys, node: string) {
      parser.pushKey(keys.nodes);
      parser.pushKey(nodeSetKey(keys, node));
      parser.push(node);
    },
    transformReply: toNumber,
  }),
};
