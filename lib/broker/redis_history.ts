/**
 * History in Redis, shared by every node (docs/history.md): per channel a stream of its last
 * pushes and a hash with its position. A publish is one script, so an offset is given once in the
 * cluster and history and live pushes come in the same order (Centrifugo's layout).
 *
 * @module
 */

import { type CommandParser, defineScript } from "npm:@redis/client@6.3.1";
import { encodeKeyPart, NODES_KEY } from "./redis_keys.ts";
import { lateReturns, type Publish, REMOTE_COUNT } from "./redis_scripts.ts";
import {
  type HistoryEntry,
  type HistoryPolicy,
  type HistoryQuery,
  type HistoryRead,
  newEpoch,
  POSITION_TTL,
} from "../history/history.ts";
import type { Position } from "../hub/message.ts";

/** The Redis keys of a channel's history. */
export interface HistoryKeys {
  /** The stream of kept pushes. */
  readonly stream: string;
  /** The hash with the epoch (`e`) and the last offset (`s`). */
  readonly meta: string;
}

/** The keys of an application's channel's history: `tp:<app>:hs:<channel>` and `...:hm:...`. */
export function historyKeys(publicKey: string, channel: string): HistoryKeys {
  const base = `tp:${encodeKeyPart(publicKey)}:`;
  const ch = encodeKeyPart(channel);
  return { stream: `${base}hs:${ch}`, meta: `${base}hm:${ch}` };
}

/** What a publish with history sends to Redis. */
export interface HistoryPublish extends Publish {
  /** The channel's keys. */
  readonly keys: HistoryKeys;
  /** The payload. */
  readonly payload: string;
  /** How much is kept. */
  readonly policy: HistoryPolicy;
}

// KEYS: stream, meta, counts, nodes. ARGV: 1 new epoch, 2 deadline, 3 size, 4 ttl, 5 position
// ttl, 6 topic, 7 node id as a JSON string, 8 payload as a JSON string, 9 node id, 10 now (ms,
// this node's clock). Answers {offset, epoch, the other live nodes' subscribers}, or {-1, '', 0}
// past the deadline. The envelope published is the broker's `{"o":...,"p":...}` with the offset
// (`n`) and epoch (`e`). A position lost (the hash expired or was evicted) starts a new epoch, and
// the stream of the old one goes: its ids would be above the new offsets.
const PUBLISH = `${
  lateReturns(2, "{-1, '', 0}")
}${REMOTE_COUNT}local epoch = redis.call('HGET', KEYS[2], 'e')
if not epoch then
  epoch = ARGV[1]
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[2], 'e', epoch)
end
local offset = redis.call('HINCRBY', KEYS[2], 's', 1)
redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[3], string.format('%d', offset), 'd', ARGV[8])
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[5])
local n = remote(KEYS[3], KEYS[4], ARGV[9], tonumber(ARGV[10]))
redis.call('PUBLISH', ARGV[6], '{"o":' .. ARGV[7] .. ',"p":' .. ARGV[8] .. ',"n":' ..
  string.format('%d', offset) .. ',"e":"' .. epoch .. '"}')
return {offset, epoch, n}`;

// ARGV: 1 since ('' for the latest), 2 limit, 3 max gap ('' for none), 4 position ttl. Answers
// {epoch, last offset, entries}; entries newest first when `since` is ''. A channel without a
// position answers epoch '' and gets none: reads (a client's RECOVER of any name) make no keys.
const READ = `local epoch = redis.call('HGET', KEYS[2], 'e')
if not epoch then return {'', 0, {}} end
local top = tonumber(redis.call('HGET', KEYS[2], 's') or '0')
redis.call('EXPIRE', KEYS[2], ARGV[4])
if ARGV[1] == '' then
  return {epoch, top, redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', ARGV[2])}
end
local since = tonumber(ARGV[1])
if since >= top or (ARGV[3] ~= '' and top - since > tonumber(ARGV[3])) then
  return {epoch, top, {}}
end
return {epoch, top, redis.call('XRANGE', KEYS[1], string.format('%d', since + 1), '+',
  'COUNT', ARGV[2])}`;

type StreamEntry = [string, string[]];

/** The scripts, for `createClient({ scripts: HISTORY_SCRIPTS })`. */
export const HISTORY_SCRIPTS = {
  /**
   * Publishes a push with history; answers its position and the other live nodes' subscribers
   * (null: past the deadline).
   */
  historyPublish: defineScript({
    SCRIPT: PUBLISH,
    NUMBER_OF_KEYS: 4,
    parseCommand(parser: CommandParser, publish: HistoryPublish) {
      const { keys, policy } = publish;
      parser.pushKey(keys.stream);
      parser.pushKey(keys.meta);
      parser.pushKey(publish.counts);
      parser.pushKey(NODES_KEY);
      parser.push(
        newEpoch(),
        String(publish.deadline),
        String(policy.size),
        String(policy.ttl),
        String(Math.max(policy.ttl, POSITION_TTL)),
        publish.topic,
        JSON.stringify(publish.nodeId),
        JSON.stringify(publish.payload),
        publish.nodeId,
        String(Date.now()),
      );
    },
    transformReply(reply: unknown): { position: Position; remote: number } | null {
      const [offset, epoch, remote] = reply as [number, string, number];
      if (offset === -1) return null;
      return { position: { offset: Number(offset), epoch: String(epoch) }, remote: Number(remote) };
    },
  }),
  /** Reads a channel's position and kept pushes. */
  historyRead: defineScript({
    SCRIPT: READ,
    NUMBER_OF_KEYS: 2,
    IS_READ_ONLY: false,
    parseCommand(
      parser: CommandParser,
      keys: HistoryKeys,
      query: HistoryQuery,
      policy: HistoryPolicy,
    ) {
      parser.pushKey(keys.stream);
      parser.pushKey(keys.meta);
      parser.push(
        query.since === undefined ? "" : String(query.since),
        String(query.limit),
        query.maxGap === undefined ? "" : String(query.maxGap),
        String(Math.max(policy.ttl, POSITION_TTL)),
      );
    },
    transformReply(reply: unknown): HistoryRead {
      const [epoch, top, raw] = reply as [string, number, StreamEntry[]];
      const entries: HistoryEntry[] = raw.map(([id, fields]) => ({
        offset: parseInt(id, 10),
        payload: JSON.parse(fields[fields.indexOf("d") + 1]) as string,
      }));
      if (entries.length > 1 && entries[0].offset > entries[1].offset) entries.reverse();
      return { epoch: String(epoch), offset: Number(top), entries };
    },
  }),
};

/**
 * Publishes with history waiting for Redis to send them back on this node's subscription, by
 * pub/sub channel: released when a push with that offset or a later one arrived (the push may
 * come before the script's answer, on the other connection), when the subscription ends, or when
 * the connection is lost.
 */
export class Echoes {
  #waiting = new Map<string, { offset: number; resolve: () => void }[]>();
  #arrived = new Map<string, number>(); // topic -> highest offset arrived

  /** Resolves once a push of `topic` with offset `offset` or more arrived (or on release). */
  wait(topic: string, offset: number): Promise<void> {
    if ((this.#arrived.get(topic) ?? 0) >= offset) return Promise.resolve();
    return new Promise((resolve) => {
      let list = this.#waiting.get(topic);
      if (!list) this.#waiting.set(topic, list = []);
      list.push({ offset, resolve });
    });
  }

  /** A push of `topic` with `offset` arrived (a lower one: a new epoch started). */
  arrived(topic: string, offset: number): void {
    this.#arrived.set(topic, offset);
    const list = this.#waiting.get(topic);
    if (!list) return;
    const left = list.filter((w) => w.offset > offset);
    for (const w of list) if (w.offset <= offset) w.resolve();
    if (left.length === 0) this.#waiting.delete(topic);
    else this.#waiting.set(topic, left);
  }

  /** Releases every wait of `topic` and forgets it. */
  release(topic: string): void {
    for (const w of this.#waiting.get(topic) ?? []) w.resolve();
    this.#waiting.delete(topic);
    this.#arrived.delete(topic);
  }

  /** Releases every wait. */
  releaseAll(): void {
    for (const topic of [...this.#waiting.keys()]) this.release(topic);
    this.#arrived.clear();
  }
}
