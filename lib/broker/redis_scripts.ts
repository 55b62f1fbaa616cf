/**
 * The Redis broker's scripts (presence counters and publishes), for `createClient({ scripts })`,
 * which runs them with `EVALSHA` (`EVAL` once Redis does not know one). A publish is one call: it
 * drops a publish run past the deadline, adds up the other live nodes' connections and publishes.
 *
 * @module
 */

import { type CommandParser, defineScript } from "npm:@redis/client@6.3.1";
import { NODES_KEY } from "./redis_keys.ts";

/** Lua that sets `now` to Redis's clock (Unix ms): the nodes' clocks do not matter. */
export const REDIS_NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/**
 * Lua that returns `reply` when Redis runs the script after `ARGV[arg]` (Unix ms in Redis's
 * clock): a publish the API gave up on must not go out when a hung Redis resumes.
 */
export function lateReturns(arg: number, reply: string): string {
  return `${REDIS_NOW}if now > tonumber(ARGV[${arg}]) then return ${reply} end
`;
}

/** A script's reply as a number. */
export const toNumber = (reply: unknown): number => Number(reply);

/**
 * Lua function `remote(hash, nodes, self, now)`: the sum of a `node -> count` hash over the nodes
 * but `self` whose expiry in `nodes` (the caller's clock, as the nodes write it) is after `now`.
 */
export const REMOTE_COUNT = `local function remote(hash, nodes, self, now)
  local flat = redis.call('HGETALL', hash)
  local sum = 0
  for i = 1, #flat, 2 do
    if flat[i] ~= self then
      local expiry = redis.call('ZSCORE', nodes, flat[i])
      if expiry and tonumber(expiry) > now then sum = sum + tonumber(flat[i + 1]) end
    end
  end
  return sum
end
`;

/** What a publish sends to Redis. */
export interface Publish {
  /** The pub/sub channel. */
  readonly topic: string;
  /** The channel's or user's `node -> count` hash, for the other live nodes' connections. */
  readonly counts: string;
  /** The publishing node's id (its own connections are counted from its hub). */
  readonly nodeId: string;
  /** Unix ms in Redis's clock past which the publish is dropped (the API gave up on it). */
  readonly deadline: number;
}

/** A publish without history. */
export interface CountedPublish extends Publish {
  /** The envelope, as JSON. */
  readonly message: string;
}

// KEYS: counts, nodes; ARGV: 1 deadline, 2 now (ms, this node's clock), 3 node id, 4 topic,
// 5 message. Answers the other live nodes' connections, or -1 past the deadline.
const PUBLISH = `${
  lateReturns(1, "-1")
}${REMOTE_COUNT}local n = remote(KEYS[1], KEYS[2], ARGV[3], tonumber(ARGV[2]))
redis.call('PUBLISH', ARGV[4], ARGV[5])
return n`;

// Adds to a counter field, removes it at zero, and notes the hash in the node's set of keys.
const INCR = `local v = redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[2])
if v <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
redis.call('SADD', KEYS[2], KEYS[1])
return v`;

/** The broker's scripts, for `createClient({ scripts })`. */
export const BROKER_SCRIPTS = {
  /** Publishes unless past the deadline; answers the other live nodes' count, null if late. */
  countedPublish: defineScript({
    SCRIPT: PUBLISH,
    NUMBER_OF_KEYS: 2,
    parseCommand(parser: CommandParser, p: CountedPublish) {
      parser.pushKey(p.counts);
      parser.pushKey(NODES_KEY);
      parser.push(String(p.deadline), String(Date.now()), p.nodeId, p.topic, p.message);
    },
    transformReply(reply: unknown): number | null {
      return reply === -1 ? null : Number(reply);
    },
  }),
  /** Adds `delta` to a counter field of `key`, noted in the node's set of keys `nodeKeys`. */
  incrCount: defineScript({
    SCRIPT: INCR,
    NUMBER_OF_KEYS: 2,
    parseCommand(
      parser: CommandParser,
      key: string,
      nodeKeys: string,
      field: string,
      delta: number,
    ) {
      parser.pushKey(key);
      parser.pushKey(nodeKeys);
      parser.push(field, String(delta));
    },
    transformReply: toNumber,
  }),
};
