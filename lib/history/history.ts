/**
 * Message history: a channel's position (epoch and offset), the pushes kept, and what reads them.
 * Opt-in per application (`--history-size`); see `docs/history.md`.
 *
 * @module
 */

/** How much of each channel's history an application keeps. */
export interface HistoryPolicy {
  /** Pushes kept per channel (0: history off). */
  readonly size: number;
  /** Seconds a channel's pushes are kept after its last push. */
  readonly ttl: number;
}

/** The policy of every application that keeps history, by public key. */
export type HistoryPolicies = ReadonlyMap<string, HistoryPolicy>;

/** One kept push. */
export interface HistoryEntry {
  /** Its offset. */
  readonly offset: number;
  /** The published JSON text. */
  readonly payload: string;
}

/** What a read of a channel's history finds. */
export interface HistoryRead {
  /** The channel's epoch (`""` when the channel has no history: nothing pushed yet, or lost). */
  readonly epoch: string;
  /** The offset of the channel's last push (0: none yet in this epoch). */
  readonly offset: number;
  /** Kept pushes, oldest first (see `HistoryQuery`). */
  readonly entries: readonly HistoryEntry[];
}

/** Which kept pushes a read returns. */
export interface HistoryQuery {
  /** Pushes after this offset; without it, the latest `limit` pushes (oldest first either way). */
  readonly since?: number;
  /** At most this many. */
  readonly limit: number;
  /** With `since`: no entries when more than this many came after it (a refused recovery). */
  readonly maxGap?: number;
}

/** How many pushes and bytes of payload a history keeps now. */
export interface HistoryStats {
  /** Pushes kept. */
  readonly messages: number;
  /** Bytes of their payloads (UTF-16 code units, as JavaScript counts a string's length). */
  readonly bytes: number;
}

/** The most pushes one `RECOVER` delivers; with more missed, it answers `recovered: false`. */
export const MAX_RECOVERED = 300;

/**
 * Least seconds a channel's epoch and offset outlive its last push, so that a client that missed
 * nothing still recovers after the pushes expired.
 */
export const POSITION_TTL = 7 * 24 * 60 * 60;

/** Most pushes one read of the HTTP API returns. */
export const MAX_READ_LIMIT = 10_000;

const LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/** A new epoch: 8 random letters (as Centrifugo's), safe in JSON and in a command unescaped. */
export function newEpoch(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  let epoch = "";
  for (const byte of bytes) epoch += LETTERS[byte % LETTERS.length];
  return epoch;
}

/** The policy of an application, or undefined when it keeps no history. */
export function policyOf(
  policies: HistoryPolicies | undefined,
  publicKey: string,
): HistoryPolicy | undefined {
  const policy = policies?.get(publicKey);
  return policy !== undefined && policy.size > 0 ? policy : undefined;
}
