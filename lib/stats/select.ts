/**
 * Bounded selections over what may be many channels or users, in one pass: the busiest channels,
 * and a page of user ids in a stable order.
 *
 * @module
 */

/** A channel and its connections. */
export interface ChannelSize {
  /** The channel's name. */
  readonly channel: string;
  /** Its connections (cluster-wide in a cluster). */
  readonly connections: number;
}

/**
 * The `n` channels with the most connections, most first (ties by name), in one pass over
 * `sizes` keeping at most `n` of them: O(channels) for a small `n`.
 */
export function busiest(sizes: Iterable<readonly [string, number]>, n: number): ChannelSize[] {
  const top: ChannelSize[] = [];
  const before = (a: ChannelSize, b: ChannelSize) =>
    a.connections > b.connections || (a.connections === b.connections && a.channel < b.channel);
  for (const [channel, connections] of sizes) {
    const item = { channel, connections };
    if (top.length === n && !before(item, top[n - 1])) continue;
    let at = top.length;
    while (at > 0 && before(item, top[at - 1])) at--;
    top.splice(at, 0, item);
    if (top.length > n) top.pop();
  }
  return top;
}

/** A page of ids. */
export interface Page {
  /** The ids, in UTF-16 code unit order. */
  readonly ids: string[];
  /** Whether more ids come after the last one. */
  readonly more: boolean;
}

/**
 * The `limit` smallest ids greater than `after`, in UTF-16 code unit order, in one pass. Paging on
 * with each page's last id lists every id present throughout exactly once.
 */
export function pageAfter(ids: Iterable<string>, after: string | undefined, limit: number): Page {
  const page: string[] = [];
  let more = false;
  for (const id of ids) {
    if (after !== undefined && id <= after) continue;
    if (page.length === limit) {
      more = true;
      if (id >= page[limit - 1]) continue;
      page.pop();
    }
    // Binary search for its place: ids come in no order.
    let lo = 0;
    let hi = page.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (page[mid] < id) lo = mid + 1;
      else hi = mid;
    }
    page.splice(lo, 0, id);
  }
  return { ids: page, more };
}
